#!/usr/bin/env bash
# Stops the processes the test bed started, by their PID files only: SIGTERM,
# then SIGKILL after ${STOP_GRACE:-5}s (Knative's webhook and ingress drain for long).
D=${1:?state dir}
pids=()
for f in "$D"/*.pid; do
  [ -f "$f" ] || continue
  p=$(cat "$f"); rm -f "$f"
  kill "$p" 2>/dev/null && pids+=("$p")
done
end=$((SECONDS + ${STOP_GRACE:-5}))
for p in "${pids[@]}"; do
  while kill -0 "$p" 2>/dev/null && [ $SECONDS -lt $end ]; do sleep 0.1; done
  kill -0 "$p" 2>/dev/null && kill -9 "$p" 2>/dev/null
done
echo "testbed: stopped ${#pids[@]} processes" >&2
