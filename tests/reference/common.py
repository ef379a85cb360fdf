"""Shared pieces of the CPython reference lessons (tests/reference/*.py).

Each lesson runs in real CPython what the explorer runs with the emulated GIL, with the same
parameters, and prints the figures the explorer's run JSON holds, as one JSON object.
Written for this project; standard library only.
"""
import asyncio
import json
import os
import resource
import sys
import time

HEARTBEAT_S = 0.010  # the explorer's heartbeat period


def spin(n):
    """The explorer's 'spin' kernel in Python: an increment loop (holds the GIL throughout)."""
    x = 0
    for _ in range(n):
        x += 1
    return x


_rate = None


def units_per_ms():
    """Calibrates spin() on this machine, best of five ~4 ms runs on the thread's CPU clock
    (a busy machine must not shrink the work), as the explorer does."""
    global _rate
    if _rate is None:
        best = 0.0
        n = 20000
        for _ in range(5):
            t0 = time.thread_time()
            spin(n)
            dt = time.thread_time() - t0
            if dt < 0.004:
                n = int(n * 0.004 / max(dt, 1e-6)) + 1
                t0 = time.thread_time()
                spin(n)
                dt = time.thread_time() - t0
            best = max(best, n / (dt * 1000.0))
        _rate = best
    return _rate


def units_for_ms(ms):
    return max(1, int(units_per_ms() * ms))


def cpu_for_ms(units):
    """A CPU part sized in units (computed once by the parent, passed to workers)."""
    return spin(units)


def process_cpu_s():
    """CPU time of this process (all its threads) and of its reaped children."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


class Heartbeat:
    """The explorer's loop-lag probe: a 10 ms periodic callback; how late each one ran."""

    def __init__(self, loop):
        self.loop = loop
        self.lags_ms = []
        self.handle = None
        self.last = None

    def start(self):
        self.last = time.perf_counter()
        self.handle = self.loop.call_later(HEARTBEAT_S, self._beat)

    def _beat(self):
        now = time.perf_counter()
        self.lags_ms.append(max(0.0, (now - self.last - HEARTBEAT_S) * 1000.0))
        self.last = now
        self.handle = self.loop.call_later(HEARTBEAT_S, self._beat)

    def stop(self):
        if self.handle:
            self.handle.cancel()

    def figures(self):
        lags = self.lags_ms or [0.0]
        return {"max_loop_lag_ms": max(lags), "mean_loop_lag_ms": sum(lags) / len(lags)}


def run_threads(body, count):
    """Starts `count` threads running `body`, joins them all; returns the seconds it took."""
    import threading

    threads = [threading.Thread(target=body) for _ in range(count)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0


async def offloaded_handler(pool, units, wait_ms):
    """A handler as in the offload lessons: its CPU part in `pool`, then a wait of wait_ms."""
    await asyncio.get_running_loop().run_in_executor(pool, spin, units)
    await asyncio.sleep(wait_ms / 1000.0)


def emit(figures):
    figures["python"] = sys.version.split()[0]
    figures["switch_interval_ms"] = sys.getswitchinterval() * 1000.0
    print(json.dumps(figures))
