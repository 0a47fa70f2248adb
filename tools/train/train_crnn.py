#!/usr/bin/python3
"""Trains the MRZ line recogniser (models/mrz_crnn.onnx): a small, fully
convolutional network read out with CTC, on generated lines only
(render_ctc_lines.py). Calibrates it (one temperature, fitted on generated
lines held out from training) and exports it to ONNX (opset 11) with the
temperature folded in, for OpenCV's dnn module.

  train_crnn.py --train TRAIN.npz --val VAL.npz --calib CALIB.npz --out DIR
                [--steps N] [--batch B] [--seed S] [--threads T]

Writes DIR/mrz_crnn.onnx, DIR/checkpoint.pt (every 500 steps; a run resumes
from it) and DIR/card.json (held-out accuracy, temperature, calibration
error, the sure threshold). Input: 1 x 1 x 32 x 512 grey, each line
standardised (mean 0, deviation 1); output: 1 x 38 x 1 x 128 logits over
blank + ALPHABET per column of 4 input pixels."""
import argparse
import json
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import cer

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"
CLASSES = len(ALPHABET) + 1  # 0 is the CTC blank


def block(cin, cout, k=(3, 3), pad=(1, 1)):
    return [nn.Conv2d(cin, cout, k, padding=pad, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]


class Recogniser(nn.Module):
    """--arch conv: the convolutional recogniser (each output column sees
    about 3 glyphs either way). --arch lstm: wider early layers and a
    bidirectional LSTM over the columns in place of the last context
    convolution, so each column sees the whole line."""

    def __init__(self, arch="conv"):
        super().__init__()
        self.arch = arch
        if arch == "lstm":
            self.features = nn.Sequential(
                *block(1, 24), nn.MaxPool2d(2, 2),            # 16 x 256
                *block(24, 48), nn.MaxPool2d(2, 2),           # 8 x 128
                *block(48, 96), *block(96, 96), nn.MaxPool2d((2, 1), (2, 1)),  # 4 x 128
                *block(96, 128), nn.MaxPool2d((2, 1), (2, 1)),  # 2 x 128
                *block(128, 128, (2, 3), (0, 1)))             # 1 x 128
            self.rnn = nn.LSTM(128, 96, bidirectional=True)
            self.head = nn.Sequential(nn.Dropout(0.1), nn.Linear(192, CLASSES))
            self.temperature = 1.0
            return
        self.features = nn.Sequential(
            *block(1, 16), nn.MaxPool2d(2, 2),            # 16 x 256
            *block(16, 32), nn.MaxPool2d(2, 2),           # 8 x 128
            *block(32, 64), *block(64, 64), nn.MaxPool2d((2, 1), (2, 1)),  # 4 x 128
            *block(64, 96), nn.MaxPool2d((2, 1), (2, 1)),  # 2 x 128
            *block(96, 128, (2, 3), (0, 1)),              # 1 x 128
            *block(128, 128, (1, 5), (0, 2)),             # context: about 3 glyphs either way
            nn.Dropout(0.1),
            nn.Conv2d(128, CLASSES, 1))
        self.temperature = 1.0
        self.frozen_bn = False

    def train(self, mode=True):
        """With frozen_bn (a model taken from its ONNX export), the batch
        normalisations keep the statistics folded into that export."""
        super().train(mode)
        if self.frozen_bn:
            for m in self.modules():
                if isinstance(m, nn.BatchNorm2d):
                    m.eval()
        return self

    def forward(self, x):
        if self.arch == "lstm":
            f = self.features(x)[:, :, 0, :].permute(2, 0, 1)  # T x N x 128
            h, _ = self.rnn(f)
            y = self.head(h)  # T x N x CLASSES
            return y.permute(1, 2, 0).unsqueeze(2) / self.temperature  # N x CLASSES x 1 x T
        return self.features(x) / self.temperature  # N x CLASSES x 1 x T


def load_onnx(model, path):
    """The weights of an exported conv recogniser (batch normalisation folded
    into each convolution, the temperature a division after the last): each
    convolution takes the folded weight, its normalisation becomes the
    identity plus the folded bias, with frozen statistics, so the network
    computes what the export does and fine-tuning starts from it."""
    import onnx
    from onnx import numpy_helper
    g = onnx.load(path).graph
    init = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in g.initializer}
    convs = [n for n in g.node if n.op_type == "Conv"]
    layers = list(model.features)
    targets = [i for i, m in enumerate(layers) if isinstance(m, nn.Conv2d)]
    if model.arch != "conv" or len(convs) != len(targets):
        raise SystemExit("%s: not an export of the conv recogniser" % path)
    with torch.no_grad():
        for node, i in zip(convs, targets):
            w, b = init[node.input[1]], init[node.input[2]]
            layers[i].weight.copy_(w)
            if layers[i].bias is not None:  # the last: no normalisation
                layers[i].bias.copy_(b)
                continue
            bn = layers[i + 1]
            bn.running_mean.zero_()
            bn.running_var.fill_(1.0 - bn.eps)
            bn.weight.fill_(1.0)
            bn.bias.copy_(b)
    model.frozen_bn = True


