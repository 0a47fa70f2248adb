#!/usr/bin/python3
"""Single-line training images for the LSTM comparison model: the same lines
and degradations as render_pages.py (render_line), one PNG per line with its
ground truth in a WordStr box file, as lstmtraining wants.

  render_lstm_lines.py OUTDIR --lines N --seed S"""
import argparse
import os
import random

import numpy as np

import mrz_lines
from render_pages import render_line


def main():
    p = argparse.ArgumentParser()
    p.add_argument("outdir")
    p.add_argument("--lines", type=int, default=2000)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    r = random.Random(a.seed)
    np.random.seed(a.seed)
    os.makedirs(a.outdir, exist_ok=True)
    for i, text in enumerate(mrz_lines.texts(r, a.lines)):
        img, _ = render_line(text, r, r.randint(40, 58))
        base = os.path.join(a.outdir, "line%05d" % i)
        img.save(base + ".png")
        w, h = img.size
        with open(base + ".box", "w") as f:
            f.write("WordStr 0 0 %d %d 0 #%s\n\t %d 0 %d %d 0\n" % (w, h, text, w, w + 1, h))
        with open(base + ".gt.txt", "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
