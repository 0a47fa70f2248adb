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
/usr/bin/python3 - "$WORK" "$HERE" <<'PY'
import glob, sys
sys.path.insert(0, sys.argv[2])
from cer import report
pairs = []
for gt in sorted(glob.glob(sys.argv[1] + "/*.gt.txt")):
    want = open(gt).read().split("\n")[:-1]
    got = [l for l in open(gt.replace(".gt.txt", ".out.txt")).read().split("\n") if l.strip()]
    got += [""] * (len(want) - len(got))
    pairs += zip(want, got)
report("held-out", pairs)
PY
