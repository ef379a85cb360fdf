"""Lesson: two CPU-bound threads under the GIL take turns on one core.

Explorer: run --preset gil-cpu-threads (2 tasks of 400 ms spin, 2 threads, GIL on) and the
same tasks sequentially. Prints mean_busy_cores of the threaded run and its makespan over
the sequential one's.
"""
import threading
import time

from common import emit, process_cpu_s, spin, units_for_ms

TASKS, TASK_MS = 2, 400


def run_sequential(units):
    t0 = time.perf_counter()
    for _ in range(TASKS):
        spin(units)
    return time.perf_counter() - t0


def run_threads(units):
    threads = [threading.Thread(target=spin, args=(units,)) for _ in range(TASKS)]
    cpu0, t0 = process_cpu_s(), time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    return wall, (process_cpu_s() - cpu0) / wall


units = units_for_ms(TASK_MS)
sequential = run_sequential(units)
makespan, busy = run_threads(units)
emit({"makespan_s": makespan, "sequential_s": sequential, "mean_busy_cores": busy,
      "threads_over_sequential": makespan / sequential})
