#!/usr/bin/python3
"""Mixed traffic against a running `tdv serve` on loopback for a bounded
time, sampling the server's memory; prints a line every window and a
summary. Run by tools/bench/soak.sh, which starts the server.

  soak.py PORT --key KEY --pid PID --tdv TDV --data DATA [--minutes M] [--window S]

Traffic, from 8 client threads: MRZ text checks (85 %), image checks (4 %,
the committed samples with an MRZ), seal checks (9 %, the committed visa
seal), batches of 200 items (2 %); and from the side: a list delta through the admin endpoint every 5 s
(records added and removed), an officer key made, used and revoked every
30 s (the revoked key must be refused at once). Every 10 s the server's RSS
(from /proc). Errors are answers other than the expected ones (200; 401 for
a revoked key). Exit code 1 when there were errors or the server died."""
import argparse
import base64
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MRZ = ("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
       "L898902C36UTO7408122F1204159ZE184226B<<<<<10")


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.lat = {}      # kind -> [ms] in the current window
        self.count = {}    # kind -> answers in all
        self.errors = []   # (kind, status, body head)

    def add(self, kind, ms, ok, status=0, body=b""):
        with self.lock:
            self.lat.setdefault(kind, []).append(ms)
            self.count[kind] = self.count.get(kind, 0) + 1
            if not ok:
                self.errors.append((kind, status, body[:200]))

    def take(self):
        with self.lock:
            lat, self.lat = self.lat, {}
            return lat


def p99(values):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * 0.99))] if values else float("nan")


