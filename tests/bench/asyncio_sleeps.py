#!/usr/bin/env python3
"""The asyncio side of bench_eventloop: N concurrent sleeps of S seconds on one loop
(asyncio.gather), each task's start and end recorded with time.monotonic_ns(), optionally
written as JSON (what the explorer's --json holds for the same run: one wait phase per task).

    python3 asyncio_sleeps.py TASKS SECONDS [--json FILE]

Prints: makespan_s=<first start to last end>  tasks=<N>
"""
import asyncio
import json
import sys
import time


async def one(i, seconds, starts, ends):
    starts[i] = time.monotonic_ns()
    await asyncio.sleep(seconds)
    ends[i] = time.monotonic_ns()


async def main(n, seconds):
    starts = [0] * n
    ends = [0] * n
    await asyncio.gather(*(one(i, seconds, starts, ends) for i in range(n)))
    return starts, ends


def run():
    args = sys.argv[1:]
    if len(args) < 2:
        sys.exit(__doc__)
    n, seconds = int(args[0]), float(args[1])
    out = args[args.index("--json") + 1] if "--json" in args else None
    starts, ends = asyncio.run(main(n, seconds))
    t0 = min(starts)
    makespan = (max(ends) - t0) / 1e9
    if out:
        with open(out, "w") as f:
            json.dump({"tasks": [{"id": i, "phases": [{"state": "io-wait", "start_ns": s - t0, "end_ns": e - t0}]}
                                 for i, (s, e) in enumerate(zip(starts, ends))],
                       "makespan_s": makespan}, f)
    print(f"makespan_s={makespan:.3f} tasks={n}")


if __name__ == "__main__":
    run()
