#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Lists at scale in the service (issue 26), on loopback only. Starts
# `tdv serve` on a lists store already filled (`bench_lists --store URL`
# keeps its store and its list `bench`) and prints: the time until it serves
# (its in-memory index built from the store), its resident memory then and
# at its peak (VmRSS, VmHWM), verify latency by wrk (MRZ text, the list
# lookup included) for SECONDS, then the same while `tdv lists import
# --delta` applies DELTA upserts to the list (new numbers, as one file) and
# the service follows them, the time the import took and when the service
# had them, and the peak memory at the end. Stops the service and removes
# its data directory (not the store, which keeps the admin key it makes) on
# exit; every load stops by itself.
#
#   tools/bench/serve_lists_bench.sh TDV_BINARY STORE_URL [SECONDS] [DELTA]
#
# Needs wrk and python3 (scripts/dev.sh test installs both).
set -euo pipefail
TDV="$(realpath "$1")"
STORE="$2"
SECONDS_EACH="${3:-10}"
DELTA="${4:-100000}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DATA="$(mktemp -d)"
PORT=$((20000 + RANDOM % 20000))
echo '{"access_log": false, "lists_refresh_seconds": 1}' >"$DATA/config.json"
since() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", b - a}'; }
mem() { awk '/VmRSS|VmHWM/ {printf "%s %.2f GB  ", $1, $2 / 1048576} END {print ""}' "/proc/$SERVER/status"; }
# A key of its own (the store keeps the keys: a store used before has its
# first admin key already, and no admin.key is written again).
TDV_KEY="$("$TDV" keys create --data "$DATA" --store "$STORE" --role admin \
  --label serve_lists_bench 2>/dev/null | head -1)"
export TDV_KEY
start=$(date +%s.%N)
"$TDV" serve --data "$DATA" --store "$STORE" --listen "127.0.0.1:$PORT" >"$DATA/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$DATA"' EXIT
until grep -q "serving on" "$DATA/serve.log" 2>/dev/null; do
  kill -0 $SERVER 2>/dev/null || { cat "$DATA/serve.log"; exit 1; }
  sleep 0.5
done
echo "serving after $(since "$start" "$(date +%s.%N)") s; $(mem)"
load() {
  wrk -t1 -c8 -d"${SECONDS_EACH}s" --latency -s "$HERE/verify_post.lua" \
    "http://127.0.0.1:$PORT/v1/verify" |
    awk -v what="$1" '/ 50%/ {p50 = $2} / 99%/ {p99 = $2} /Requests\/sec/ {rate = $2}
      /Non-2xx|Socket errors/ {errors = errors " " $0}
      END {printf "%s: %s req/s, p50 %s, p99 %s%s\n", what, rate, p50, p99, errors}'
}
load "verify, 8 connections"
mem
[[ "$DELTA" -gt 0 ]] || exit 0
# DELTA new records, of a state bench_lists never lists (NOR), numbers
# under a prefix drawn at random (a store used again gets new ones).
python3 - "$DELTA" >"$DATA/delta.csv" <<'EOF'
import random, string, sys
prefix = "".join(random.choice(string.ascii_uppercase) for _ in range(2))
print("op,issuing_state,document_type,document_number,status,reporting_agency,date_reported")
for i in range(int(sys.argv[1])):
    print("upsert,NOR,P,%s%07d,stolen,BENCH,2026-12-01" % (prefix, i))
EOF
# The records of the list in the service's index (its metrics), not the
# store's count: the service has the delta when its index holds it.
indexed() {
  curl -s -H "Authorization: Bearer $TDV_KEY" "http://127.0.0.1:$PORT/metrics" |
    awk '/^tdv_list_records\{list="bench"/ {printf "%d", $2}'
}
before=$(indexed)
load "verify while the delta is applied" &
LOAD=$!
t0=$(date +%s.%N)
"$TDV" lists import --data "$DATA" --store "$STORE" --list bench --source BENCH --delta \
  "$DATA/delta.csv" >/dev/null
t1=$(date +%s.%N)
until [[ "$(indexed)" -ge $((before + DELTA)) ]]; do
  (($(date +%s) - ${t1%.*} < 600)) || { echo "the service did not follow the delta in 10 minutes"; exit 1; }
  sleep 0.2
done
t2=$(date +%s.%N)
wait $LOAD
echo "delta of $DELTA upserts: imported in $(since "$t0" "$t1") s, in the service's index $(since "$t0" "$t2") s after the import began"
mem
