"""CPU-bound work in a process pool: each worker process has its own interpreter and GIL,
so they compute at the same time, at the cost of starting processes and sending data.

Record it:  concurrency-explorer record -- python3 process_pool.py
Expect one process per core busy at once (busy cores near the core count).
"""
import os
import sys
from concurrent.futures import ProcessPoolExecutor

TASKS = int(sys.argv[1]) if len(sys.argv) > 1 else 8


def work(n):
    total = 0
    for i in range(10_000_000):
        total += (i * n) % 7
    return total


if __name__ == "__main__":
    with ProcessPoolExecutor(max_workers=os.cpu_count()) as pool:
        results = list(pool.map(work, range(TASKS)))
    print(f"{len(results)} tasks done on {os.cpu_count()} processes")
