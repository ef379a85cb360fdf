"""Slow requests from a thread pool: while a thread waits for an answer it sleeps in the
kernel and releases the GIL, so the waits overlap.

Start the slow service first (each request says how long the service waits before it
answers; here 300 ms):
    concurrency-explorer serve --port 8765 &
Record it:
    concurrency-explorer record -- python3 thread_pool_requests.py 8765
Expect 10 threads sleeping at once, almost no CPU time, and 40 requests x 0.3 s / 10
threads = about 1.2 s of wall time (12 s one after another). Without a port the script
starts the service itself (concurrency-explorer must be in PATH or in $CONCURRENCY_EXPLORER).
"""
import os
import shutil
import socket
import struct
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

REQUESTS = 40
DELAY_US = 300_000


def request(port):
    """The service's wire format (little endian): u32 delay in us, u32 length, payload;
    it answers u32 length, payload after the delay."""
    payload = b"hello"
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(struct.pack("<II", DELAY_US, len(payload)) + payload)
        data = b""
        while chunk := s.recv(4096):
            data += chunk
    return len(data)


def main():
    service = None
    if len(sys.argv) > 1:
        port = int(sys.argv[1])
    else:
        exe = os.environ.get("CONCURRENCY_EXPLORER") or shutil.which("concurrency-explorer")
        if not exe:
            sys.exit("give the port of a running `concurrency-explorer serve`, or put concurrency-explorer in PATH")
        service = subprocess.Popen([exe, "serve", "--port", "0", "--seconds", "30"], stdout=subprocess.PIPE, text=True)
        port = int(service.stdout.readline().rsplit(":", 1)[1])
    try:
        with ThreadPoolExecutor(max_workers=10) as pool:
            sizes = list(pool.map(lambda _: request(port), range(REQUESTS)))
        print(f"{len(sizes)} answers")
    finally:
        if service:
            service.terminate()
            service.wait()


main()
