#!/usr/bin/python3
"""Single-line training images for the LSTM model: PNG + WordStr box file
per line (what `tesseract IMG BASE --psm 7 lstm.train` turns into .lstmf),
rendered and degraded as in render_pages.py, not binarised.

  render_lines.py OUTDIR --count N --seed S"""
import argparse
import os
import random

import numpy as np

import mrz_lines
import render_pages


def main():
    p = argparse.ArgumentParser()
    p.add_argument("outdir")
    p.add_argument("--count", type=int, default=2000)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    r = random.Random(a.seed)
    np.random.seed(a.seed)
    os.makedirs(a.outdir, exist_ok=True)
    texts = []
    while len(texts) < a.count:
        texts.extend(mrz_lines.lines(r))
    for i, text in enumerate(texts[: a.count]):
        img, _ = render_pages.render_line(text, r, r.randint(40, 58), binarise=False)
        base = os.path.join(a.outdir, "line%05d" % i)
        img.save(base + ".png", dpi=(300, 300))
        w, h = img.size
        with open(base + ".box", "w") as f:
            f.write("WordStr 0 0 %d %d 0 #%s\n" % (w, h, text))
            f.write("\t 0 0 %d %d 0\n" % (w + 1, h))
        with open(base + ".gt.txt", "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
