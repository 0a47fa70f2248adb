#!/usr/bin/python3
"""Training lines for the line recogniser (models/mrz_crnn.onnx): MRZ lines in
OCR-B rendered with the degradations real print shows, then prepared exactly
as the reader prepares a line before recognition (src/vision/mrz_lines.cc:
paper flattened, contrast stretched, cut with a third of the ink height above
and below; src/vision/mrz_crnn.cc: scaled to INPUT_H rows, padded or squeezed
to INPUT_W columns).

Degradations, each drawn at random per line: stroke weight and printers'
pitch, the three upright-ish OCR-B faces (regular, sharp, oblique), blur and
defocus, capitals of 5-14 px enlarged again (web images, resampling after a
90 degree turn), JPEG 25-90, guilloche and fine security print behind the
glyphs, neighbouring lines' ink cut at the crop's edge, stamps and photo edges
touching the line, glare, small rotation, shear and perspective, uneven light,
noise. A third of the lines are random strings over the MRZ alphabet (with
runs of '<') rather than MRZ fields, so that the model reads glyphs and not
the layout ('OO' in optional data stays letters).

  render_ctc_lines.py OUT.npz --lines N --seed S [--jobs J] [--variety] [--cut-jitter] [--security]

Writes images (N, INPUT_H, INPUT_W) uint8 and labels (N strings). Fixed seeds:
the same arguments give the same file."""
import argparse
import io
import math
import multiprocessing
import random

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

import mrz_lines

INPUT_H, INPUT_W = 32, 512  # as kInputHeight, kInputWidth in src/vision/mrz_crnn.cc
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"
FONT_DIR = "/usr/share/fonts/opentype/ocr-b/"
FACES = [("OCRB.otf", 0.7), ("OCRBS.otf", 0.2), ("OCRBL.otf", 0.1)]


def random_text(r):
    n = r.choice([30, 36, 44, r.randint(26, 46)])
    out = []
    while len(out) < n:
        k = r.random()
        if k < 0.25:
            out.extend("<" * r.randint(1, 8))
        elif k < 0.6:
            out.extend(r.choice(mrz_lines.LETTERS) for _ in range(r.randint(1, 6)))
        elif k < 0.85:
            out.extend(r.choice("0123456789") for _ in range(r.randint(1, 6)))
        else:  # look-alike pairs side by side: OO00, 0D, B8, 5S ...
            pair = r.choice(["O0", "D0", "B8", "S5", "Z2", "G6", "I1", "U0", "EF", "OU", "A4", "27",
                             "MH", "NW", "PF", "QO", "CG", "KX"])
            out.extend(r.choice(pair) for _ in range(r.randint(2, 5)))
    return "".join(out[:n])


def face(r):
    x = r.random()
    for name, p in FACES:
        if x < p:
            return name
        x -= p
    return FACES[0][0]


def security_print(a, r, bg, ink, size):
    """Dense security print behind a line, as a visa's or a card's background
    shows through a scan: a family of parallel fine lines (straight hatching
    at an angle, or guilloche waves), one or two pixels wide at a few pixels'
    spacing, as dark as a fifth to two thirds of the glyphs' own contrast,
    across the whole line or a stretch of it. Printed first, so the glyphs'
    ink darkens it further (multiplied, not painted over)."""
    h, w = a.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    spacing = r.uniform(2.5, 6.5) * size / 40.0
    if r.random() < 0.5:
        t = math.radians(r.uniform(15, 75) * r.choice([-1, 1]))
        d = xx * math.cos(t) + yy * math.sin(t)
    else:
        amp, freq = r.uniform(1, size), r.uniform(0.005, 0.05)
        d = yy + amp * np.sin(freq * xx + r.uniform(0, 6.3)) + r.uniform(-0.2, 0.2) * xx
    half = r.uniform(0.12, 0.3) * spacing  # half the line's width
    phase = np.abs(np.mod(d, spacing) - spacing / 2)  # 0 at a line's middle
    layer = np.clip((half + 0.5 - phase) / 1.0, 0, 1)
    if r.random() < 0.5:  # a stretch of the line only, its edges soft
        x0 = r.uniform(-w / 4, w * 0.8)
        x1 = x0 + r.uniform(w / 6, w)
        soft = max(2.0, size / 4)
        layer *= np.clip(np.minimum(xx - x0, x1 - xx) / soft, 0, 1)
    k = (bg - ink) * r.uniform(0.2, 0.65) / max(bg, 1)
    return a * (1.0 - k * layer)


