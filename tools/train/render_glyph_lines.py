#!/usr/bin/python3
"""Training lines for the glyph classifier (models/mrz_glyphs.yml.gz): MRZ-like
lines in OCR-B rendered by render_pages.render_line, degraded like real
prints (stroke weight, blur, very low resolution: web images with 6-12 px
capitals, JPEG), then scaled the way the reader scales a line before OCR
(capital height 40 px). Writes NNNN.png and NNNN.box ("CH x0 y0 x1 y1" per
character, top-left origin, exact glyph boxes).

  render_glyph_lines.py OUTDIR --lines N --seed S"""
import argparse
import os
import random

import numpy as np
from PIL import Image, ImageFilter

import mrz_lines
import render_pages

LINE_HEIGHT = 40  # as kLineHeight in src/vision/mrz_lines.cc


def degrade(img, boxes, r):
    w, h = img.size
    # Printers differ in stroke weight more than a font renderer does.
    k = r.random()
    if k < 0.2:
        img = img.filter(ImageFilter.MinFilter(3))
    elif k < 0.35:
        img = img.filter(ImageFilter.MaxFilter(3))
    # Web thumbnails and small scans: capitals of 6-14 px, enlarged again.
    if r.random() < 0.5:
        caps = np.median([b[4] - b[2] for b in boxes])
        f = r.uniform(6, 14) / max(caps, 1)
        small = img.resize((max(8, int(w * f)), max(4, int(h * f))), Image.BILINEAR)
        img = small.resize((w, h), r.choice([Image.BICUBIC, Image.BILINEAR]))
    return img


def main():
    p = argparse.ArgumentParser()
    p.add_argument("outdir")
    p.add_argument("--lines", type=int, default=600)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    r = random.Random(a.seed)
    np.random.seed(a.seed)
    os.makedirs(a.outdir, exist_ok=True)
    for n, text in enumerate(mrz_lines.texts(r, a.lines)):
        img, boxes = render_pages.render_line(text, r, r.randint(36, 60), binarise=False)
        img = degrade(img, boxes, r)
        # Scale as the reader does: the line's ink height to LINE_HEIGHT.
        ink = max(b[4] for b in boxes) - min(b[2] for b in boxes)
        s = LINE_HEIGHT / max(ink, 1)
        img = img.resize((max(1, int(img.width * s)), max(1, int(img.height * s))), Image.BICUBIC)
        base = os.path.join(a.outdir, "%04d" % n)
        img.save(base + ".png")
        with open(base + ".box", "w") as f:
            for ch, l, t, rr, b in boxes:
                f.write("%s %d %d %d %d\n" % (ch, round(l * s), round(t * s), round(rr * s), round(b * s)))


if __name__ == "__main__":
    main()
