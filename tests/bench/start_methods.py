#!/usr/bin/env python3
"""CPython's side of bench_spawn: how long multiprocessing takes to start a process that does
nothing and to wait for its end, with each start method (fork, forkserver, spawn).

Usage: start_methods.py [REPS] [STARTS]; prints one line per method:
    METHOD MIN_MS MEDIAN_MS
where each repetition times STARTS starts one after another and reports the mean per start.
"""
import multiprocessing as mp
import statistics
import sys
import time


def nothing():
    pass


def per_start_ms(ctx, starts):
    t0 = time.perf_counter()
    for _ in range(starts):
        p = ctx.Process(target=nothing)
        p.start()
        p.join()
    return (time.perf_counter() - t0) * 1e3 / starts


def main():
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    starts = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    for method in ("fork", "forkserver", "spawn"):
        if method not in mp.get_all_start_methods():
            continue
        ctx = mp.get_context(method)
        per_start_ms(ctx, 1)  # warm-up: the forkserver starts its server on first use
        times = [per_start_ms(ctx, starts) for _ in range(reps)]
        print(f"{method} {min(times):.3f} {statistics.median(times):.3f}", flush=True)


if __name__ == "__main__":
    main()
