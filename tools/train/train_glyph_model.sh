#!/usr/bin/env bash
# Trains models/mrz_glyphs.yml.gz, the glyph classifier that gives the MRZ
# reader a second opinion on every symbol (src/vision/mrz_glyphs.h).
#
# Data: MRZ-like lines (mrz_lines.py) in OCR-B, rendered and degraded by
# render_glyph_lines.py (stroke weight, blur, noise, JPEG, capitals down to
# 6 px enlarged again), scaled as the reader scales a line. Features: the
# reader's own GlyphFeatures(). Network: OpenCV ANN_MLP, one hidden layer.
#
#   tools/train/train_glyph_model.sh BUILD_DIR [WORKDIR]
# Needs fonts-ocr-b, python3-pil, python3-numpy and a build with
# TDV_BUILD_BENCH=ON (train_glyph_model). Fixed seeds: reproducible.
# TDV_GLYPH_LINES training lines (default 4000) take about 5 minutes on 2 cores.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$HERE/../.."
BUILD="$(cd "${1:?usage: train_glyph_model.sh BUILD_DIR [WORKDIR]}" && pwd)"
WORK="${2:-$(mktemp -d /tmp/tdv-glyphs-XXXXXX)}"
mkdir -p "$WORK/train" "$WORK/test"
echo "work dir: $WORK" >&2
cd "$HERE"
/usr/bin/python3 render_glyph_lines.py "$WORK/train" --lines "${TDV_GLYPH_LINES:-4000}" --seed 11 &
/usr/bin/python3 render_glyph_lines.py "$WORK/test" --lines 300 --seed 12
wait
"$BUILD/tools/train/train_glyph_model" "$WORK/train" "$WORK/test" "$WORK/mrz_glyphs.yml.gz" 64 60
cp "$WORK/mrz_glyphs.yml.gz" "$ROOT/models/mrz_glyphs.yml.gz"
ls -l "$ROOT/models/mrz_glyphs.yml.gz" >&2
