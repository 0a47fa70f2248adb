#!/usr/bin/env python3
"""Every turn reads alike: runs `tdv check --json --allow-specimens` on each
page of a development set (../shared/devset) upright and turned by 90, 180
and 270 degrees, and prints, per turn, how many pages read exactly, and how
many pages read the same in all four turns.

  devset_turns.py TDV_BINARY [MANIFEST] [--detail] [--jobs N]

The turned copies are written to a temporary directory and removed after;
nothing of the set is kept. Needs python3-opencv (Debian)."""
import concurrent.futures
import json
import os
import subprocess
import sys
import tempfile

import cv2

TURNS = {0: None, 90: cv2.ROTATE_90_COUNTERCLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_CLOCKWISE}


def read(tdv, path):
    p = subprocess.run([tdv, "check", path, "--json", "--allow-specimens"], capture_output=True,
                       text=True, timeout=120)
    try:
        return (json.loads(p.stdout).get("mrz") or {}).get("lines") or []
    except ValueError:
        return []


def main():
    args, argv = [], sys.argv[1:]
    for i, a in enumerate(argv):  # positionals: neither an option nor the value of --jobs
        if not a.startswith("--") and (i == 0 or argv[i - 1] != "--jobs"):
            args.append(a)
    if not args:
        sys.exit(__doc__)
    tdv = os.path.abspath(args[0])
    here = os.path.dirname(os.path.abspath(__file__))
    manifest = args[1] if len(args) > 1 else os.path.join(here, "../../../shared/devset/manifest.jsonl")
    jobs = int(sys.argv[sys.argv.index("--jobs") + 1]) if "--jobs" in sys.argv else 2
    root = os.path.join(os.path.dirname(manifest), "images")
    pages = [json.loads(l) for l in open(manifest)]
    pages = [m for m in pages if m["mrz"]]
    exact = {t: 0 for t in TURNS}
    alike = 0
    with tempfile.TemporaryDirectory() as tmp:
        work = []
        for i, m in enumerate(pages):
            img = cv2.imread(os.path.join(root, m["file"]), cv2.IMREAD_UNCHANGED)
            for t, code in TURNS.items():
                path = os.path.join(tmp, "%03d-%d.png" % (i, t))
                cv2.imwrite(path, img if code is None else cv2.rotate(img, code))
                work.append((i, t, path))
        with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
            got = list(pool.map(lambda w: read(tdv, w[2]), work))
    readings = {}
    for (i, t, _), lines in zip(work, got):
        readings.setdefault(i, {})[t] = lines
    for i, m in enumerate(pages):
        r = readings[i]
        for t in TURNS:
            exact[t] += r[t] == m["mrz"]
        same = all(r[t] == r[0] for t in TURNS)
        alike += same
        if "--detail" in sys.argv and not same:
            print("DIFFERS", m["file"], {t: r[t] == m["mrz"] for t in TURNS})
    n = len(pages)
    print("exact by turn: " + ", ".join("%d: %d/%d" % (t, exact[t], n) for t in TURNS))
    print("pages reading alike in all four turns: %d/%d" % (alike, n))


if __name__ == "__main__":
    main()
