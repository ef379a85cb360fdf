"""Lesson: CPU work inside a handler blocks the event loop.

Explorer: run --preset blocking-eventloop (10 handlers: 50 ms of CPU, then a 100 ms sleep).
Prints the worst and mean heartbeat lag and the makespan.
"""
import asyncio
import time

from common import Heartbeat, emit, spin, units_for_ms

TASKS, TASK_MS, WAIT_MS = 10, 50, 100


async def handler(units):
    spin(units)  # on the loop's thread: nothing else runs meanwhile
    await asyncio.sleep(WAIT_MS / 1000.0)


async def main():
    units = units_for_ms(TASK_MS)
    hb = Heartbeat(asyncio.get_running_loop())
    hb.start()
    t0 = time.perf_counter()
    await asyncio.gather(*(handler(units) for _ in range(TASKS)))
    makespan = time.perf_counter() - t0
    hb.stop()
    return dict(hb.figures(), makespan_s=makespan)


emit(asyncio.run(main()))
