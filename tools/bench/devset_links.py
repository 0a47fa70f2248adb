#!/usr/bin/python3
"""Lays out a development set of real images (a manifest.jsonl with "file",
"mrz", "doc_type", as ../shared/devset has) the way bench_mrz_images reads a
directory: a symbolic link per image and NAME.expected.json with its ground
truth, the document kind as the level. Nothing is copied: the images are
other people's published files and stay where they are.

With --width N, each image wider than N pixels is written scaled down to N
pixels wide (area interpolation, PNG, lossless) instead of linked, to
measure small pages (issue 23: pages down to 400 px wide are found). OUTDIR
must then be outside the repository: those copies are not ours to commit.
Needs python3-opencv (/usr/bin/python3).

  devset_links.py MANIFEST OUTDIR [--width N]
  build-release/tools/bench/bench_mrz_images OUTDIR   # in-process times"""
import json
import os
import sys

args = sys.argv[1:]
width = None
if len(args) == 4 and args[2] == "--width" and args[3].isdigit() and int(args[3]) > 0:
    width = int(args[3])
    args = args[:2]
if len(args) != 2:
    sys.exit(__doc__)
manifest, out = args
images = os.path.join(os.path.dirname(os.path.abspath(manifest)), "images")
os.makedirs(out, exist_ok=True)
for line in open(manifest):
    m = json.loads(line)
    # NAME.ext pairs with NAME.expected.json, and the bench reads .jpg and
    # .png: the whole file name goes into NAME so that X.jpeg and X.png keep
    # their own ground truth.
    ext = os.path.splitext(m["file"])[1].lower().replace(".jpeg", ".jpg")
    base = m["file"].replace(".", "_")
    link = os.path.join(out, base + ext)
    if os.path.lexists(link):
        os.remove(link)
    if width is None:
        os.symlink(os.path.join(images, m["file"]), link)
    else:
        import cv2

        page = cv2.imread(os.path.join(images, m["file"]), cv2.IMREAD_UNCHANGED)
        if page is None:
            sys.exit(f"cannot read {m['file']}")
        if page.shape[1] > width:
            height = max(1, round(page.shape[0] * width / page.shape[1]))
            page = cv2.resize(page, (width, height), interpolation=cv2.INTER_AREA)
        cv2.imwrite(os.path.join(out, base + ".png"), page)
    with open(os.path.join(out, base + ".expected.json"), "w") as f:
        json.dump({"mrz": m["mrz"], "level": m.get("doc_type") or "none"}, f)
