"""Measures how long each loop.run_in_executor() call holds CPython's event loop up while the
ThreadPoolExecutor starts its threads lazily under the GIL: a submit that finds no idle
thread starts one, and Thread.start() returns only when the new thread runs, which needs the
lock that the threads already computing hold.

Usage: python3 executor_start.py [POOL]   (10 handlers: 50 ms CPU offloaded, then 100 ms sleep)
Not a lesson of compare.py: it explains the worst lag of offload_threads.py with a pool of 6.
"""
import asyncio
import concurrent.futures as cf
import sys
import time

from common import Heartbeat, spin, units_for_ms

POOL = int(sys.argv[1]) if len(sys.argv) > 1 else 6


async def handler(pool, units, calls):
    loop = asyncio.get_running_loop()
    t0 = time.perf_counter()
    future = loop.run_in_executor(pool, spin, units)
    calls.append((time.perf_counter() - t0) * 1000.0)
    await future
    await asyncio.sleep(0.1)


async def main():
    units = units_for_ms(50)
    calls = []
    with cf.ThreadPoolExecutor(max_workers=POOL) as pool:
        hb = Heartbeat(asyncio.get_running_loop())
        hb.start()
        await asyncio.gather(*(handler(pool, units, calls) for _ in range(10)))
        hb.stop()
    print("pool of %d: each run_in_executor call held the loop (ms): %s; worst loop lag %.0f ms"
          % (POOL, " ".join("%.1f" % c for c in calls), max(hb.lags_ms)))


asyncio.run(main())
