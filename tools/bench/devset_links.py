#!/usr/bin/python3
"""Lays out a development set of real images (a manifest.jsonl with "file",
"mrz", "doc_type", as ../shared/devset has) the way bench_mrz_images reads a
directory: a symbolic link per image and NAME.expected.json with its ground
truth, the document kind as the level. Nothing is copied: the images are
other people's published files and stay where they are.

  devset_links.py MANIFEST OUTDIR
  build-release/tools/bench/bench_mrz_images OUTDIR   # in-process times"""
import json
import os
import sys

if len(sys.argv) != 3:
    sys.exit(__doc__)
manifest, out = sys.argv[1], sys.argv[2]
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
    os.symlink(os.path.join(images, m["file"]), link)
    with open(os.path.join(out, base + ".expected.json"), "w") as f:
        json.dump({"mrz": m["mrz"], "level": m.get("doc_type") or "none"}, f)
