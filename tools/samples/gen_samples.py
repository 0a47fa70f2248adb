#!/usr/bin/python3
"""Synthetic travel documents with a correct MRZ, rendered as scans and phone
photos, with ground truth. Fictitious holders only (tools/train/mrz_lines.py
makes the MRZ); no real personal data.

  gen_samples.py OUTDIR [--count N] [--level clean|moderate|hard|world|mixed] [--seed S]
                 [--perspective F] [--no-mrz N] [--td1-front N] [--exif N] [--round-zero N]

Level "world" is made to look like the real images our generated sets did
not (issue 10): web thumbnails (longest side 250-600 px), JPEG quality 40-70,
printers' letter spacing and stroke weight, a stamp or the photo touching the
MRZ, glare and laminate sheen, a hand holding the document, the page edge
cut close to the MRZ. --exif writes all eight EXIF orientations (2-8 stored
turned or mirrored; each checked to display upright).

Writes OUTDIR/NAME.jpg and OUTDIR/NAME.expected.json ({"mrz": [lines],
"format": ..., "level": ..., "kind": ...}). Documents: TD3 passport data page,
TD1 card back, TD2 card, MRV-A and MRV-B visa stickers, each with a photo
placeholder, printed fields and a guilloche-like security background.
Needs python3-pil, python3-numpy and fonts-ocr-b (Debian packages)."""
import argparse
import json
import math
import os
import random
import sys

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "train"))
import mrz_lines  # noqa: E402

OCRB = "/usr/share/fonts/opentype/ocr-b/OCRB.otf"
SANS = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
DPI = 300
MM = DPI / 25.4
PERSPECTIVE = 0.06  # phone photos: how far (fraction of the side) a corner may move

# Document sizes (mm) by line count/length; the MRZ sits at the bottom.
SIZES = {(2, 44): (125, 88), (3, 30): (85.6, 54), (2, 36): (105, 74)}
KIND = {"P": "TD3 passport", "I": "ID card", "V": "visa"}


def font(path, px):
    try:
        return ImageFont.truetype(path, int(px))
    except OSError:
        return ImageFont.load_default()


def guilloche(draw, w, h, r):
    """Fine sinusoidal line pattern, the look of security print."""
    colour = tuple(int(c) for c in (r.randint(150, 220), r.randint(160, 220), r.randint(170, 230)))
    for k in range(r.randint(18, 30)):
        amp, freq, phase = r.uniform(8, 40), r.uniform(0.004, 0.02), r.uniform(0, 6.28)
        y0 = r.uniform(0, h)
        pts = [(x, y0 + amp * math.sin(freq * x + phase + k * 0.3)) for x in range(0, int(w), 6)]
        draw.line(pts, fill=colour, width=1)


