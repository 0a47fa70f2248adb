#!/usr/bin/python3
"""One hostile client against `tdv serve` on loopback, for a bounded time.

  hostile.py ATTACK PORT --key KEY [--seconds S] [--tls]

ATTACK is one of:
  slowloris   200 connections each sending its request header a byte a second
  slowbody    50 connections each declaring a 100 kB body and sending a byte a second
  slowlarge   50 connections each declaring a 1 MB body, sending 70 kB at once (past
              what the server waits for before a worker reads), then a byte a second
  hugebody    requests declaring a 2 GB body, one after another
  bombs       a PNG and a JPEG declaring 100,000 x 100,000 pixels, one after another
  bigbatch    one key's batch of up to 10 million items, streamed as fast as it goes
  wrongkeys   requests with wrong keys from 8 connections, as fast as they go
  tlsstall    200 TLS connections that send half a ClientHello and stop (with --tls)

Connects to 127.0.0.1 only, stops by itself after S seconds (default 10)
and prints one line: what it sent and how the server answered (status
codes counted; connections the server closed)."""
import argparse
import collections
import json
import socket
import ssl
import struct
import sys
import threading
import time
import zlib

from stall_probe import read_answer

MRZ = ("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
       "L898902C36UTO7408122F1204159ZE184226B<<<<<10")


def connect(port, tls, timeout=5.0):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    if tls:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        s = ctx.wrap_socket(s, server_hostname="127.0.0.1")
    return s


def status_of(sock):
    """The status code of the answer on `sock` (0: closed first)."""
    line = read_answer(sock)
    return int(line.split(" ")[1]) if line else 0


def png_bomb():
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", 100000, 100000, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 100001)) + chunk(b"IEND", b"")


def jpeg_bomb():
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, 60000, 60000, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + sof + b"\xff\xd9"


def run(attack, port, key, seconds, tls):
    end = time.monotonic() + seconds
    answers = collections.Counter()
    lock = threading.Lock()
    notes = []

    def count(code):
        with lock:
            answers[code] += 1

    if attack in ("slowloris", "slowbody", "slowlarge", "tlsstall"):
        n = 200 if attack in ("slowloris", "tlsstall") else 50
        socks = []
        for _ in range(n):
            try:
                if attack == "tlsstall":
                    s = socket.create_connection(("127.0.0.1", port), timeout=5)
                    # A TLS record header and the start of a ClientHello, then nothing.
                    s.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")
                else:
                    s = connect(port, tls)
                socks.append(s)
            except OSError:
                count("refused")
        declared, ahead = (1000000, 70000) if attack == "slowlarge" else (100000, 0)
        body_head = (f"POST /v1/verify HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\n"
                     f"Content-Type: application/json\r\nContent-Length: {declared}\r\n\r\n").encode()
        body_head += b" " * ahead
        head = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 4000 + b"\r\n\r\n"
        sent = [0] * len(socks)
        if attack in ("slowbody", "slowlarge"):
            for s in socks:
                try:
                    s.sendall(body_head)
                except OSError:
                    pass
        closed = set()
        while time.monotonic() < end and len(closed) < len(socks):
            for i, s in enumerate(socks):
                if i in closed or attack == "tlsstall":
                    continue
                try:
                    s.sendall(head[sent[i]:sent[i] + 1] if attack == "slowloris" else b"x")
                    sent[i] += 1
                except OSError:
                    closed.add(i)
            time.sleep(1.0)
        if attack == "tlsstall":
            for i, s in enumerate(socks):
                s.settimeout(max(0.1, end - time.monotonic()) if i == 0 else 0.01)
                try:
                    if s.recv(1) == b"":
                        closed.add(i)
                except socket.timeout:
                    pass
                except OSError:
                    closed.add(i)
        for s in socks:
            s.close()
        notes.append(f"{len(socks)} connections, {len(closed)} closed by the server within {seconds} s")
    elif attack in ("hugebody", "bombs", "wrongkeys"):
        images = [("image/png", png_bomb()), ("image/jpeg", jpeg_bomb())]

        def worker(w):
            i = 0
            s = None
            while time.monotonic() < end:
                try:
                    if s is None:
                        s = connect(port, tls)
                    if attack == "hugebody":
                        s.sendall((f"POST /v1/verify HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\n"
                                   "Content-Type: application/json\r\nContent-Length: 2000000000\r\n\r\n").encode()
                                  + b"{" * 1000)
                    elif attack == "bombs":
                        kind, data = images[i % 2]
                        s.sendall((f"POST /v1/verify HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\n"
                                   f"Content-Type: {kind}\r\nContent-Length: {len(data)}\r\n\r\n").encode() + data)
                    else:
                        body = json.dumps({"mrz": MRZ}).encode()
                        s.sendall((f"POST /v1/verify HTTP/1.1\r\nHost: x\r\n"
                                   f"Authorization: Bearer tdv_{w:016x}_{i:064x}\r\n"
                                   f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
                                  + body)
                    code = status_of(s)
                    count(code)
                    if code == 0 or attack == "hugebody":
                        s.close()
                        s = None
                except OSError:
                    count("reset")
                    if s is not None:
                        s.close()
                    s = None
                i += 1
            if s is not None:
                s.close()

        threads = [threading.Thread(target=worker, args=(w,)) for w in range(8 if attack == "wrongkeys" else 2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    elif attack == "bigbatch":
        s = connect(port, tls, timeout=seconds + 5)
        s.sendall((f"POST /v1/verify/batch HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\n"
                   "Content-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n").encode())
        item = (json.dumps({"mrz": MRZ, "allow_specimens": True}) + "\n").encode()
        block = item * 1000
        chunk = f"{len(block):x}\r\n".encode() + block + b"\r\n"
        got = bytearray()
        sent = 0
        pending = b""
        wait = (BlockingIOError, ssl.SSLWantReadError, ssl.SSLWantWriteError)
        s.setblocking(False)
        while time.monotonic() < end and (pending or sent < 10_000_000):
            try:
                if not pending:
                    pending = chunk
                    sent += 1000
                pending = pending[s.send(pending):]
            except wait:
                pass  # the server reads as fast as it answers: back-pressure
            except OSError:
                break
            try:
                data = s.recv(1 << 20)
                if not data:
                    break
                got += data
            except wait:
                time.sleep(0.001)
            except OSError:
                break
        s.close()
        answered = got.count(b'"report"')
        notes.append(f"{sent} items sent, {answered} answered before the client left")
    else:
        raise SystemExit(f"unknown attack {attack}")
    shown = ", ".join(f"{k}: {v}" for k, v in sorted(answers.items(), key=lambda kv: str(kv[0])))
    print(f"{attack}: " + "; ".join(filter(None, [shown, *notes])))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("attack")
    ap.add_argument("port", type=int)
    ap.add_argument("--key", default="")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--tls", action="store_true")
    a = ap.parse_args()
    run(a.attack, a.port, a.key, a.seconds, a.tls)
    return 0


if __name__ == "__main__":
    sys.exit(main())
