#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `tdv bulk` on image applications: ROWS rows (default 600), each a page of
# IMAGE_DIR (gen_samples.py output, *.jpg, taken in turn), checked with
# --jobs 1 and with --jobs N (default: the cores), in one run. Prints the
# reader's own time per image (bench_mrz_images, one thread), each run's
# rows/s and the speedup of N jobs over one: the issue-14 target is the
# image pipeline's rate times the cores. Local files only; stops by itself;
# removes its data directory.
#
#   tools/bench/bulk_images_bench.sh TDV_BINARY BENCH_MRZ_IMAGES IMAGE_DIR [ROWS] [JOBS]
set -euo pipefail
TDV="$1"
BENCH="$2"
IMAGES="$(cd "$3" && pwd)"
ROWS="${4:-600}"
JOBS="${5:-$(nproc)}"
DATA="$(mktemp -d /tmp/tdv-bulk-images-XXXXXX)"
trap 'rm -rf "$DATA"' EXIT

echo "the reader alone, one thread (bench_mrz_images $IMAGES):"
"$BENCH" "$IMAGES" | grep -E "^(level|all) "

mapfile -t pages < <(find "$IMAGES" -maxdepth 1 -name '*.jpg' | sort)
if [[ ${#pages[@]} -eq 0 ]]; then
  echo "no *.jpg in $IMAGES" >&2
  exit 2
fi
{
  echo "id,image"
  for ((i = 0; i < ROWS; ++i)); do echo "R$i,${pages[i % ${#pages[@]}]}"; done
} >"$DATA/apps.csv"

rate() {  # JOBS -> rows/s
  local start end
  start=$(date +%s.%N)
  "$TDV" bulk "$DATA/apps.csv" --data "$DATA" --out "$DATA/out-$1.jsonl" --jobs "$1" \
    --progress none 2>"$DATA/err-$1" || true
  end=$(date +%s.%N)
  python3 -c "print('%.2f' % ($ROWS / ($end - $start)))"
}
one=$(rate 1)
many=$(rate "$JOBS")
echo "tdv bulk, $ROWS image rows of ${#pages[@]} pages: --jobs 1 $one rows/s, --jobs $JOBS $many rows/s"
python3 -c "print('speedup with $JOBS jobs: %.2f x (ideal $JOBS x)' % ($many / $one))"
tail -1 "$DATA/out-$JOBS.jsonl"
