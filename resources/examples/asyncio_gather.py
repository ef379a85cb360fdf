"""Many waits on one thread: asyncio.gather runs 100 coroutines that each sleep 1 s. The
event loop waits for all of them at once in one system call.

Record it:  concurrency-explorer record -- python3 asyncio_gather.py
Expect one thread, sleeping almost all the time, done in about 1 s (not 100 s).
"""
import asyncio


async def fetch(i):
    await asyncio.sleep(1.0)  # stands for a network round trip
    return i


async def main():
    results = await asyncio.gather(*(fetch(i) for i in range(100)))
    print(f"{len(results)} results")


asyncio.run(main())
