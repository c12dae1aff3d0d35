#!/usr/bin/env bash
# The original's prepare_train_eval.sh as one command: prepare -> train -> eval, each step resumable.
#   ./scripts/prepare_train_eval.sh --mbox ~/Mail/Sent.mbox --email me@example.org --out data/me [finetuning=rosa] [key=value ...]
# Mail flags (--mbox/--maildir/--eml-dir/--takeout/--email/--any-sender) go to `panza prepare`; --out is the
# data folder for all three; key=value overrides go to the step that knows them (playback.*/ingest.* to
# prepare, finetuning.*/rag.* to train, eval.*/writer.* to eval, the rest to all). Re-running after an interruption redoes only what is unfinished:
# prepare skips up-to-date stages, train resumes its unfinished run, eval keeps finished drafts per system.
# The report folder is the last line printed; eval prints a summary line per system before it.
set -euo pipefail
PANZA=${PANZA:-panza}
mail=() ; prep=() ; data="" ; train=() ; evalargs=() ; common=() ; split="--test-split=0.2"
while [ $# -gt 0 ]; do
  case "$1" in
    --mbox|--maildir|--eml-dir|--takeout|--email) mail+=("$1" "$2"); shift 2 ;;
    --any-sender) mail+=("$1"); shift ;;
    --out|--data) data="$2"; shift 2 ;;
    --test-split) split="--test-split=$2"; shift 2 ;;
    playback.*|ingest.*|writer/llm@playback.llm=*|test_split=*|split_type=*|force=*) prep+=("$1"); shift ;;
    finetuning=*|finetuning.*|rag.*) train+=("$1"); shift ;;
    eval.*|writer.*|writer/*) evalargs+=("$1"); shift ;;
    *) common+=("$1"); shift ;;
  esac
done
[ -n "$data" ] || { echo "prepare_train_eval.sh: pass --out DIR (the data folder)" >&2; exit 2; }
echo "== prepare" >&2
"$PANZA" prepare "${mail[@]}" --out "$data" "$split" "${prep[@]}" "${common[@]}" >&2
echo "== train" >&2
run=$("$PANZA" train --data "$data" "${train[@]}" "${common[@]}" | tail -n 1)
echo "== eval ($run)" >&2
"$PANZA" eval --data "$data" "checkpoint=$run" "${evalargs[@]}" "${common[@]}"
