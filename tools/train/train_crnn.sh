#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Trains models/mrz_crnn.onnx, the learned MRZ line recogniser
# (src/vision/mrz_crnn.h), end to end: generated lines (render_ctc_lines.py;
# training, validation and calibration sets from seeds 1, 2 and 3), training
# with CTC, temperature calibration and ONNX export (train_crnn.py). Fixed
# seeds: the same arguments give the same model. Never trained on the
# development images.
#
#   tools/train/train_crnn.sh [WORKDIR]
#
# TDV_CRNN_MEMBER=2 trains the ensemble's second model instead
# (models/mrz_crnn_2.onnx): the same network and recipe on lines of other
# seeds (11 and 14 for the training lines, 17 for training; the validation
# and calibration lines are the same), so that the two err apart;
# TDV_CRNN_MEMBER=3 the third (mrz_crnn_3.onnx: 21, 24 and 27).
# TDV_CRNN_MEMBER=4 a fourth on another recipe, every line with
# render_ctc_lines.py --variety (31, 34, 37; 39 minutes here): measured and
# not kept (models/README.md, "A fourth model"); the reader reads at most
# kCrnnMaxMembers models, so the file it writes is not read.
# TDV_CRNN_MEMBER=5 another recipe, half its lines over dense security
# print (render_ctc_lines.py --security: hatching and guilloche waves a few
# pixels apart, thin pale glyphs over them; 41, 44, 47; 64 minutes here):
# measured and not kept either (models/README.md, "A fifth recipe"). After each,
# the models there are measured together (WORKDIR/ensemble.json: the sure
# threshold of the ensemble, kCrnnSure in src/vision/mrz_crnn.h).
#
# Needs Debian's python3-torch, python3-onnx, python3-opencv, python3-pil,
# python3-numpy and fonts-ocr-b (training only: the service runs the model
# with OpenCV's dnn). TDV_CRNN_LINES training lines (default 30000),
# TDV_CRNN_CUT_LINES lines cut as the reader cuts small print (default
# 20000), TDV_CRNN_STEPS steps of 32 lines (default 3500), and TDV_CRNN_STEPS2
# fine-tuning steps (default 0: none; 1500 measured); on these 2 cores each
# set of 30,000 lines takes about 12 minutes, the first stage about 58 and 1500
# fine-tuning steps about 22. A run
# stopped half way resumes from WORKDIR/checkpoint.pt (WORKDIR/stage2/ for
# the second stage). The model card (models/README.md) takes its figures
# from WORKDIR/card.json and WORKDIR/stage2/card.json.
#
# TDV_CRNN_TUNE=1 (with TDV_CRNN_MEMBER 1, 2 or 3) fine-tunes the committed
# model of that member instead of training one (train_crnn.py --init-onnx:
# the export's weights, its batch normalisations frozen): 1500 steps at a
# quarter of the learning rate on the fifth recipe's lines, half of them over
# security print (--security, seeds 41 and 44), training seeds 51, 52 and 57
# (57: the third was tuned first); WORKDIR/tune-K/mrz_crnn.onnx. About 22
# minutes here alone (models/README.md, "Fine-tuned on security print").
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$HERE/../.."
WORK="${1:-/tmp/tdv-crnn}"
mkdir -p "$WORK"
cd "$HERE"
start=$(date +%s)
gen() {  # FILE LINES SEED [render_ctc_lines.py options]
  [[ -f "$WORK/$1" ]] || /usr/bin/python3 render_ctc_lines.py "$WORK/$1" --lines "$2" --seed "$3" "${@:4}"
}
gen val.npz 2000 2
gen calib.npz 3000 3
member="${TDV_CRNN_MEMBER:-1}"
if [[ -n "${TDV_CRNN_TUNE:-}" ]]; then
  case "$member" in
    1) committed=mrz_crnn.onnx tune_seed=51 ;;
    2) committed=mrz_crnn_2.onnx tune_seed=52 ;;
    3) committed=mrz_crnn_3.onnx tune_seed=57 ;;
    *) echo "TDV_CRNN_TUNE needs TDV_CRNN_MEMBER 1, 2 or 3" >&2; exit 2 ;;
  esac
  gen security.npz "${TDV_CRNN_LINES:-30000}" 41 --security
  gen security-cut.npz "${TDV_CRNN_CUT_LINES:-20000}" 44 --cut-jitter --security
  mkdir -p "$WORK/tune-$member"
  /usr/bin/python3 train_crnn.py --train "$WORK/security.npz,$WORK/security-cut.npz" \
    --val "$WORK/val.npz" --calib "$WORK/calib.npz" --out "$WORK/tune-$member" \
    --init-onnx "$ROOT/models/$committed" --lr 5e-4 --steps 1500 --seed "$tune_seed"
  exit 0