def render(text, r, rng, variety=False, security=False):
    """The line in a band of paper with neighbouring lines above and below;
    returns the grey band and the ink rows (top, bottom) of the line."""
    size = r.randint(28, 46)
    font = ImageFont.truetype(FONT_DIR + face(r), size)
    # Printers' pitch, and glyphs narrower or wider than OCR-B's own at that
    # pitch (a printer's condensed or expanded face: wide gaps between narrow
    # glyphs must not read as fillers). Drawn at pitch / squeeze, then the
    # whole band is squeezed horizontally.
    if variety:
        squeeze = r.uniform(0.72, 1.12) if r.random() < 0.4 else 1.0
        pitch = size * r.uniform(0.64, 0.80) / squeeze
    else:
        squeeze, pitch = 1.0, size * r.uniform(0.66, 0.75)
    gap = size * r.uniform(0.55, 1.2)  # between lines, baseline to cap top
    pad_x = int(size * r.uniform(0.5, 2.0))
    w = int(pitch * len(text) + 2 * pad_x)
    line_h = int(size * 0.72 + gap)
    h = 3 * line_h + size
    bg = r.randint(150, 250)
    ink = r.randint(0, max(0, min(110, bg - 60)))
    secure = security and r.random() < 0.5
    if secure and r.random() < 0.5:  # thin, pale print over the pattern (a visa's)
        ink = int(bg - (bg - ink) * r.uniform(0.45, 0.8))
    img = Image.new("L", (w, h), bg)
    d = ImageDraw.Draw(img)
    mask = Image.new("L", (w, h), 0)  # the line's own ink, to cut it where it ends up
    mark = ImageDraw.Draw(mask)
    # Security print: guilloche curves and fine line patterns behind the text.
    for _ in range(r.randint(0, 6)):
        amp, freq = r.uniform(2, h / 2), r.uniform(0.003, 0.06)
        ph, y0 = r.uniform(0, 6.3), r.uniform(0, h)
        shade = max(0, bg - r.randint(10, 90))
        d.line([(x, y0 + amp * math.sin(freq * x + ph)) for x in range(0, w, 3)], fill=shade,
               width=r.choice([1, 1, 2]))
    if r.random() < 0.3:
        step, shade = r.randint(3, 8), max(0, bg - r.randint(8, 40))
        for x in range(-h, w, step):
            d.line([(x, 0), (x + h * r.choice([-1, 1]) * 0.5, h)], fill=shade, width=1)
    top_line = line_h + size // 3
    cap_top = None
    for row in range(3):
        y = top_line + (row - 1) * line_h
        s = text if row == 1 else random_text(r)[: len(text)]
        if row != 1 and r.random() < 0.3:
            continue  # the first or last line of a zone: nothing there
        jitter = 0.03 * pitch * (r.random() < 0.3)
        for i, ch in enumerate(s):
            x = pad_x + i * pitch + r.uniform(-jitter, jitter)
            d.text((x, y + r.uniform(-0.5, 0.5) * (r.random() < 0.2)), ch, font=font, fill=ink)
            if row == 1:
                mark.text((x, y), ch, font=font, fill=255)
        if row == 1:
            _, t, _, b = font.getbbox("E0")
            cap_top, cap_bottom = y + t, y + b
    a = np.asarray(img).astype(np.float32)
    m = np.asarray(mask)
    # Worn or faint print: the ink of the glyphs' top or bottom rows fading
    # towards the paper (a 0 whose top is lost looks like a U).
    if variety and r.random() < 0.12:
        cap = cap_bottom - cap_top
        frac = r.uniform(0.2, 0.5)
        keep = r.uniform(0.0, 0.5)
        ys = np.arange(h, dtype=np.float32)[:, None]
        if r.random() < 0.7:
            t = np.clip((ys - cap_top) / (frac * cap), 0, 1)
        else:
            t = np.clip((cap_bottom - ys) / (frac * cap), 0, 1)
        strength = keep + (1 - keep) * t
        a = bg - (bg - a) * strength
    # Overprint: large pale letters (SPECIMEN, a stamp's text) across the line.
    if variety and r.random() < 0.1:
        over = Image.new("L", (w, h), 0)
        big = ImageFont.truetype(FONT_DIR + face(r), int(size * r.uniform(1.2, 2.5)))
        ImageDraw.Draw(over).text((r.uniform(-size, w / 2), r.uniform(-size, h / 2)),
                                  "".join(r.choice(mrz_lines.LETTERS) for _ in range(r.randint(3, 9))),
                                  font=big, fill=255)
        if r.random() < 0.5:
            over = over.rotate(r.uniform(-90, 90), resample=Image.BILINEAR)
        o = np.asarray(over).astype(np.float32) / 255.0
        a = np.minimum(a, bg - o * r.uniform(25, 90))
    # Stamps and photo edges that reach into the line.
    if r.random() < 0.25:
        cx, cy = r.uniform(0, w), r.choice([cap_top - size * r.uniform(0.3, 1.5),
                                            cap_bottom + size * r.uniform(0.3, 1.5)])
        rad = size * r.uniform(1, 4)
        yy, xx = np.mgrid[0:h, 0:w]
        ring = np.abs(np.hypot(xx - cx, yy - cy) - rad) < r.uniform(1, 3)
        a[ring] = np.minimum(a[ring], r.uniform(30, bg - 30))
    if r.random() < 0.15:
        x0 = r.choice([r.uniform(0, pad_x), w - r.uniform(0, pad_x)])
        side = np.arange(w) < x0 if r.random() < 0.5 else np.arange(w) > x0
        a[:, side] = a[:, side] * r.uniform(0.3, 0.8)
    # Stroke weight.
    k = r.random()
    if k < 0.2:
        a = cv2.erode(a, np.ones((2, 2), np.uint8) if r.random() < 0.5 else np.ones((3, 3), np.uint8))
    elif k < 0.4:
        a = cv2.dilate(a, np.ones((2, 2), np.uint8) if r.random() < 0.5 else np.ones((3, 3), np.uint8))
    if secure:
        a = security_print(a, r, bg, ink, size)
    # Uneven light and glare.
    a *= np.linspace(r.uniform(0.7, 1.1), r.uniform(0.7, 1.1), w)[None, :]
    if r.random() < 0.2:
        cx, cy, rad = r.uniform(0, w), r.uniform(0, h), r.uniform(h, w / 2)
        yy, xx = np.mgrid[0:h, 0:w]
        glare = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * rad * rad / 4))
        a = a + glare * r.uniform(40, 160)
    # Small rotation, shear, perspective.
    if r.random() < 0.7:
        src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
        j = size * 0.15
        dst = src + np.float32([[r.uniform(-j, j), r.uniform(-j, j)] for _ in range(4)])
        shear = r.uniform(-0.08, 0.08) * h
        dst[0, 0] += shear
        dst[1, 0] += shear
        t = cv2.getPerspectiveTransform(src, dst)
        a = cv2.warpPerspective(a, t, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        m = cv2.warpPerspective(m, t, (w, h), flags=cv2.INTER_NEAREST)
    if squeeze != 1.0:
        nw = max(8, int(round(w * squeeze)))
        a = cv2.resize(a, (nw, h), interpolation=cv2.INTER_AREA if squeeze < 1 else cv2.INTER_LINEAR)
        m = cv2.resize(m, (nw, h), interpolation=cv2.INTER_NEAREST)
        w = nw
    # Motion: a hand-held phone smears the line along one direction.
    if variety and r.random() < 0.1:
        n = max(2, int(r.uniform(2, 7) * size / 40))
        kernel = np.zeros((n, n), np.float32)
        kernel[n // 2, :] = 1.0
        rot = cv2.getRotationMatrix2D(((n - 1) / 2, (n - 1) / 2), r.uniform(-20, 20), 1.0)
        kernel = cv2.warpAffine(kernel, rot, (n, n))
        a = cv2.filter2D(a, -1, kernel / max(kernel.sum(), 1e-6))
    # Focus and resolution: blur, then capitals of a few px enlarged again.
    if r.random() < 0.5:
        a = cv2.GaussianBlur(a, (0, 0), r.uniform(0.3, 2.0) * size / 50)
    if r.random() < 0.15:
        rad = max(1, int(r.uniform(1, 3) * size / 50))
        disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * rad + 1, 2 * rad + 1)).astype(np.float32)
        a = cv2.filter2D(a, -1, disk / disk.sum())
    noise = np.empty(a.shape, np.float32)
    cv2.randn(noise, 0, r.uniform(0, 12))
    a += noise
    a = np.clip(a, 0, 255).astype(np.uint8)
    cap = cap_bottom - cap_top
    ys, xs = np.nonzero(m)
    box = (ys.min(), ys.max() + 1, xs.min(), xs.max() + 1)
    if r.random() < 0.6:
        f = r.uniform(5, 16) / cap
        small = cv2.resize(a, (max(8, int(w * f)), max(4, int(h * f))),
                           interpolation=r.choice([cv2.INTER_AREA, cv2.INTER_LINEAR]))
        if r.random() < 0.5:
            q = r.randint(25, 90)
            small = cv2.imdecode(cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, q])[1], 0)
        a = cv2.resize(small, (w, h), interpolation=r.choice([cv2.INTER_CUBIC, cv2.INTER_LINEAR]))
    elif r.random() < 0.5:
        q = r.randint(25, 90)
        a = cv2.imdecode(cv2.imencode(".jpg", a, [cv2.IMWRITE_JPEG_QUALITY, q])[1], 0)
    return a, box


