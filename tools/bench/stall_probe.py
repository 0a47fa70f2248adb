#!/usr/bin/python3
"""Whether idle and silent connections keep other clients waiting.

  stall_probe.py PORT [--idle N] [--silent N] [--key KEY] [--samples N]

Opens N keep-alive connections that each make one request (GET /healthz)
and then stay open doing nothing, and N connections that send nothing at
all, all to 127.0.0.1:PORT (loopback only); then times a new client's
POST /v1/verify (with KEY) a few times and prints the latencies. Closes
everything and stops by itself."""
import argparse
import json
import socket
import sys
import time

MRZ = ("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
       "L898902C36UTO7408122F1204159ZE184226B<<<<<10")


def request(sock, method, path, body=b"", key=None):
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    if key:
        head += f"Authorization: Bearer {key}\r\n"
    if body:
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    sock.sendall(head.encode() + b"\r\n" + body)
    return read_answer(sock)


def read_answer(sock):
    """The status line of the answer on `sock` ("" when it closed first),
    its Content-Length body read and dropped."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return ""
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return head.split(b"\r\n")[0].decode(errors="replace")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("port", type=int)
    ap.add_argument("--idle", type=int, default=100)
    ap.add_argument("--silent", type=int, default=100)
    ap.add_argument("--key", default="")
    ap.add_argument("--samples", type=int, default=5)
    ap.add_argument("--timeout", type=float, default=30.0)
    a = ap.parse_args()
    held = []
    try:
        for _ in range(a.idle):
            s = socket.create_connection(("127.0.0.1", a.port), timeout=a.timeout)
            request(s, "GET", "/healthz")
            held.append(s)
        for _ in range(a.silent):
            held.append(socket.create_connection(("127.0.0.1", a.port), timeout=a.timeout))
        body = json.dumps({"mrz": MRZ, "allow_specimens": True}).encode()
        times = []
        for _ in range(a.samples):
            t0 = time.monotonic()
            with socket.create_connection(("127.0.0.1", a.port), timeout=a.timeout) as s:
                status = request(s, "POST", "/v1/verify", body, a.key)
            times.append((time.monotonic() - t0) * 1000)
            if not status.startswith("HTTP/1.1 200"):
                print("answer:", status, file=sys.stderr)
        times.sort()
        print(f"idle {a.idle}, silent {a.silent}: new client answered in "
              f"median {times[len(times) // 2]:.1f} ms, max {times[-1]:.1f} ms ({a.samples} samples)")
    except OSError as e:
        print(f"idle {a.idle}, silent {a.silent}: {e}")
        return 1
    finally:
        for s in held:
            s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
