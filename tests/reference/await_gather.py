#!/usr/bin/env python3
"""CPython's side of the await-vs-gather lesson (preset await-vs-gather).

Four coroutines each make five waits of 100 ms (asyncio.sleep stands in for a request):
awaited one after another, then gathered. Prints the makespan of each as JSON.
"""
import asyncio
import json
import sys
import time

TASKS, ROUNDS, WAIT_S = 4, 5, 0.1


async def one_by_one():
    for _ in range(ROUNDS):
        await asyncio.sleep(WAIT_S)


async def gathered():
    await asyncio.gather(*(asyncio.sleep(WAIT_S) for _ in range(ROUNDS)))


async def run(body):
    t0 = time.perf_counter()
    await asyncio.gather(*(body() for _ in range(TASKS)))
    return time.perf_counter() - t0


if __name__ == "__main__":
    for name, body in (("await one at a time", one_by_one), ("asyncio.gather", gathered)):
        seconds = asyncio.run(run(body))
        print(json.dumps({"case": name, "python": sys.version.split()[0], "tasks": TASKS, "waits_per_task": ROUNDS,
                          "wait_s": WAIT_S, "seconds": round(seconds, 3)}))