def document(lines, r, world=False, printed=None):
    rows, cols = len(lines), len(lines[0])
    wmm, hmm = SIZES[(rows, cols)]
    w, h = int(wmm * MM), int(hmm * MM)
    base = tuple(r.randint(225, 250) for _ in range(3))
    img = Image.new("RGB", (w, h), base)
    d = ImageDraw.Draw(img)
    guilloche(d, w, h, r)
    pitch = 2.54 * MM
    top = h - int(6 * MM) - int((rows - 1) * 4.23 * MM) - int(3 * MM)
    if rows == 3:
        # TD1: the MRZ is on the back of the card, below a few printed lines.
        d.text((int(4 * MM), int(3 * MM)), "UTOPIA  RESIDENCE CARD  (back)", font=font(SANS, 2.6 * MM), fill=(40, 40, 90))
        d.text((int(4 * MM), int(8 * MM)), "Place of birth  SYNTHETIC CITY", font=font(SANS, 2.2 * MM), fill=(30, 30, 30))
        return draw_mrz(img, d, printed or lines, w, top, pitch, r if world else None)
    # Photo placeholder: grey field with a head-and-shoulders silhouette.
    px0, py0, pw = int(4 * MM), int(10 * MM), int(0.26 * w)
    ph = min(int(0.5 * h), top - py0 - int(3 * MM))
    d.rectangle([px0, py0, px0 + pw, py0 + ph], fill=(200, 200, 205), outline=(120, 120, 120))
    cx = px0 + pw // 2
    d.ellipse([cx - pw * 0.22, py0 + ph * 0.15, cx + pw * 0.22, py0 + ph * 0.55], fill=(150, 150, 160))
    d.ellipse([cx - pw * 0.42, py0 + ph * 0.6, cx + pw * 0.42, py0 + ph * 1.3], fill=(150, 150, 160))
    # Printed fields (visual zone): labels and values in a sans face.
    label, value = font(SANS, 2.0 * MM), font(SANS, 3.0 * MM)
    x = px0 + pw + int(5 * MM)
    y = int(8 * MM)
    d.text((int(4 * MM), int(2.5 * MM)), "UTOPIA  " + KIND.get(lines[0][0], "document").upper(), font=value, fill=(40, 40, 90))
    for lab, val in [("Surname", lines[0][5:20].strip("<").replace("<", " ")), ("Given names", "SYNTHETIC HOLDER"),
                     ("Nationality", "UTOPIAN"), ("Date of birth", "01 JAN 1980"), ("Document no.", "SPECIMEN")]:
        if y + int(6 * MM) > top:
            break
        d.text((x, y), lab, font=label, fill=(90, 90, 110))
        d.text((x, y + int(2.3 * MM)), val, font=value, fill=(20, 20, 30))
        y += int(6.5 * MM)
    if world and r.random() < 0.5:
        # The photo reaching down to the MRZ (some states print it so).
        d.rectangle([px0, py0 + ph, px0 + pw, top - int(0.4 * MM)], fill=(150, 150, 160))
    return draw_mrz(img, d, printed or lines, w, top, pitch, r if world else None)


def round_zero(r):
    """A TD3 page's lines whose document number holds a letter O and a digit
    0 in positions of different check-digit weight, and the lines as printed
    with that zero as round as the letter (a printer's face that does not
    keep OCR-B's narrow zero): only the check digit tells the two apart."""
    lines = mrz_lines.lines(r)
    while len(lines) != 2 or len(lines[0]) != 44 or lines[0][0] != "P":
        lines = mrz_lines.lines(r)
    others = [c for c in mrz_lines.ALNUM if c not in "0O"]
    num = [r.choice(others) for _ in range(9)]
    zero = r.randrange(9)
    letter = r.choice([j for j in range(9) if j % 3 != zero % 3])
    num[zero], num[letter] = "0", "O"
    num = "".join(num)
    l2 = num + mrz_lines.cd(num) + lines[1][10:43]
    l2 += mrz_lines.cd(l2[0:10] + l2[13:20] + l2[21:43])
    truth = [lines[0], l2]
    printed = [lines[0], l2[:zero] + "O" + l2[zero + 1:]]
    return truth, printed


def card_front(r):
    """A TD1 card's front: photo, printed fields, card number; no MRZ."""
    w, h = int(85.6 * MM), int(54 * MM)
    img = Image.new("RGB", (w, h), tuple(r.randint(225, 250) for _ in range(3)))
    d = ImageDraw.Draw(img)
    guilloche(d, w, h, r)
    px0, py0, pw, ph = int(3 * MM), int(9 * MM), int(24 * MM), int(31 * MM)
    d.rectangle([px0, py0, px0 + pw, py0 + ph], fill=(200, 200, 205), outline=(120, 120, 120))
    cx = px0 + pw // 2
    d.ellipse([cx - pw * 0.22, py0 + ph * 0.15, cx + pw * 0.22, py0 + ph * 0.55], fill=(150, 150, 160))
    d.ellipse([cx - pw * 0.42, py0 + ph * 0.6, cx + pw * 0.42, py0 + ph * 1.0], fill=(150, 150, 160))
    d.text((int(3 * MM), int(2.5 * MM)), "UTOPIA  IDENTITY CARD", font=font(SANS, 3.0 * MM), fill=(40, 40, 90))
    label, value = font(SANS, 1.8 * MM), font(SANS, 2.6 * MM)
    y = int(9 * MM)
    for lab in ["Surname", "Given names", "Date of birth", "Nationality", "Date of expiry"]:
        d.text((int(31 * MM), y), lab, font=label, fill=(90, 90, 110))
        d.text((int(31 * MM), y + int(2 * MM)), mrz_lines.word(r, 4, 12), font=value, fill=(20, 20, 30))
        y += int(6.2 * MM)
    num = "".join(r.choice(mrz_lines.ALNUM) for _ in range(9))
    d.text((int(58 * MM), int(47 * MM)), num, font=font(OCRB, 3.2 * MM), fill=(20, 20, 30))
    return img


