"""A blocked event loop: one handler computes for 1 s without awaiting, so the loop cannot
run anything else; the 10 ms heartbeat falls silent and every other wait ends late.

Record it:  concurrency-explorer record -- python3 blocked_event_loop.py
Expect the one thread running without a break for about a second in the middle of a
sleeping lane; the script prints the worst heartbeat lateness it saw.
"""
import asyncio
import time


def compute(seconds):
    deadline = time.monotonic() + seconds
    total = 0
    while time.monotonic() < deadline:
        total += sum(range(1000))
    return total


async def heartbeat(stop):
    worst = 0.0
    while not stop.is_set():
        before = time.monotonic()
        await asyncio.sleep(0.01)
        worst = max(worst, time.monotonic() - before - 0.01)
    return worst


async def main():
    stop = asyncio.Event()
    beat = asyncio.create_task(heartbeat(stop))
    await asyncio.sleep(0.3)
    compute(1.0)  # blocks the loop: should be await asyncio.to_thread(compute, 1.0)
    await asyncio.sleep(0.3)
    stop.set()
    worst = await beat
    print(f"worst heartbeat lateness {worst * 1000:.0f} ms")


asyncio.run(main())
