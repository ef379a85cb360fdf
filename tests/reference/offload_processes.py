"""Lesson: CPU parts offloaded to a process pool leave the loop's GIL alone: the loop stays
on time and the parts run in parallel, each worker under its own lock.

Explorer: run --preset eventloop-offload-processes (10 handlers, 50 ms CPU + 100 ms sleep,
run_in_executor with a ProcessPoolExecutor of 2). Prints the heartbeat's lag, the makespan
and mean_busy_cores (this process and its reaped workers).
"""
import asyncio
import concurrent.futures as cf
import sys
import time

from common import Heartbeat, emit, offloaded_handler, process_cpu_s, units_for_ms

TASKS, TASK_MS, WAIT_MS = 10, 50, 100
POOL = int(sys.argv[1]) if len(sys.argv) > 1 else 2


async def main():
    units = units_for_ms(TASK_MS)
    cpu0 = process_cpu_s()
    t0 = time.perf_counter()
    hb = Heartbeat(asyncio.get_running_loop())
    hb.start()
    with cf.ProcessPoolExecutor(max_workers=POOL) as pool:
        await asyncio.gather(*(offloaded_handler(pool, units, WAIT_MS) for _ in range(TASKS)))
        makespan = time.perf_counter() - t0
        hb.stop()
    busy = (process_cpu_s() - cpu0) / (time.perf_counter() - t0)
    return dict(hb.figures(), makespan_s=makespan, mean_busy_cores=busy)


if __name__ == "__main__":
    emit(asyncio.run(main()))