def draw_mrz(img, d, lines, w, top, pitch, world=None):
    """OCR-B, 2.54 mm pitch, lines 4.23 mm apart, near the bottom edge. With
    `world` (a Random), printers' variation: pitch and type size within a few
    per cent, ink grey to black, strokes thinner or heavier."""
    size, ink = 3.6 * MM, (15, 15, 20)
    if world is not None:
        pitch *= world.uniform(0.94, 1.06)
        size *= world.uniform(0.9, 1.08)
        g = world.randint(0, 80)
        ink = (g, g, g + world.randint(0, 30))
    f = font(OCRB, size)
    left = (w - pitch * len(lines[0])) / 2
    mrz = Image.new("L", img.size, 0)
    md = ImageDraw.Draw(mrz)
    for i, line in enumerate(lines):
        for j, ch in enumerate(line):
            md.text((left + j * pitch, top + i * 4.23 * MM), ch, font=f, fill=255)
    if world is not None:
        k = world.random()
        if k < 0.25:
            mrz = mrz.filter(ImageFilter.MaxFilter(5))  # heavy toner
        elif k < 0.45:
            mrz = mrz.filter(ImageFilter.MinFilter(3))  # thin inkjet
    img.paste(Image.new("RGB", img.size, ink), (0, 0), mrz)
    if world is not None and world.random() < 0.5:
        # A stamp over the edge of the MRZ.
        cx, cy, rad = world.uniform(0.2, 0.8) * w, top - world.uniform(0, 6) * MM, world.uniform(6, 11) * MM
        col = world.choice([(70, 60, 150), (140, 50, 120), (60, 90, 160)])
        d.ellipse([cx - rad, cy - rad, cx + rad, cy + rad], outline=col, width=int(0.5 * MM))
        d.ellipse([cx - 0.7 * rad, cy - 0.7 * rad, cx + 0.7 * rad, cy + 0.7 * rad], outline=col, width=int(0.3 * MM))
    return img


def degrade_world(img, r):
    """As the real images of the development set: a laminated page or card,
    sometimes held in a hand, glare, the page edge close below the MRZ, then
    a small web-size copy saved at low JPEG quality."""
    w, h = img.size
    a = np.asarray(img).astype(np.float32)
    yy, xx = np.mgrid[0:h, 0:w]
    # Glare and laminate sheen: a bright soft spot and a faint diagonal band.
    if r.random() < 0.6:
        gx, gy, gr = r.uniform(0, w), r.uniform(0.4, 1.0) * h, r.uniform(0.1, 0.35) * w
        a += r.uniform(60, 140) * np.exp(-((xx - gx) ** 2 + (yy - gy) ** 2) / (2 * gr * gr))[..., None]
    if r.random() < 0.5:
        band = np.exp(-(((xx - yy * r.uniform(0.3, 1.5)) - r.uniform(0, w)) / (0.06 * w)) ** 2)
        a += r.uniform(15, 40) * band[..., None]
    img = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    if r.random() < 0.4:
        # A thumb on the margin, not on the MRZ.
        d = ImageDraw.Draw(img)
        skin = (r.randint(150, 220), r.randint(110, 170), r.randint(90, 140))
        tx = r.choice([-0.05, 0.85]) * w
        d.ellipse([tx, 0.15 * h, tx + 0.2 * w, 0.6 * h], fill=skin)
    # The page edge close below the MRZ (0.5-2 mm of margin left).
    if r.random() < 0.5:
        img = img.crop((0, 0, w, h - int(r.uniform(4, 5.5) * MM)))
    img = img.rotate(r.uniform(-6, 6), resample=Image.BICUBIC, expand=True, fillcolor=tuple(r.randint(20, 240) for _ in range(3)))
    side = r.randint(250, 600)
    f = side / max(img.size)
    img = img.resize((max(1, int(img.width * f)), max(1, int(img.height * f))), Image.LANCZOS)
    return img, r.randint(40, 70)


