#!/usr/bin/env python3
"""CPython's side of the gil-released-kernel lesson (preset gil-released-kernel).

hashlib releases the GIL while it hashes a buffer larger than 2 KiB, as C extensions do
around their heavy loops. Two threads hashing take about as long as one does, where a
pure-Python loop in two threads takes twice as long. Prints seconds for each as JSON.
"""
import hashlib
import json
import sys

from common import run_threads

DATA = b"x" * (64 << 20)


def hashing():
    hashlib.sha256(DATA).hexdigest()


def python_loop():
    n = 0
    for i in range(6_000_000):
        n += i


if __name__ == "__main__":
    for name, body in (("hashlib.sha256 (releases the GIL)", hashing), ("pure-Python loop (holds the GIL)", python_loop)):
        one, two = run_threads(body, 1), run_threads(body, 2)
        print(json.dumps({"case": name, "python": sys.version.split()[0], "one_thread_s": round(one, 3),
                          "two_threads_s": round(two, 3), "ratio": round(two / one, 2)}))
