"""Lesson: under the GIL, CPU parts offloaded to threads still hold the event loop up: the
loop's thread needs the GIL for every callback and gets it only after a switch interval.

Explorer: run --preset eventloop-offload --gil on --offload 2 (the same pool size as here:
run_in_executor with a ThreadPoolExecutor of 2). Prints the heartbeat's lag and the makespan.
"""
import asyncio
import concurrent.futures as cf
import sys
import time

from common import Heartbeat, emit, offloaded_handler, units_for_ms

TASKS, TASK_MS, WAIT_MS = 10, 50, 100
POOL = int(sys.argv[1]) if len(sys.argv) > 1 else 2


async def main():
    units = units_for_ms(TASK_MS)
    with cf.ThreadPoolExecutor(max_workers=POOL) as pool:
        hb = Heartbeat(asyncio.get_running_loop())
        hb.start()
        t0 = time.perf_counter()
        await asyncio.gather(*(offloaded_handler(pool, units, WAIT_MS) for _ in range(TASKS)))
        makespan = time.perf_counter() - t0
        hb.stop()
    return dict(hb.figures(), makespan_s=makespan)


emit(asyncio.run(main()))