def degrade(img, level, r):
    if level == "world":
        return degrade_world(img, r)
    a = np.asarray(img).astype(np.float32)
    if level == "clean":
        out = Image.fromarray(a.astype(np.uint8))
        return out, 90
    if level == "moderate":
        # Flatbed scan: slight skew, a little blur, noise, 200-300 dpi, JPEG.
        img = img.rotate(r.uniform(-4, 4), resample=Image.BICUBIC, expand=True, fillcolor=(250, 250, 250))
        scale = r.uniform(0.67, 1.0)
        img = img.resize((int(img.width * scale), int(img.height * scale)), Image.BILINEAR)
        img = img.filter(ImageFilter.GaussianBlur(r.uniform(0.3, 0.9)))
        a = np.asarray(img).astype(np.float32) + np.random.normal(0, r.uniform(2, 6), (img.height, img.width, 3))
        return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)), r.randint(60, 85)
    # Phone photo: background, perspective, rotation up to 30 degrees, uneven
    # light, low resolution, blur, strong JPEG.
    W, H = int(img.width * 1.6), int(img.height * 1.8)
    bg = Image.new("RGB", (W, H), tuple(r.randint(40, 140) for _ in range(3)))
    bd = ImageDraw.Draw(bg)
    for _ in range(20):
        x0, y0 = r.randint(0, W), r.randint(0, H)
        bd.line([x0, y0, x0 + r.randint(-300, 300), y0 + r.randint(-300, 300)],
                fill=tuple(r.randint(30, 160) for _ in range(3)), width=r.randint(2, 9))
    ox, oy = (W - img.width) // 2, (H - img.height) // 2
    bg.paste(img, (ox, oy))
    img = bg.rotate(r.uniform(-30, 30), resample=Image.BICUBIC, expand=False, fillcolor=(60, 60, 60))
    # Perspective: move the corners by up to PERSPECTIVE (6% by default).
    j = lambda v: v * r.uniform(-PERSPECTIVE, PERSPECTIVE)  # noqa: E731
    quad = [j(W), j(H), j(W), H + j(H), W + j(W), H + j(H), W + j(W), j(H)]
    img = img.transform((W, H), Image.QUAD, quad, resample=Image.BICUBIC)
    a = np.asarray(img).astype(np.float32)
    yy, xx = np.mgrid[0:H, 0:W]
    light = 0.75 + 0.35 * (xx / W * r.uniform(-1, 1) + yy / H * r.uniform(-1, 1))
    a = a * light[..., None]
    img = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    target_w = r.randint(1400, 1800)
    img = img.resize((target_w, int(H * target_w / W)), Image.BILINEAR)
    img = img.filter(ImageFilter.GaussianBlur(r.uniform(0.4, 1.1)))
    a = np.asarray(img).astype(np.float32) + np.random.normal(0, r.uniform(3, 8), (img.height, img.width, 3))
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)), r.randint(45, 75)