def call(conn, method, path, key, body=None, ctype="application/json"):
    headers = {"Authorization": "Bearer " + key}
    if body is not None:
        headers["Content-Type"] = ctype
    t0 = time.monotonic()
    conn.request(method, path, body=body, headers=headers)
    r = conn.getresponse()
    data = r.read()
    return r.status, data, (time.monotonic() - t0) * 1000


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("port", type=int)
    ap.add_argument("--key", required=True)
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--tdv", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--minutes", type=float, default=30)
    ap.add_argument("--window", type=float, default=10)
    a = ap.parse_args()
    end = time.monotonic() + a.minutes * 60
    stats = Stats()
    stop = threading.Event()

    text = json.dumps({"mrz": MRZ, "allow_specimens": True, "as_of": "2011-06-01"}).encode()
    images = []
    sample_dir = os.path.join(ROOT, "samples", "images")
    for name in sorted(os.listdir(sample_dir)):
        if name.endswith(".expected.json") and len(images) < 6:
            with open(os.path.join(sample_dir, name)) as f:
                if json.load(f).get("mrz") is None:
                    continue  # a page without an MRZ: 422, not what this measures
            with open(os.path.join(sample_dir, name[:-len(".expected.json")] + ".jpg"), "rb") as f:
                images.append(f.read())
    with open(os.path.join(ROOT, "samples", "signatures", "visa-dets.vds"), "rb") as f:
        seal = json.dumps({"seal": base64.b64encode(f.read()).decode(), "allow_specimens": True}).encode()
    batch = b"".join(json.dumps({"id": i, "mrz": MRZ, "allow_specimens": True}).encode() + b"\n"
                     for i in range(200))

    def client(n):
        rng = random.Random(n)
        conn = http.client.HTTPConnection("127.0.0.1", a.port, timeout=60)
        while not stop.is_set():
            roll = rng.random()
            try:
                if roll < 0.85:
                    kind, st, body, ms = ("text",) + call(conn, "POST", "/v1/verify", a.key, text)
                elif roll < 0.89:
                    kind, st, body, ms = ("image",) + call(conn, "POST", "/v1/verify", a.key,
                                                           rng.choice(images), "image/jpeg")
                elif roll < 0.98:
                    kind, st, body, ms = ("seal",) + call(conn, "POST", "/v1/verify", a.key, seal)
                else:
                    kind, st, body, ms = ("batch",) + call(conn, "POST", "/v1/verify/batch", a.key, batch,
                                                           "application/x-ndjson")
                    ok = st == 200 and b'"summary":{"items":200' in body
                    stats.add(kind, ms, ok, st, body)
                    continue
                stats.add(kind, ms, st == 200, st, body)
            except (OSError, http.client.HTTPException) as e:
                stats.add("connection", 0, False, 0, str(e).encode())
                conn = http.client.HTTPConnection("127.0.0.1", a.port, timeout=60)

    def lists_admin():
        seq = 0
        while not stop.wait(5):
            # A connection of its own each time: one idle for 5 s meets the
            # server's keep-alive timeout (5 s) and a POST sent on it as the
            # server closes it is lost (the 6 "errors" of the first soak).
            conn = http.client.HTTPConnection("127.0.0.1", a.port, timeout=60)
            seq += 1
            rows = "issuing_state,document_type,document_number,status,op\n"
            rows += "".join(f"FRA,P,S{seq:06d}{i:03d},lost,upsert\n" for i in range(100))
            if seq > 1:
                rows += "".join(f"FRA,P,S{seq - 1:06d}{i:03d},lost,delete\n" for i in range(50))
            try:
                st, body, ms = call(conn, "POST", "/v1/lists/soak/import?mode=delta&source=SOAK", a.key,
                                    rows.encode(), "text/csv")
                stats.add("delta", ms, st == 200, st, body)
            except (OSError, http.client.HTTPException) as e:
                stats.add("delta", 0, False, 0, str(e).encode())
            conn.close()

    def key_rotation():
        while not stop.wait(30):
            made = subprocess.run([a.tdv, "keys", "create", "--data", a.data, "--role", "officer",
                                   "--label", "soak"], capture_output=True, text=True)
            key = made.stdout.strip()
            if made.returncode != 0 or key.count("_") != 2:
                stats.add("keys", 0, False, made.returncode, (made.stdout + made.stderr).encode())
                continue
            key_id = key.split("_")[1]
            conn = http.client.HTTPConnection("127.0.0.1", a.port, timeout=60)
            st, body, ms = call(conn, "POST", "/v1/verify", key, text)
            stats.add("keys", ms, st == 200, st, body)
            subprocess.run([a.tdv, "keys", "revoke", "--data", a.data, key_id], capture_output=True)
            st, body, ms = call(conn, "POST", "/v1/verify", key, text)
            stats.add("keys", ms, st == 401, st, body)  # revoked: refused at once
            conn.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    threads += [threading.Thread(target=lists_admin), threading.Thread(target=key_rotation)]
    for t in threads:
        t.start()
    rss = []
    print(f"{'minute':>6} {'rss MB':>7} {'text/s':>7} {'text p99':>9} {'image p99':>9} {'seal p99':>9} "
          f"{'batch p99':>9} {'errors':>6}", flush=True)
    started = time.monotonic()
    alive = True
    while time.monotonic() < end:
        time.sleep(a.window)
        try:
            with open(f"/proc/{a.pid}/status") as f:
                kb = next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))
        except (OSError, StopIteration):
            alive = False
            break
        rss.append(kb / 1024)
        lat = stats.take()
        print(f"{(time.monotonic() - started) / 60:6.1f} {kb / 1024:7.1f} "
              f"{len(lat.get('text', [])) / a.window:7.0f} {p99(lat.get('text', [])):8.1f}ms "
              f"{p99(lat.get('image', [])):8.0f}ms {p99(lat.get('seal', [])):8.1f}ms "
              f"{p99(lat.get('batch', [])):8.0f}ms {len(stats.errors):6d}", flush=True)
    stop.set()
    for t in threads:
        t.join()
    warm = rss[len(rss) // 6:] or rss
    print("answers: " + ", ".join(f"{k} {v}" for k, v in sorted(stats.count.items())))
    if rss:
        print(f"RSS after warm-up (the first sixth left out): min {min(warm):.1f} MB, max {max(warm):.1f} MB, "
              f"first {warm[0]:.1f} MB, last {warm[-1]:.1f} MB")
    for e in stats.errors[:10]:
        print("error:", e)
    if not alive:
        print("THE SERVER DIED")
    return 1 if stats.errors or not alive else 0


if __name__ == "__main__":
    sys.exit(main())
