#!/usr/bin/env python3
"""How the sure rule for digit-only positions does on generated lines.

Where the MRZ format admits only digits (and `<`), the reader
(MarkUnsureCalibrated, src/vision/mrz_decide.cc) takes a character's
probability among those characters alone. This counts, over the digits of
held-out generated lines (the calibration set of train_crnn.sh), the
characters sure on the model's word, those made sure by that rule, and how
many of each are wrong, for the models read together (mean per column):

  digits_eval.py --calib CALIB.npz [--sure 0.80] MODEL.onnx [MODEL.onnx ...]
"""
import argparse

import numpy as np

from ensemble_eval import ALPHABET, greedy, run


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--calib", required=True)
    p.add_argument("--sure", type=float, default=0.80)
    p.add_argument("models", nargs="+")
    a = p.parse_args()
    d = np.load(a.calib)
    images, labels = d["images"], [str(t) for t in d["labels"]]
    probs = [run(m, images) for m in a.models]
    admitted = [i + 1 for i, c in enumerate(ALPHABET) if c.isdigit() or c == "<"]
    counts = dict(digits=0, sure=0, sure_wrong=0, made_sure=0, made_sure_wrong=0)
    for i, label in enumerate(labels):
        text, dists = greedy(np.mean([ps[i] for ps in probs], axis=0))
        if len(text) != len(label):
            continue  # a character dropped or added: positions do not pair up
        for c, dist, truth in zip(text, dists, label):
            if not truth.isdigit() or not (c.isdigit() or c == "<"):
                continue
            counts["digits"] += 1
            q = dist[1 + ALPHABET.index(c)]
            if q >= a.sure:
                counts["sure"] += 1
                counts["sure_wrong"] += c != truth
            elif q >= a.sure * dist[admitted].sum():
                counts["made_sure"] += 1
                counts["made_sure_wrong"] += c != truth
    print(counts)


if __name__ == "__main__":
    main()
