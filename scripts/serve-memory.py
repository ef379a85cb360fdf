#!/usr/bin/env python3
"""How much memory `concurrency-explorer serve` takes when 30 clients each announce a
16 MiB body and send only 64 KiB of it (README, "What it guarantees").
Usage: scripts/serve-memory.py [EXECUTABLE]"""
import socket
import struct
import subprocess
import sys
import time

exe = sys.argv[1] if len(sys.argv) > 1 else "build/default/app/concurrency-explorer"
server = subprocess.Popen([exe, "serve", "--seconds", "30"], stdout=subprocess.PIPE, text=True)
port = int(server.stdout.readline().strip().rsplit(":", 1)[1])


def resident_mb():
    with open(f"/proc/{server.pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) // 1024
    return -1


before = resident_mb()
clients = []
for _ in range(30):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(struct.pack("<II", 0, 16 << 20) + b"x" * 65536)
    clients.append(s)
time.sleep(1)
print(f"serve: resident {before} MB before, {resident_mb()} MB with 30 connections announcing 16 MiB")
server.terminate()
server.wait()
