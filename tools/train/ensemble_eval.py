#!/usr/bin/python3
"""Measures line recognisers (ONNX files of train_crnn.py) alone and
together, as OpenCV's dnn runs them in the service, on generated lines held
out from training: exact lines, character error rate, expected calibration
error at each character's peak column, and the sure threshold (the lowest
calibrated probability above which one character in 2,000 or fewer was
wrong) with the share of characters that clear it.

  ensemble_eval.py --val VAL.npz --calib CALIB.npz A.onnx [B.onnx ...]

Two ways of putting readings together are measured: `columns` (the mean of
the models' distributions in each output column, then greedy CTC) and
`characters` (each model decoded alone; where all read a line with as many
characters, each character's distribution is the mean of theirs at their
own peaks; otherwise the first model's reading). Prints one JSON object."""
import argparse
import json

import cv2
import numpy as np

import cer
from train_crnn import ALPHABET, ece, standardise


def softmax_columns(logits):
    z = logits - logits.max(axis=0, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=0, keepdims=True)  # classes x columns


def run(path, images):
    net = cv2.dnn.readNetFromONNX(path)
    out = []
    for x in standardise(images):
        net.setInput(x[None, None].astype(np.float32))
        out.append(softmax_columns(net.forward()[0, :, 0, :]))
    return out


def greedy(p):
    """Text and, per character, its distribution at its peak column."""
    best = p.argmax(axis=0)
    text, dists, prev = [], [], 0
    for t, k in enumerate(best):
        if k != 0 and k != prev:
            text.append(ALPHABET[k - 1])
            dists.append(p[:, t])
        elif k != 0 and p[k, t] > dists[-1][k]:
            dists[-1] = p[:, t]
        prev = k
    return "".join(text), dists


def combine_characters(readings):
    texts = [t for t, _ in readings]
    if len(set(len(t) for t in texts)) != 1:
        return readings[0]
    dists = [np.mean([r[1][i] for r in readings], axis=0) for i in range(len(texts[0]))]
    return "".join(ALPHABET[int(d[1:].argmax())] for d in dists), dists


def measure(readings, labels):
    exact = chars = errors = 0
    conf, correct = [], []
    for (text, dists), want in zip(readings, labels):
        exact += text == want
        chars += len(want)
        errors += cer.dist(text, want)
        if len(text) == len(want):
            for d, c in zip(dists, want):
                q = d[1:] / max(d[1:].sum(), 1e-9)  # blank left out, as the service does
                conf.append(float(q.max()))
                correct.append(float(ALPHABET[int(q.argmax())] == c))
    conf, correct = np.array(conf), np.array(correct)
    order = np.argsort(-conf)
    rate = np.cumsum(1 - correct[order]) / np.arange(1, len(order) + 1)
    ok = np.nonzero(rate <= 0.0005)[0]
    sure = float(conf[order][ok[-1]]) if len(ok) else 1.0
    return {"exact": exact / len(labels), "cer": errors / max(chars, 1), "ece": ece(conf, correct),
            "sure_threshold": sure, "sure_fraction": float((conf >= sure).mean()),
            "wrong_at_095": int(((conf >= 0.95) & (correct == 0)).sum()),
            "share_at_095": float((conf >= 0.95).mean())}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--val", required=True)
    p.add_argument("--calib", required=True)
    p.add_argument("models", nargs="+")
    a = p.parse_args()
    card = {}
    for name in ("val", "calib"):
        d = np.load(getattr(a, name))
        images, labels = d["images"], [str(t) for t in d["labels"]]
        probs = [run(m, images) for m in a.models]
        for m, ps in zip(a.models, probs):
            card.setdefault(m, {})[name] = measure([greedy(q) for q in ps], labels)
        if len(a.models) > 1:
            columns = [greedy(np.mean([ps[i] for ps in probs], axis=0)) for i in range(len(labels))]
            characters = [combine_characters([greedy(ps[i]) for ps in probs])
                          for i in range(len(labels))]
            card.setdefault("columns", {})[name] = measure(columns, labels)
            card.setdefault("characters", {})[name] = measure(characters, labels)
    print(json.dumps(card, indent=1))


if __name__ == "__main__":
    main()
