#!/usr/bin/env bash
# The engine on one GPU, with nothing downloaded: a random-weight model of Mistral-7B's shape
# in bf16, 25 random r=8 adapters (q_proj, v_proj), the engine's logits against PEFT's in a
# batch of mixed adapters across a sliding window (agreement.py), one decode step timed path
# by path (decode_steps.py), and the benchmark at 1, 32 and 100 users against PEFT. Needs a
# CUDA build of torch (README, "On a GPU"). About 5 minutes, all of it.
#   scripts/gpu_check.sh    # writes $OUT/agreement.json, steps.json (+ steps-profile.txt),
#                           # bench.json, bench.png, timings.txt (seconds from the start at the
#                           # end of each part)
#   PARTS="agreement" scripts/gpu_check.sh   # only some parts (default: agreement steps bench)
# Arguments go on to `manage.py bench` (the last of a repeated option wins). The tests run the
# same path on the CPU at a toy size: DEVICE=cpu SHAPE=tiny scripts/gpu_check.sh --users 1,4
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python}
OUT=${OUT:-/tmp/loraland-gpu}
DEVICE=${DEVICE:-cuda}
SHAPE=${SHAPE:-mistral-7b}
PARTS=${PARTS:-agreement steps bench}
wants() { [[ " $PARTS " == *" $1 "* ]]; }

# Where the minutes go, on stderr and in $OUT/timings.txt (the check is meant to fit in 5).
phase() { echo "gpu_check: $1 after ${SECONDS} s" | tee -a "$OUT/timings.txt" >&2; }
mkdir -p "$OUT"
: > "$OUT/timings.txt"

if [ "$DEVICE" = cuda ]; then
  "$PY" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 'no CUDA device')"
fi
"$PY" scripts/random_model.py --out "$OUT" --adapters 25 --shape "$SHAPE" --device "$DEVICE"
phase "model and adapters built"
# Correctness in bf16: 8 rows (the base and 7 adapters) teacher-forced against PEFT one row at a
# time, 160-token prompts and 24 steps under a 128-position sliding window (Mistral-7B-v0.1's
# is 4,096: set lower so that both prefill and decode cross it).
if wants agreement; then
  "$PY" scripts/agreement.py "$OUT/model" "$OUT/adapters" --device "$DEVICE" --dtype bfloat16 \
    --rows 8 --prompt-tokens 160 --steps 24 --window 128 --json > "$OUT/agreement.json"
  phase "agreement checked"
fi
# One decode step, path by path, with no engine thread and no users (what a step costs on its
# own, and what in it makes the host wait for the device), then the benchmark. Each path runs
# eagerly and again through the engine's fixed-shape step (worker/engine/decode_graph.py), as
# CUDA graphs per batch bucket (DECODE_GRAPH: static, compile or cuda), in the same rounds:
# "graph base" against "base" is what the graphs save, "graph uniform" against "graph base"
# what LoRA rows cost in them; if the graphs fail, the eager paths are measured all the same
# (steps.json says why). At most STEPS_TIMEOUT seconds (default 150; 0: no limit), so that the
# benchmark keeps its share of the 5 minutes; --foreground lets Ctrl-C through, -k kills it if
# SIGTERM does not end it.
if wants steps; then
  timeout --foreground -k 10 "${STEPS_TIMEOUT:-150}" \
    "$PY" scripts/decode_steps.py "$OUT/model" "$OUT/adapters" --device "$DEVICE" \
    --dtype bfloat16 --rows 1,32,100 --rounds 3 --steps 10 --syncs --profile 32 \
    --graph "${DECODE_GRAPH:-cuda}" --json \
    > "$OUT/steps.json" 2> "$OUT/steps-profile.txt" ||
    echo "decode_steps.py failed or timed out (see $OUT/steps-profile.txt); the benchmark" \
      "runs all the same" >&2
  phase "decode steps timed"
fi
# One round (--repeats 1): each round loads the 7B model twice (engine, then PEFT); one
# request a user (throughput of the first wave; 4 requests at 1 user), and 16 for PEFT one at a
# time (~2.5 s a request on an H200), so that the whole check stays within 5 minutes. Without
# Django (scripts/gpu_bench.py): a GPU box's stock image has torch, transformers and peft only.
if wants bench; then
  "$PY" scripts/gpu_bench.py "$OUT" "$DEVICE" --users 1,32,100 --baseline-users 32 \
    --min-requests 4 --requests-per-user 1 --baseline-requests 16 --repeats 1 \
    --plot "$OUT/bench.png" --json "$@" > "$OUT/bench.json"
  phase "benchmark run"
fi
for part in agreement steps bench; do
  if wants "$part"; then cat "$OUT/$part.json"; fi
done
