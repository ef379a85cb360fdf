"""Lesson: an event loop beside threads that compute under the GIL gets the lock back late,
every time it wakes: after each sleep in select, the loop's thread must wait for a CPU-bound
thread to let the lock go (a switch interval at least), and at a forced switch the thread that
asked for the lock usually wins it over the loop. No task of the loop's own is involved: the
heartbeat alone shows it.

Explorer: run --model eventloop --workload cpu --task-ms 500 --tasks 2 --gil --offload 2
(two CPU parts of 500 ms on a 2-thread pool, as run_in_executor with a ThreadPoolExecutor of 2).
Prints the heartbeat's lag.
"""
import asyncio
import concurrent.futures as cf

from common import Heartbeat, emit, spin, units_for_ms

TASKS, TASK_MS, POOL = 2, 500, 2


async def main():
    units = units_for_ms(TASK_MS)
    loop = asyncio.get_running_loop()
    with cf.ThreadPoolExecutor(max_workers=POOL) as pool:
        hb = Heartbeat(loop)
        hb.start()
        await asyncio.gather(*(loop.run_in_executor(pool, spin, units) for _ in range(TASKS)))
        hb.stop()
    return hb.figures()


emit(asyncio.run(main()))
