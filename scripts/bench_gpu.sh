#!/usr/bin/env bash
# LoRA, RoSA and full fine-tuning of SmolLM2-135M on a CUDA GPU: the same code and data as the CPU
# benchmark (bench/bench_train.py), in bf16 (finetuning.precision=auto picks it on a GPU), printing
# tokens/s, loss and peak GPU memory. Not part of CI. Extra arguments go to the benchmark, e.g.
#   scripts/bench_gpu.sh --batch-size 16 --epochs 3
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
"$PY" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else \
'no CUDA GPU visible to torch: install a CUDA build of torch==2.13.0 (pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cu128)')"
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
export HF_HUB_OFFLINE=1
exec "$PY" -m bench train -- --methods lora,rosa,full --no-baseline "$@"
