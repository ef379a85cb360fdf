"""Two CPU-bound threads in CPython: the GIL lets only one run Python code at a time.

Record it:  concurrency-explorer record --png gil.png -- python3 cpu_threads.py
Expect two lanes that take turns (running / sleeping on the lock) and about 1 busy core,
however many cores the machine has.
"""
import sys
import threading
import time

SECONDS = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0


def count(name):
    """Pure Python arithmetic until the time is up: it holds the GIL while it computes."""
    deadline = time.monotonic() + SECONDS
    total = 0
    while time.monotonic() < deadline:
        for i in range(10_000):
            total += i * i
    print(f"{name}: done, {total % 1000}", flush=True)


threads = [threading.Thread(target=count, args=(f"thread {n}",), name=f"count-{n}") for n in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
