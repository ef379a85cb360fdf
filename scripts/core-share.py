#!/usr/bin/env python3
"""How much of each run's CPU time its core view shows as the run's (README, "The core view"):
each core's run share summed over its intervals, against the run's CPU time as the OS counted
it (`cpu_time_s`), and what the cores spent on other processes.
Usage: scripts/core-share.py RUN_OR_COMPARISON.json
   e.g. concurrency-explorer compare --preset start-methods --json m.json && scripts/core-share.py m.json"""
import json
import sys

if len(sys.argv) != 2:
    sys.exit(__doc__)
with open(sys.argv[1]) as f:
    data = json.load(f)
for run in data.get("runs", [data]):
    last = {}
    mine = others = 0.0
    for s in run["core_samples"]["samples"]:
        seconds = (s["t_ns"] - last.get(s["core"], 0)) / 1e9
        last[s["core"]] = s["t_ns"]
        mine += s["run_pct"] / 100 * seconds
        others += (s["total_pct"] - s["run_pct"]) / 100 * seconds
    cpu = run["summary"]["cpu_time_s"]
    label = run["config"].get("label") or run["config"]["model"]
    share = f"{100 * mine / cpu:.0f} %" if cpu > 0 else "-"
    print(f"{label}: CPU time {cpu:.3f} s; core view: the run {mine:.3f} s ({share}), other processes {others:.3f} s")
