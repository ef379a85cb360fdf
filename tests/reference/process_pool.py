"""Lesson: a process pool runs CPU-bound work in parallel, each worker with its own GIL.

Explorer: run --preset process-pool-map --kernel spin (8 tasks of 150 ms, a pool of one
worker per core). Prints mean_busy_cores (this process and its reaped children) and the
pool's makespan over the sequential one's.
"""
import concurrent.futures as cf
import os
import time

from common import emit, process_cpu_s, spin, units_for_ms

TASKS, TASK_MS = 8, 150

if __name__ == "__main__":
    units = units_for_ms(TASK_MS)
    t0 = time.perf_counter()
    for _ in range(TASKS):
        spin(units)
    sequential = time.perf_counter() - t0

    cpu0, t0 = process_cpu_s(), time.perf_counter()
    with cf.ProcessPoolExecutor(max_workers=os.cpu_count()) as pool:
        list(pool.map(spin, [units] * TASKS))
    makespan = time.perf_counter() - t0  # start-up and shut-down included, as the explorer's
    emit({"makespan_s": makespan, "sequential_s": sequential,
          "mean_busy_cores": (process_cpu_s() - cpu0) / makespan,
          "processes_over_sequential": makespan / sequential})
