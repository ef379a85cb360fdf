#!/bin/bash
# Attacks a built executable the way users and machines do, and counts what held:
#  - SIGINT, SIGHUP and SIGTERM sent to the whole process group (a terminal's Ctrl+C or
#    hang-up, a service manager's stop) at a random moment, across every model: each must
#    end with exit 130, a JSON marked "cancelled", and no worker left;
#  - worker faults (garbage frame, 80 MiB frame with no body, silence, SIGSTOP), pooled and
#    one process per task: exit 1, 19 of 20 tasks done, the real cause named, no worker left.
# Usage: scripts/hardening-check.sh [EXECUTABLE] [ROUNDS]
# (README "What it guarantees" quotes its counts; run it with two spinners to load the cores:
#  for i in 1 2; do (timeout 600 sh -c 'while :; do :; done' &); done)
set -u
B=$(realpath "${1:-build/default/app/concurrency-explorer}")
ROUNDS=${2:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
# Workers: the lean worker program (spawned, or forked by its forkserver), or this program in
# worker mode.
workersLeft() { pgrep -f "$B worker|$(dirname "$B")/concurrency-explorer-worker" | wc -l; }

ok=0; bad=0
for r in $(seq "$ROUNDS"); do
  for m in "processes" "processes --spawn-per-task" "processes --start-method forkserver" "threads" "eventloop" "tbb" "sequential"; do
    for sig in INT HUP TERM; do
      rm -f g.json
      # shellcheck disable=SC2086
      setsid "$B" run --model $m --workload mixed --task-ms 5 --wait-ms 25 --tasks 2000 --json g.json --quiet >out.txt 2>err.txt &
      p=$!
      sleep 0.$((RANDOM % 9 + 3))
      kill -"$sig" -- -"$p"
      wait "$p"; rc=$?
      st=$(python3 -c "import json;print(json.load(open('g.json'))['status'])" 2>/dev/null)
      sleep 0.1
      if [ "$rc" = 130 ] && [ "$st" = cancelled ] && [ "$(workersLeft)" = 0 ]; then ok=$((ok + 1)); else
        bad=$((bad + 1)); echo "FAILED: --model $m, SIG$sig to the group: exit $rc, status '$st', $(workersLeft) workers left"; fi
    done
  done
done
echo "group signals: $ok of $((ok + bad)) cancelled cleanly"

fok=0; fbad=0
for r in $(seq "$ROUNDS"); do
  for f in garbage huge silent stop; do
    for pt in "" "--spawn-per-task" "--start-method forkserver" "--start-method forkserver --spawn-per-task"; do
      # shellcheck disable=SC2086
      CE_WORKER_FAULT=$f@$((RANDOM % 20)) timeout 120 "$B" run --model processes --workers 2 $pt --workload mixed --task-ms 5 \
        --wait-ms 10 --tasks 20 --worker-timeout-s 1 --quiet >out.txt 2>&1
      rc=$?
      if [ "$rc" = 1 ] && grep -q "19/20 tasks done, 1 failed" out.txt && ! grep -q "signal 9" out.txt && [ "$(workersLeft)" = 0 ]; then
        fok=$((fok + 1)); else fbad=$((fbad + 1)); echo "FAILED: fault $f $pt: exit $rc"; grep -E "Status|Error" out.txt; fi
    done
  done
done
echo "worker faults: $fok of $((fok + fbad)) failed only their task, with the cause"
[ "$bad" = 0 ] && [ "$fbad" = 0 ]
