#!/usr/bin/env bash
# Fine-tune with RoSA (LoRA + sparse adapter), as in the original Panza:
#   ./scripts/train_rosa.sh user=jen finetuning.lr=1e-4 finetuning.rosa.lora_lr=2e-4 finetuning.max_duration=5ep
# Every argument is passed to `panza train`; the run directory is the last line printed.
set -euo pipefail
exec "${PANZA:-panza}" train finetuning=rosa "$@"
