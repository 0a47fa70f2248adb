#!/usr/bin/python3
"""Training pages for the MRZ model: MRZ-like lines in OCR-B, rendered the
way the reader presents them to Tesseract (one deskewed line, capital height
~30-40 px), degraded like scans and photos: blur, low resolution, noise,
JPEG artefacts, faint and heavy ink, uneven background, guilloche lines.
Writes PAGE.png and PAGE.box (Tesseract box format, origin bottom-left).

  render_pages.py OUTDIR --pages N --seed S"""
import argparse
import io
import math
import os
import random

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

import mrz_lines

OCRB = "/usr/share/fonts/opentype/ocr-b/OCRB.otf"


def render_line(text, r, size, binarise=True, severity=None):
    """severity 0..1 scales every degradation; random when None."""
    if severity is None:
        severity = r.random()
    font = ImageFont.truetype(OCRB, size)
    pitch = size * r.uniform(0.69, 0.72)
    pad = int(size * 0.6)
    w, h = int(pitch * len(text) + 2 * pad), int(size * 1.8)
    bg = r.randint(165, 250)
    ink = r.randint(0, min(100, bg - 70))
    img = Image.new("L", (w, h), bg)
    d = ImageDraw.Draw(img)
    # Guilloche-like background lines.
    for _ in range(r.randint(0, 3)):
        amp, freq, ph, y0 = r.uniform(2, h / 2), r.uniform(0.005, 0.04), r.uniform(0, 6.3), r.uniform(0, h)
        d.line([(x, y0 + amp * math.sin(freq * x + ph)) for x in range(0, w, 4)],
               fill=max(0, bg - r.randint(10, 40)), width=1)
    boxes = []
    top = int(size * 0.35)
    for i, ch in enumerate(text):
        x = pad + i * pitch
        d.text((x, top), ch, font=font, fill=ink)
        l, t, rr, b = font.getbbox(ch)
        boxes.append((ch, x + l, top + t, x + rr, top + b))
    # Ink weight: faint (max filter lightens dark strokes) or heavy.
    k = r.random()
    if k < 0.15 * severity:
        img = img.filter(ImageFilter.MaxFilter(3))
    elif k < 0.3 * severity:
        img = img.filter(ImageFilter.MinFilter(3))
    # Low resolution, then back to the working size (as the reader rescales).
    f = 1.0 - r.uniform(0, 0.65) * severity
    if f < 0.95:
        small = img.resize((max(8, int(w * f)), max(4, int(h * f))), Image.BILINEAR)
        img = small.resize((w, h), Image.BICUBIC)
    img = img.filter(ImageFilter.GaussianBlur(r.uniform(0, 1.5) * severity))
    a = np.asarray(img).astype(np.float32)
    a += np.random.normal(0, r.uniform(0, 14) * severity + 0.01, a.shape)
    a *= np.linspace(r.uniform(0.8, 1.1), r.uniform(0.8, 1.1), w)[None, :]
    img = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    if r.random() < 0.6 * severity:
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=r.randint(25, 90))
        img = Image.open(io.BytesIO(buf.getvalue())).convert("L")
    if not binarise:
        return img, boxes
    # Binarised per line (Otsu), as Tesseract's own thresholding sees it: the
    # legacy trainer matches boxes to the blobs of a clean black-on-white page.
    a = np.asarray(img).astype(np.int64)
    hist = np.bincount(a.ravel(), minlength=256).astype(np.float64)
    total, sum_all = a.size, np.dot(np.arange(256), hist)
    best, thresh, w0, sum0 = -1.0, 128, 0.0, 0.0
    for t in range(256):
        w0 += hist[t]
        if w0 == 0 or w0 == total:
            continue
        sum0 += t * hist[t]
        m0, m1 = sum0 / w0, (sum_all - sum0) / (total - w0)
        between = w0 * (total - w0) * (m0 - m1) ** 2
        if between > best:
            best, thresh = between, t
    img = Image.fromarray(np.where(a > thresh, 255, 0).astype(np.uint8))
    return img, boxes


def main():
    p = argparse.ArgumentParser()
    p.add_argument("outdir")
    p.add_argument("--pages", type=int, default=8)
    p.add_argument("--lines", type=int, default=40)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    r = random.Random(a.seed)
    np.random.seed(a.seed)
    os.makedirs(a.outdir, exist_ok=True)
    for page in range(a.pages):
        texts = []
        while len(texts) < a.lines:
            texts.extend(mrz_lines.lines(r))
        # One type size per page: Tesseract normalises rows by the page's
        # median x-height.
        size = r.randint(40, 58)
        rendered = [render_line(t, r, size) for t in texts[: a.lines]]
        W = max(im.width for im, _ in rendered) + 40
        H = sum(im.height for im, _ in rendered) + 40
        sheet = Image.new("L", (W, H), 255)
        y = 20
        out = []
        for im, boxes in rendered:
            sheet.paste(im, (20, y))
            for ch, l, t, rr, b in boxes:
                # Box files count from the bottom-left corner.
                out.append("%s %d %d %d %d 0" % (ch, 20 + l, H - (y + b), 20 + rr, H - (y + t)))
            y += im.height
        base = os.path.join(a.outdir, "mrz.OCRB.exp%d" % page)
        sheet.convert("1").save(base + ".tif", dpi=(300, 300), compression="group4")
        with open(base + ".box", "w") as f:
            f.write("\n".join(out) + "\n")
        with open(base + ".gt.txt", "w") as f:
            f.write("\n".join(texts[: a.lines]) + "\n")


if __name__ == "__main__":
    main()
