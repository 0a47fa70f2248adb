#!/usr/bin/python3
"""Median glyph-shape features per character, as the C++ table kPrototypes in
src/vision/mrz_reader.cc (the shape cue for look-alikes such as H/M, S/8).

  gen_samples.py /tmp/calib --count 90 --level mixed --seed 4040
  TDV_VISION_DEBUG_DIR=/tmp/dbg bench_mrz_images /tmp/calib   # appends /tmp/dbg/shapes.txt
  shape_prototypes.py /tmp/dbg/shapes.txt

Each line of shapes.txt is OCR's reading of a glyph and its six ink
fractions; OCR is right on nearly every glyph of a calibration set, so the
median per reading is that character's prototype. Python stdlib only."""
import statistics
import sys

GROUPS = "HMWS8FPGQ6"


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    rows = {}
    with open(sys.argv[1]) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 7 and parts[0] in GROUPS:
                rows.setdefault(parts[0], []).append([float(v) for v in parts[1:]])
    for ch in GROUPS:
        if ch not in rows:
            sys.exit("no glyphs read as %s in %s" % (ch, sys.argv[1]))
        med = [statistics.median(col) for col in zip(*rows[ch])]
        print("    {'%s', {%s}},  // %d glyphs" % (ch, ", ".join("%.2f" % v for v in med), len(rows[ch])))


if __name__ == "__main__":
    main()
