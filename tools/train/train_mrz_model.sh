#!/usr/bin/env bash
# Trains models/mrz.traineddata: a Tesseract legacy-engine (--oem 0) model for
# the MRZ alphabet A-Z 0-9 < in OCR-B.
#
# Data: pages of MRZ-like lines (mrz_lines.py: real layouts, fictitious
# content) rendered by render_pages.py the way the reader presents lines to
# Tesseract (deskewed, capital height ~30-40 px), from clean to degraded like
# scans and phone photos (low resolution, blur, noise, JPEG, faint and heavy
# ink, uneven light, guilloche lines), binarised, with exact boxes.
#
# No shapeclustering: it merges the shapes of D and O (and < and C) into one
# class, which made the first model read every D as O.
#
#   tools/train/train_mrz_model.sh [WORKDIR]
# Needs tesseract-ocr, fonts-ocr-b, python3-pil, python3-numpy. Fixed seeds:
# reproducible. TDV_TRAIN_PAGES pages of 40 lines (default 24) take about
# three minutes on 2 cores.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$HERE/../.."
WORK="${1:-$(mktemp -d /tmp/tdv-train-XXXXXX)}"
mkdir -p "$WORK"
cd "$WORK"
echo "work dir: $WORK" >&2

/usr/bin/python3 "$HERE/render_pages.py" . --pages "${TDV_TRAIN_PAGES:-24}" --lines 40 --seed 1
for page in mrz.OCRB.exp*.tif; do
  base="${page%.tif}"
  # box.train: features of each boxed character, one .tr file per page.
  # (Tesseract 5.3 asserts on the odd degraded page; those are left out.)
  tesseract "$page" "$base" --psm 6 box.train >/dev/null 2>&1 || rm -f "$base.tr"
done
echo "pages used: $(ls ./*.tr | wc -l)" >&2

unicharset_extractor ./*.box >/dev/null 2>&1
# font name, italic, bold, fixed pitch, serif, fraktur
echo "OCRB 0 0 1 0 0" >font_properties
mftraining -F font_properties -U unicharset -O mrz.unicharset ./*.tr >/dev/null 2>&1
cntraining ./*.tr >/dev/null 2>&1
for f in inttemp pffmtable normproto shapetable; do mv "$f" "mrz.$f"; done
combine_tessdata mrz. >/dev/null 2>&1
mkdir -p "$ROOT/models"
cp mrz.traineddata "$ROOT/models/mrz.traineddata"
ls -l "$ROOT/models/mrz.traineddata" >&2
