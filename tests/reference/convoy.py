"""Lesson: the convoy effect. An I/O thread doing 200 waits of 1 ms beside a CPU-bound thread
gets the GIL back only after the CPU thread's switch interval, at every wait's end.

Explorer: run --preset convoy with --gil off and on. Prints how long the I/O thread took
alone (no CPU thread) and beside the CPU thread, and the slowdown.
"""
import threading
import time

from common import emit, spin, units_for_ms

WAITS, WAIT_MS, CPU_MS = 200, 1, 1500


def io_task(out):
    t0 = time.perf_counter()
    for _ in range(WAITS):
        time.sleep(WAIT_MS / 1000.0)
    out.append(time.perf_counter() - t0)


alone = []
io_task(alone)

units = units_for_ms(CPU_MS)
beside = []
cpu = threading.Thread(target=spin, args=(units,))
cpu.start()
time.sleep(0.005)  # the CPU thread holds the lock from here on
io = threading.Thread(target=io_task, args=(beside,))
io.start()
io.join()
cpu.join()
emit({"io_task_alone_s": alone[0], "io_task_beside_cpu_s": beside[0], "slowdown": beside[0] / alone[0]})
