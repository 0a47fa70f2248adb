#!/usr/bin/env bash
# Trains an LSTM model for the MRZ alphabet from scratch on single lines
# rendered like the reader's deskewed line crops (render_lines.py), CPU only.
#   tools/train/train_lstm.sh WORKDIR [ITERATIONS]   -> WORKDIR/mrz.traineddata
# ~0.5 s per iteration on these machines: run it in the background.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
WORK="$1"
ITER="${2:-6000}"
mkdir -p "$WORK/lines" "$WORK/script" "$WORK/out"
cd "$WORK"
/usr/bin/python3 "$HERE/render_lines.py" lines --count "${TDV_TRAIN_LINES:-3000}" --seed 7
# .lstmf per line (and a few held out for evaluation).
ls lines/*.png | while read -r png; do
  base="${png%.png}"
  tesseract "$png" "$base" --psm 7 lstm.train >/dev/null 2>&1 || true
done
ls lines/*.lstmf | sort >all.txt
head -n -200 all.txt >train.txt
tail -n 200 all.txt >eval.txt
# The unicharset and a starter traineddata for the MRZ alphabet.
cat lines/*.gt.txt >all-gt.txt
unicharset_extractor --norm_mode 1 --output_unicharset unicharset all-gt.txt >/dev/null 2>&1
printf '4e00\t1.0\n' >script/radical-stroke.txt
mkdir -p out/starter
combine_lang_model --input_unicharset unicharset --script_dir script --lang mrz \
  --output_dir out/starter >/dev/null 2>&1
classes=$(($(head -1 unicharset)))
lstmtraining --net_spec "[1,36,0,1 Ct3,3,16 Mp3,3 Lfys48 Lfx96 Lrx96 Lfx128 O1c${classes}]" \
  --model_output out/mrz --traineddata out/starter/mrz/mrz.traineddata \
  --train_listfile train.txt --eval_listfile eval.txt --learning_rate 0.002 \
  --max_iterations "$ITER" --target_error_rate 0.2 2>&1 | grep -E "At iteration|Finished|best" | tail -40
lstmtraining --stop_training --continue_from out/mrz_checkpoint \
  --traineddata out/starter/mrz/mrz.traineddata --model_output mrz.traineddata
ls -l mrz.traineddata
