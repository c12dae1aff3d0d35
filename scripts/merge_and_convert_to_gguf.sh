#!/usr/bin/env bash
# Convert a trained model (a run directory; LoRA/RoSA adapters are merged first) to one GGUF file,
# as the original Panza script did, but with no llama.cpp checkout:
#   ./scripts/merge_and_convert_to_gguf.sh path/to/run [export.quant=q4_k_m export.out=model.gguf ...]
# The original's default type was q8_0 (GGUF_TYPE overrides it). Extra arguments are passed to
# `panza export gguf`; the GGUF path is the last line printed, with a Modelfile beside it.
set -euo pipefail
if [ $# -lt 1 ] || [ "${1#-}" != "$1" ]; then
  echo "usage: $0 path/to/model/or/adapter [export.quant=f16|q8_0|q4_k_m] [key=value ...]" >&2
  exit 2
fi
run="$1"
shift
# PANZA may hold a command with arguments (e.g. "python -m panza"), hence unquoted.
# shellcheck disable=SC2086
exec ${PANZA:-panza} export gguf "checkpoint=${run}" "export.quant=${GGUF_TYPE:-q8_0}" "$@"
