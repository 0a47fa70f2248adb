#!/usr/bin/env bash
# Character error rate of models/mrz.traineddata on held-out synthetic lines:
# pages rendered like the training pages but with another seed (never seen in
# training), read by Tesseract page by page, compared line by line.
#   tools/train/eval_lines.sh [PAGES]   (needs tesseract-ocr, python3-pil, python3-numpy)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
MODELS="$HERE/../../models"
WORK="$(mktemp -d /tmp/tdv-eval-XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
/usr/bin/python3 "$HERE/render_pages.py" "$WORK" --pages "${1:-6}" --lines 40 --seed 4242
for page in "$WORK"/*.tif; do
  tesseract "$page" "${page%.tif}.out" --tessdata-dir "$MODELS" -l mrz --oem 0 --psm 6 \
    -c tessedit_char_whitelist='ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<' >/dev/null 2>&1
done
/usr/bin/python3 - "$WORK" <<'PY'
import glob, sys
def dist(a, b):
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]
chars = errors = lines = exact = 0
for gt in sorted(glob.glob(sys.argv[1] + "/*.gt.txt")):
    want = open(gt).read().split("\n")[:-1]
    got = [l for l in open(gt.replace(".gt.txt", ".out.txt")).read().split("\n") if l.strip()]
    got += [""] * (len(want) - len(got))
    for w, g in zip(want, got):
        chars += len(w); errors += dist(w, g); lines += 1; exact += w == g
print("held-out lines: %d, exact lines: %.1f%%, character error rate: %.2f%%" % (lines, 100.0 * exact / lines, 100.0 * errors / chars))
PY