def standardise(images):
    x = images.astype(np.float32)
    m = x.mean(axis=(1, 2), keepdims=True)
    s = x.std(axis=(1, 2), keepdims=True) + 1.0
    return (x - m) / s


def load(paths):
    """One or more .npz files (comma-separated), concatenated."""
    images, labels = [], []
    for path in paths.split(","):
        d = np.load(path)
        images.append(standardise(d["images"]))
        labels += [str(t) for t in d["labels"]]
    return np.concatenate(images), labels


def encode(texts):
    targets = torch.tensor([ALPHABET.index(c) + 1 for t in texts for c in t], dtype=torch.long)
    lengths = torch.tensor([len(t) for t in texts], dtype=torch.long)
    return targets, lengths


def decode(logits):
    """Greedy CTC: per line the text and, per character, the column of its
    peak probability."""
    best = logits.argmax(1)[:, 0, :].numpy()  # N x T
    out = []
    for row in best:
        text, cols, prev = [], [], 0
        for t, k in enumerate(row):
            if k != 0 and k != prev:
                text.append(ALPHABET[k - 1])
                cols.append([t])
            elif k != 0 and k == prev:
                cols[-1].append(t)
            prev = k
        out.append(("".join(text), cols))
    return out


def evaluate(model, x, labels, batch=256):
    model.eval()
    exact = chars = errors = 0
    logits_all = []
    with torch.no_grad():
        for i in range(0, len(x), batch):
            lg = model(torch.from_numpy(x[i:i + batch, None]))
            logits_all.append(lg)
            for (text, _), want in zip(decode(lg), labels[i:i + batch]):
                exact += text == want
                chars += len(want)
                errors += cer.dist(text, want)
    model.train()
    return exact / len(x), errors / max(1, chars), torch.cat(logits_all)


def peak_pairs(logits, labels):
    """(logit vector at the peak column, true class) per character of every
    line whose greedy reading has the label's length (then the i-th character
    read stands for the i-th printed)."""
    vecs, truth = [], []
    probs = logits.softmax(1)
    for n, ((text, cols), want) in enumerate(zip(decode(logits), labels)):
        if len(text) != len(want):
            continue
        for c, ts in zip(want, cols):
            p = probs[n, :, 0, ts]
            t = ts[int(p.max(0).values.argmax())] if len(ts) > 1 else ts[0]
            vecs.append(logits[n, :, 0, t])
            truth.append(ALPHABET.index(c) + 1)
    return torch.stack(vecs), torch.tensor(truth)


def calibrate(logits, labels):
    vecs, truth = peak_pairs(logits, labels)
    best_t, best_nll = 1.0, 1e9
    for t in np.arange(0.5, 4.01, 0.05):
        nll = F.cross_entropy(vecs / t, truth).item()
        if nll < best_nll:
            best_t, best_nll = float(t), nll
    return best_t, vecs, truth


