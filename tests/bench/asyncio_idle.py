#!/usr/bin/env python3
"""The asyncio side of bench_eventloop's idle-connections case: the loop holds N idle TCP
connections (to a server in a child process) and echoes one byte on a socket pair; another
thread measures the round trip through the loop.

    python3 asyncio_idle.py IDLE ROUNDS

Prints: idle=<N> median_us=<median round trip> min_us=<min>
"""
import asyncio
import os
import socket
import statistics
import sys
import threading
import time


def serve(listener, stop_fd):
    # The far ends: accept and hold every connection until the parent says stop.
    held = []
    listener.setblocking(True)
    listener.settimeout(0.2)
    while True:
        try:
            conn, _ = listener.accept()
            held.append(conn)
        except socket.timeout:
            pass
        try:
            if os.read(stop_fd, 1) is not None:
                break
        except BlockingIOError:
            pass
    os._exit(0)


async def main(idle, rounds, port, loop_end):
    conns = []
    for _ in range(idle):
        conns.append(await asyncio.open_connection("127.0.0.1", port))
    loop = asyncio.get_running_loop()

    def echo():
        data = loop_end.recv(64)
        if data:
            loop_end.send(data)

    loop_end.setblocking(False)
    loop.add_reader(loop_end.fileno(), echo)
    done = loop.create_future()
    result = {}

    def client(peer):
        times = []
        for _ in range(rounds):
            t = time.perf_counter_ns()
            peer.send(b"x")
            peer.recv(64)
            times.append((time.perf_counter_ns() - t) / 1000)
        result["times"] = times
        loop.call_soon_threadsafe(done.set_result, None)

    peer = result_peer[0]
    threading.Thread(target=client, args=(peer,), daemon=True).start()
    await done
    loop.remove_reader(loop_end.fileno())
    for _, w in conns:
        w.close()
    return result["times"]


result_peer = []


def run():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    idle, rounds = int(sys.argv[1]), int(sys.argv[2])
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4096)
    port = listener.getsockname()[1]
    stop_r, stop_w = os.pipe()
    os.set_blocking(stop_r, False)
    pid = os.fork()
    if pid == 0:
        os.close(stop_w)
        serve(listener, stop_r)
    os.close(stop_r)
    listener.close()
    loop_end, peer = socket.socketpair()
    result_peer.append(peer)
    times = asyncio.run(main(idle, rounds, port, loop_end))
    os.write(stop_w, b"x")
    os.waitpid(pid, 0)
    print(f"idle={idle} median_us={statistics.median(times):.1f} min_us={min(times):.1f}")


if __name__ == "__main__":
    run()
