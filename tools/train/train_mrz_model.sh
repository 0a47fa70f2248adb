#!/usr/bin/env bash
# Trains models/mrz.traineddata: a Tesseract legacy-engine (--oem 0) model for
# the MRZ alphabet A-Z 0-9 < in OCR-B, from synthetic lines rendered by
# text2image at several sizes and exposures, with text2image's degradation
# (blur, noise, rotation). Reproducible: fixed seeds.
#   tools/train/train_mrz_model.sh [WORKDIR]   (needs tesseract-ocr, fonts-ocr-b, python3)
# Takes about a minute on 2 cores. See tools/train/README.md.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$HERE/../.."
WORK="${1:-$(mktemp -d /tmp/tdv-train-XXXXXX)}"
FONTS=/usr/share/fonts/opentype/ocr-b
mkdir -p "$WORK"
cd "$WORK"
echo "work dir: $WORK" >&2

# Training text: MRZ-like lines (real layouts, random fictitious content).
python3 "$HERE/mrz_lines.py" --seed 1 --lines 400 >train.txt

# Exposures and sizes: thin and heavy ink, small and large print.
i=0
for ptsize in 10 12 14; do
  for exposure in -1 0 1; do
    base="mrz.OCRB.exp$i"
    text2image --text=train.txt --outputbase="$base" --font='OCR B' --fonts_dir="$FONTS" \
      --ptsize="$ptsize" --exposure="$exposure" --resolution=300 --char_spacing=0.0 \
      --leading=32 --xsize=3600 --ysize=4800 --margin=100 --degrade_image=true \
      --rotate_image=true --max_pages=1 >/dev/null 2>&1
    # box.train: one .tr feature file per page image.
    tesseract "$base.tif" "$base" --psm 6 -l eng box.train >/dev/null 2>&1 ||
      tesseract "$base.tif" "$base" --psm 6 box.train >/dev/null 2>&1
    i=$((i + 1))
  done
done

unicharset_extractor ./*.box >/dev/null 2>&1
# font name, italic, bold, fixed pitch, serif, fraktur
echo "OCRB 0 0 1 0 0" >font_properties
shapeclustering -F font_properties -U unicharset ./*.tr >/dev/null 2>&1
mftraining -F font_properties -U unicharset -O mrz.unicharset ./*.tr >/dev/null 2>&1
cntraining ./*.tr >/dev/null 2>&1
for f in inttemp pffmtable normproto shapetable; do mv "$f" "mrz.$f"; done
combine_tessdata mrz. >/dev/null 2>&1
mkdir -p "$ROOT/models"
cp mrz.traineddata "$ROOT/models/mrz.traineddata"
ls -l "$ROOT/models/mrz.traineddata" >&2