def main():
    global PERSPECTIVE
    p = argparse.ArgumentParser()
    p.add_argument("outdir")
    p.add_argument("--count", type=int, default=20)
    p.add_argument("--level", default="mixed", choices=["clean", "moderate", "hard", "world", "mixed"])
    p.add_argument("--seed", type=int, default=9303)
    p.add_argument("--no-mrz", type=int, default=0, help="also write N images without an MRZ")
    p.add_argument("--td1-front", type=int, default=0,
                   help="also write N TD1 card fronts (photo and printed fields, no MRZ)")
    p.add_argument("--exif", type=int, default=0,
                   help="also write N clean TD3 pages stored turned or mirrored with an EXIF orientation "
                        "(6 first, then 2-8 in turn; each shown upright)")
    p.add_argument("--round-zero", type=int, default=0,
                   help="also write N scanned TD3 pages whose document number's zero is printed as round "
                        "as the letter O (its check digit the only witness)")
    p.add_argument("--perspective", type=float, default=PERSPECTIVE,
                   help="phone photos: how far a corner may move, as a fraction of the side (default 0.06)")
    a = p.parse_args()
    if not 0 <= a.perspective <= 0.3:
        p.error("--perspective must lie between 0 and 0.3")
    PERSPECTIVE = a.perspective
    os.makedirs(a.outdir, exist_ok=True)
    r = random.Random(a.seed)
    np.random.seed(a.seed)
    levels = ["clean", "moderate", "hard"]
    for i in range(a.count):
        lines = mrz_lines.lines(r)
        level = levels[i % 3] if a.level == "mixed" else a.level
        img, q = degrade(document(lines, r, level == "world"), level, r)
        fmt = {(3, 30): "TD1", (2, 44): "MRVA" if lines[0][0] == "V" else "TD3",
               (2, 36): "MRVB" if lines[0][0] == "V" else "TD2"}[(len(lines), len(lines[0]))]
        name = "%s-%s-%03d" % (fmt.lower(), level, i)
        img.save(os.path.join(a.outdir, name + ".jpg"), quality=q)
        with open(os.path.join(a.outdir, name + ".expected.json"), "w") as f:
            json.dump({"mrz": lines, "format": fmt, "level": level}, f, indent=1)
            f.write("\n")
    # Stored image for each EXIF orientation (2-8): the transpose whose
    # inverse a viewer applies to show it upright.
    stored_by = {2: Image.FLIP_LEFT_RIGHT, 3: Image.ROTATE_180, 4: Image.FLIP_TOP_BOTTOM,
                 5: Image.TRANSPOSE, 6: Image.ROTATE_90, 7: Image.TRANSVERSE, 8: Image.ROTATE_270}
    for i in range(a.exif):
        lines = mrz_lines.lines(r)
        while len(lines) != 2 or len(lines[0]) != 44:
            lines = mrz_lines.lines(r)
        img, q = degrade(document(lines, r), "clean", r)
        orientation = 6 if i == 0 else 2 + (i - 1) % 7
        stored = img.transpose(stored_by[orientation])
        exif = Image.Exif()
        exif[0x0112] = orientation
        check = stored.copy()
        check.info["exif"] = exif.tobytes()
        check.getexif()[0x0112] = orientation
        if np.abs(np.asarray(ImageOps.exif_transpose(check), np.int16) - np.asarray(img, np.int16)).max() > 0:
            sys.exit("EXIF orientation %d does not display upright" % orientation)
        name = "exif%d-%03d" % (orientation, i)
        stored.save(os.path.join(a.outdir, name + ".jpg"), quality=q, exif=exif.tobytes())
        with open(os.path.join(a.outdir, name + ".expected.json"), "w") as f:
            json.dump({"mrz": lines, "format": "MRVA" if lines[0][0] == "V" else "TD3", "level": "exif",
                       "width": img.width, "height": img.height},
                      f, indent=1)
            f.write("\n")
    for i in range(a.round_zero):
        lines, printed = round_zero(r)
        img, q = degrade(document(lines, r, printed=printed), "moderate", r)
        name = "roundzero-%03d" % i
        img.save(os.path.join(a.outdir, name + ".jpg"), quality=q)
        with open(os.path.join(a.outdir, name + ".expected.json"), "w") as f:
            json.dump({"mrz": lines, "printed": printed, "format": "TD3", "level": "round-zero"}, f, indent=1)
            f.write("\n")
    for i in range(a.td1_front):
        img, q = degrade(card_front(r), levels[i % 2], r)
        name = "td1front-%03d" % i
        img.save(os.path.join(a.outdir, name + ".jpg"), quality=q)
        with open(os.path.join(a.outdir, name + ".expected.json"), "w") as f:
            f.write('{"mrz": null, "level": "td1front"}\n')
    for i in range(a.no_mrz):
        w, h = int(125 * MM), int(88 * MM)
        img = Image.new("RGB", (w, h), (240, 238, 230))
        guilloche(ImageDraw.Draw(img), w, h, r)
        img, q = degrade(img, "moderate", r)
        name = "nomrz-%03d" % i
        img.save(os.path.join(a.outdir, name + ".jpg"), quality=q)
        with open(os.path.join(a.outdir, name + ".expected.json"), "w") as f:
            f.write('{"mrz": null}\n')


if __name__ == "__main__":
    main()
