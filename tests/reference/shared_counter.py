#!/usr/bin/env python3
"""CPython's side of the shared-counter lesson (preset shared-counter).

Four threads add one to a global 100,000 times each, with and without a threading.Lock.
A third case puts a function call between the read and the write: CPython 3.10 and later
only look at the eval breaker (where a thread switch can happen) at calls and backward
jumps, so `counter += 1` itself is hardly ever split, while the call opens the window.

Prints one JSON line per case: expected, final, lost updates, seconds.
"""
import json
import sys
import threading

from common import run_threads

THREADS = 4
STEPS = 100_000
counter = 0
lock = threading.Lock()


def plain():
    global counter
    for _ in range(STEPS):
        counter += 1


def locked():
    global counter
    for _ in range(STEPS):
        with lock:
            counter += 1


def identity(v):
    return v


def split():
    global counter
    for _ in range(STEPS):
        value = counter
        counter = identity(value) + 1  # a call between the read and the write


def run(name, body, interval):
    global counter
    counter = 0
    elapsed = run_threads(body, THREADS)
    expected = THREADS * STEPS
    print(json.dumps({"case": name, "python": sys.version.split()[0], "switch_interval_s": interval, "expected": expected,
                      "final": counter, "lost_updates": expected - counter, "seconds": round(elapsed, 3)}))


if __name__ == "__main__":
    # The default interval (5 ms), then a tiny one: more switches, so more chances to race.
    for interval in [float(a) for a in sys.argv[1:]] or [0.005, 0.000001]:
        sys.setswitchinterval(interval)
        run("no lock: counter += 1", plain, interval)
        run("no lock: read, call, write", split, interval)
        run("threading.Lock", locked, interval)
