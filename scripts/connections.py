#!/usr/bin/env python3
"""Holds many idle TCP connections against a wenda server and times new
clients meanwhile. Used by scripts/connections.sh; standard library only.

Idle connections are spread over several processes (each process may hold
only as many sockets as its open-file limit allows). Each new client
connects, sends GET /healthz and reads the whole reply; its time is from
connect to the last byte.
"""
import argparse
import multiprocessing as mp
import resource
import socket
import statistics
import time


def hold(addr, count, ready, stop, result):
    host, port = addr
    socks = []
    for _ in range(count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.connect((host, port))
        except OSError:
            s.close()
            continue
        socks.append(s)
    ready.put(len(socks))
    stop.wait()
    closed = 0
    for s in socks:
        s.setblocking(False)
        try:
            if s.recv(1) == b"":
                closed += 1
        except BlockingIOError:
            pass
        except OSError:
            closed += 1
        s.close()
    result.put(closed)


def probe(addr):
    start = time.perf_counter()
    s = socket.create_connection(addr, timeout=30)
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    elapsed = (time.perf_counter() - start) * 1000
    return elapsed, data.startswith(b"HTTP/1.1 200")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--addr", required=True)
    p.add_argument("--idle", type=int, default=20000)
    p.add_argument("--probes", type=int, default=50)
    args = p.parse_args()
    host, port = args.addr.rsplit(":", 1)
    addr = (host, int(port))
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    per_process = max(1, min(soft - 64, 9000))
    shares = []
    left = args.idle
    while left > 0:
        shares.append(min(per_process, left))
        left -= shares[-1]
    ready, result, stop = mp.Queue(), mp.Queue(), mp.Event()
    procs = [mp.Process(target=hold, args=(addr, n, ready, stop, result)) for n in shares]
    t0 = time.perf_counter()
    for pr in procs:
        pr.start()
    opened = sum(ready.get() for _ in procs)
    print(f"opened {opened} idle connections in {time.perf_counter() - t0:.1f} s")
    times, ok = [], 0
    for _ in range(args.probes):
        ms, good = probe(addr)
        times.append(ms)
        ok += good
    times.sort()
    p95 = times[max(0, int(len(times) * 0.95) - 1)]
    print(
        f"new clients with {opened} idle connections open: {ok}/{len(times)} served, "
        f"median {statistics.median(times):.2f} ms, p95 {p95:.2f} ms, max {times[-1]:.2f} ms"
    )
    stop.set()
    closed = sum(result.get() for _ in procs)
    for pr in procs:
        pr.join()
    print(f"idle connections the server had closed by then: {closed}")


if __name__ == "__main__":
    main()