fi
case "$member" in
  1) line_seed=1 cut_seed=4 train_seed=7 model=mrz_crnn.onnx ;;
  2) line_seed=11 cut_seed=14 train_seed=17 model=mrz_crnn_2.onnx ;;
  3) line_seed=21 cut_seed=24 train_seed=27 model=mrz_crnn_3.onnx ;;
  4) line_seed=31 cut_seed=34 train_seed=37 model=mrz_crnn_4.onnx variety=--variety ;;
  5) line_seed=41 cut_seed=44 train_seed=47 model=mrz_crnn_5.onnx variety=--security ;;
  *) echo "TDV_CRNN_MEMBER must be 1, 2, 3, 4 or 5" >&2; exit 2 ;;
esac
gen train.npz "${TDV_CRNN_LINES:-30000}" "$line_seed" ${variety:-}
# Two fifths more cut as the reader cuts small print (--cut-jitter: less
# paper above the line than below, the ink height found short), so that the
# network reads the crops the reader makes of real print, not only exact ones.
gen train-cut.npz "${TDV_CRNN_CUT_LINES:-20000}" "$cut_seed" --cut-jitter ${variety:-}
echo "lines generated in $(($(date +%s) - start)) s" >&2
/usr/bin/python3 train_crnn.py --train "$WORK/train.npz,$WORK/train-cut.npz" --val "$WORK/val.npz" \
  --calib "$WORK/calib.npz" --out "$WORK" --steps "${TDV_CRNN_STEPS:-3500}" --seed "$train_seed"
# Stage 2, only with TDV_CRNN_STEPS2 set (measured, not the committed model):
# the same network fine-tuned at a quarter of the learning rate on those
# lines and as many again with more variety (condensed and expanded glyphs,
# faded tops, overprint, motion blur; render_ctc_lines.py --variety).
if [[ "${TDV_CRNN_STEPS2:-0}" -gt 0 ]]; then
  [[ -f "$WORK/train-variety.npz" ]] || /usr/bin/python3 render_ctc_lines.py \
    "$WORK/train-variety.npz" --lines "${TDV_CRNN_LINES:-30000}" --seed 1 --variety
  mkdir -p "$WORK/stage2"
  /usr/bin/python3 train_crnn.py --train "$WORK/train.npz,$WORK/train-variety.npz" \
    --val "$WORK/val.npz" --calib "$WORK/calib.npz" --out "$WORK/stage2" \
    --init "$WORK/checkpoint.pt" --lr 5e-4 --steps "$TDV_CRNN_STEPS2"
  cp "$WORK/stage2/mrz_crnn.onnx" "$WORK/mrz_crnn.onnx"
fi
cp "$WORK/mrz_crnn.onnx" "$ROOT/models/$model"
echo "trained in $(($(date +%s) - start)) s in all" >&2
ls -l "$ROOT/models/$model" >&2
# The members there together, as the service reads with them (in turn up to
# the first missing).
members=("$ROOT/models/mrz_crnn.onnx")
for k in 2 3 4; do
  [[ -f "$ROOT/models/mrz_crnn_$k.onnx" ]] || break
  members+=("$ROOT/models/mrz_crnn_$k.onnx")
done
if [[ ${#members[@]} -gt 1 ]]; then
  /usr/bin/python3 ensemble_eval.py --val "$WORK/val.npz" --calib "$WORK/calib.npz" \
    "${members[@]}" > "$WORK/ensemble.json"
fi