def ece(conf, correct, bins=15):
    total, err = len(conf), 0.0
    edges = np.linspace(0, 1, bins + 1)
    for lo, hi in zip(edges[:-1], edges[1:]):
        sel = (conf > lo) & (conf <= hi)
        if sel.any():
            err += sel.sum() / total * abs(conf[sel].mean() - correct[sel].mean())
    return float(err)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--train", required=True)
    p.add_argument("--val", required=True)
    p.add_argument("--calib", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--steps", type=int, default=12000)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--arch", choices=["conv", "lstm"], default="conv")
    p.add_argument("--init", help="start from this checkpoint's weights (a second, fine-tuning stage)")
    p.add_argument("--init-onnx", help="start from this exported model's weights (fine-tuning a committed model)")
    p.add_argument("--lr", type=float, default=2e-3)
    a = p.parse_args()
    torch.manual_seed(a.seed)
    rng = np.random.default_rng(a.seed)
    torch.set_num_threads(a.threads)
    os.makedirs(a.out, exist_ok=True)
    started = time.time()
    x, labels = load(a.train)
    vx, vlabels = load(a.val)
    print("train %d lines, val %d" % (len(x), len(vx)), flush=True)
    model = Recogniser(a.arch)
    if a.init:
        model.load_state_dict(torch.load(a.init)["model"])
        print("weights from %s" % a.init, flush=True)
    if a.init_onnx:
        load_onnx(model, a.init_onnx)
        print("weights from %s" % a.init_onnx, flush=True)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=a.lr, total_steps=a.steps, pct_start=0.1)
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)
    step = 0
    ckpt = os.path.join(a.out, "checkpoint.pt")
    if os.path.exists(ckpt):
        state = torch.load(ckpt)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        sched.load_state_dict(state["sched"])
        step = state["step"]
        rng = np.random.default_rng(a.seed + step)
        print("resumed at step %d" % step, flush=True)
    model.train()
    running = 0.0
    while step < a.steps:
        idx = rng.integers(0, len(x), a.batch)
        batch = torch.from_numpy(x[idx, None])
        # A random horizontal shift and brightness jitter, cheap extra variety.
        if rng.random() < 0.5:
            batch = torch.roll(batch, int(rng.integers(-6, 7)), dims=3)
        texts = [labels[i] for i in idx]
        targets, lengths = encode(texts)
        logits = model(batch)  # N x C x 1 x T
        logp = logits[:, :, 0, :].permute(2, 0, 1).log_softmax(2)  # T x N x C
        inputs = torch.full((a.batch,), logp.shape[0], dtype=torch.long)
        loss = ctc(logp, targets, inputs, lengths)
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        sched.step()
        step += 1
        running = 0.98 * running + 0.02 * loss.item() if step > 1 else loss.item()
        if step % 100 == 0:
            print("step %d loss %.4f %.0f s" % (step, running, time.time() - started), flush=True)
        if step % 500 == 0 or step == a.steps:
            torch.save({"model": model.state_dict(), "opt": opt.state_dict(),
                        "sched": sched.state_dict(), "step": step}, ckpt)
            acc, cer, _ = evaluate(model, vx[:1000], vlabels[:1000])
            print("step %d val exact %.4f cer %.5f" % (step, acc, cer), flush=True)
    trained = time.time() - started

    # Calibration on lines held out from training and from validation.
    cx, clabels = load(a.calib)
    _, _, clogits = evaluate(model, cx, clabels)
    before_vecs, before_truth = peak_pairs(clogits, clabels)
    p0 = before_vecs.softmax(1)
    ece_before = ece(p0.max(1).values.numpy(), (p0.argmax(1) == before_truth).numpy().astype(float))
    t, vecs, truth = calibrate(clogits, clabels)
    probs = (vecs / t).softmax(1)
    conf = probs.max(1).values.numpy()
    correct = (probs.argmax(1) == truth).numpy().astype(float)
    ece_after = ece(conf, correct)
    # The sure threshold: the lowest probability above which the characters
    # read are wrong at most once in 2,000 on the calibration lines.
    order = np.argsort(-conf)
    wrong = np.cumsum(1 - correct[order])
    rate = wrong / np.arange(1, len(order) + 1)
    ok = np.nonzero(rate <= 0.0005)[0]
    sure = float(conf[order][ok[-1]]) if len(ok) else 1.0
    model.temperature = t
    acc, cer, _ = evaluate(model, vx, vlabels)
    card = {"arch": a.arch, "steps": a.steps, "batch": a.batch, "seed": a.seed, "train_lines": len(x),
            "train_seconds": round(trained), "val_lines": len(vx), "val_exact": acc, "val_cer": cer,
            "temperature": t, "ece_before": ece_before, "ece_after": ece_after,
            "calib_chars": int(len(conf)), "sure_threshold": sure,
            "sure_fraction": float((conf >= sure).mean())}
    print(json.dumps(card, indent=1), flush=True)
    with open(os.path.join(a.out, "card.json"), "w") as f:
        json.dump(card, f, indent=1)
    model.eval()
    torch.onnx.export(model, torch.zeros(1, 1, 32, 512), os.path.join(a.out, "mrz_crnn.onnx"),
                      opset_version=11, input_names=["line"], output_names=["logits"])


if __name__ == "__main__":
    main()
