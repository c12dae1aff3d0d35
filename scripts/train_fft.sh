#!/usr/bin/env bash
# Full fine-tuning, as in the original Panza:
#   ./scripts/train_fft.sh user=jen finetuning.lr=2e-5 finetuning.max_duration=3ep
# Every argument is passed to `panza train`; the run directory is the last line printed.
set -euo pipefail
exec "${PANZA:-panza}" train finetuning=full "$@"
