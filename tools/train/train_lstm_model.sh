#!/usr/bin/env bash
# Trains an LSTM model (tesseract --oem 1) for the MRZ alphabet on the same
# synthetic lines as the legacy model (render_lstm_lines.py), from scratch
# (a small network: the alphabet has 37 symbols in one font), and compares it
# with models/mrz.traineddata on held-out lines (another seed), line by line.
# The better one is what models/ ships; the comparison is printed at the end.
#
#   tools/train/train_lstm_model.sh [WORKDIR]
# Env: TDV_LSTM_LINES (training lines, default 3000), TDV_LSTM_ITERATIONS
# (default 4000). Needs tesseract-ocr (lstmtraining, combine_lang_model),
# fonts-ocr-b, python3-pil, python3-numpy.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$HERE/../.."
WORK="${1:-$(mktemp -d /tmp/tdv-lstm-XXXXXX)}"
mkdir -p "$WORK"
cd "$WORK"
echo "work dir: $WORK" >&2

if [[ ! -s train.list ]]; then
  /usr/bin/python3 "$HERE/render_lstm_lines.py" train --lines "${TDV_LSTM_LINES:-3000}" --seed 1
  /usr/bin/python3 "$HERE/render_lstm_lines.py" eval --lines 300 --seed 4242
  # One .lstmf per line (image + WordStr box).
  ls train/*.png eval/*.png | xargs -P "$(nproc)" -I{} sh -c 'tesseract "{}" "${1%.png}" --psm 13 lstm.train >/dev/null 2>&1' _ {}
  ls train/*.lstmf >train.list
  ls eval/*.lstmf >eval.list
fi

cat train/*.gt.txt >all.txt
unicharset_extractor --output_unicharset unicharset --norm_mode 1 all.txt >/dev/null 2>&1
mkdir -p script
set_unicharset_properties -U unicharset -O unicharset --script_dir=script >/dev/null 2>&1
# combine_lang_model needs a radical-stroke table (for CJK); one line
# "CODEPOINT RADICAL" in decimal is enough for this alphabet.
printf '19968 1\n' >script/radical-stroke.txt
rm -rf lang && mkdir -p lang
combine_lang_model --input_unicharset unicharset --script_dir script --output_dir lang --lang mrz >/dev/null 2>&1

mkdir -p ckpt
# The output layer has one unit per unicharset entry (first line: the count).
outputs="$(head -1 unicharset)"
lstmtraining --traineddata lang/mrz/mrz.traineddata \
  --net_spec "[1,36,0,1 Ct3,3,16 Mp3,3 Lfys48 Lfx96 Lrx96 Lfx192 O1c$outputs]" \
  --model_output ckpt/mrz --learning_rate 0.002 \
  --train_listfile train.list --eval_listfile eval.list \
  --max_iterations "${TDV_LSTM_ITERATIONS:-4000}" --target_error_rate 0.002 >training.log 2>&1
grep -E "^At iteration|Finished" training.log | tail -5
lstmtraining --stop_training --continue_from ckpt/mrz_checkpoint \
  --traineddata lang/mrz/mrz.traineddata --model_output mrz_lstm.traineddata >/dev/null 2>&1
mkdir -p models && cp mrz_lstm.traineddata models/ && cp "$ROOT/models/mrz.traineddata" models/

# Held-out comparison: each eval line read as one line by both engines.
for png in eval/*.png; do
  b="${png%.png}"
  tesseract "$png" "$b.lstm" --tessdata-dir models -l mrz_lstm --oem 1 --psm 13 >/dev/null 2>&1
  tesseract "$png" "$b.legacy" --tessdata-dir models -l mrz --oem 0 --psm 13 \
    -c tessedit_char_whitelist='ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<' >/dev/null 2>&1
done
/usr/bin/python3 - "$HERE" <<'PY'
import glob, sys
sys.path.insert(0, sys.argv[1])
from cer import report
for engine in ("legacy", "lstm"):
    pairs = []
    for gt in sorted(glob.glob("eval/*.gt.txt")):
        got = open(gt.replace(".gt.txt", "." + engine + ".txt")).read().strip().replace(" ", "")
        pairs.append((open(gt).read().strip(), got))
    report("%-6s held-out" % engine, pairs)
PY
ls -l mrz_lstm.traineddata >&2