def flatten(band):
    """As Flatten() and the normalisation in src/vision/mrz_lines.cc."""
    k = max(9, band.shape[0] // 3) | 1
    paper = cv2.morphologyEx(band, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    paper = cv2.blur(paper, (k, k)).astype(np.float32)
    flat = np.clip(band.astype(np.float32) / np.maximum(paper, 1.0) * 255.0, 0, 255).astype(np.uint8)
    return cv2.normalize(flat, None, 0, 255, cv2.NORM_MINMAX)


def to_input(line):
    """As PrepareLine() in src/vision/mrz_crnn.cc: INPUT_H rows, aspect kept,
    squeezed to INPUT_W columns if wider, padded with the paper's level."""
    h, w = line.shape
    nw = max(1, int(round(w * INPUT_H / h)))
    interp = cv2.INTER_AREA if h > INPUT_H else cv2.INTER_CUBIC
    if nw >= INPUT_W:
        return cv2.resize(line, (INPUT_W, INPUT_H), interpolation=interp)
    out = np.full((INPUT_H, INPUT_W), int(np.percentile(line, 75)), np.uint8)
    out[:, :nw] = cv2.resize(line, (nw, INPUT_H), interpolation=interp)
    return out


def sample(job):
    seed, variety, cut_jitter, security = job
    r = random.Random(seed)
    cv2.setRNGSeed(seed % 2**31)  # cv2.randn's noise, from this line's seed too
    rng = np.random.default_rng(seed)
    text = random_text(r) if r.random() < 0.33 else r.choice(mrz_lines.lines(r))
    band, (a, b, left, right) = render(text, r, rng, variety, security)
    band = flatten(band)
    # Cut as SegmentLines does: a third of the ink height above and below
    # (a little off where the ink rows were found a little off), the ink's
    # extent plus the same pad left and right.
    ink_h = b - a
    pad = max(3, ink_h // 3)
    if cut_jitter:
        # The reader finds a small print's ink rows from a binarised row
        # profile: a row off at 8 px capitals, mostly the thin glyph tops
        # missed, so its crops hold less paper above the line than below
        # and its ink-height estimate runs short.
        y0 = max(0, a - pad + r.randint(-ink_h // 8, ink_h // 4))
        y1 = min(band.shape[0], b + pad + r.randint(-ink_h // 6, ink_h // 8))
        ink_h = max(1, int(ink_h * r.uniform(0.85, 1.05)))
    else:
        y0 = max(0, a - pad + r.randint(-ink_h // 8, ink_h // 8))
        y1 = min(band.shape[0], b + pad + r.randint(-ink_h // 8, ink_h // 8))
    x0 = max(0, int(left - pad * r.uniform(0.5, 1.5)))
    x1 = min(band.shape[1], int(right + pad * r.uniform(0.5, 1.5)))
    line = band[y0:y1, x0:x1]
    # The reader scales a line to a 40 px ink height first.
    s = 40.0 / max(1, ink_h)
    line = cv2.resize(line, (max(1, int(line.shape[1] * s)), max(1, int(line.shape[0] * s))),
                      interpolation=cv2.INTER_CUBIC if s > 1 else cv2.INTER_AREA)
    return to_input(line), text


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--lines", type=int, default=1000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--variety", action="store_true",
                   help="also condensed or expanded glyphs at printers' pitches, faded glyph tops or"
                        " bottoms, pale overprint letters and motion blur (the fine-tuning lines)")
    p.add_argument("--cut-jitter", action="store_true",
                   help="lines cut as the reader cuts small print: the ink rows found up to a quarter"
                        " of the ink height low at the top, the ink height up to 15 %% short")
    p.add_argument("--security", action="store_true",
                   help="half the lines over dense security print: hatching or guilloche waves of fine"
                        " lines a few pixels apart, a fifth to two thirds as dark as the glyphs, half"
                        " of those with thin, pale glyphs (a visa's background)")
    a = p.parse_args()
    seeds = [(a.seed * 10_000_000 + i, a.variety, a.cut_jitter, a.security) for i in range(a.lines)]
    with multiprocessing.Pool(a.jobs) as pool:
        got = pool.map(sample, seeds, chunksize=256)
    images = np.stack([g[0] for g in got])
    labels = np.array([g[1] for g in got])
    np.savez_compressed(a.out, images=images, labels=labels)


if __name__ == "__main__":
    main()
