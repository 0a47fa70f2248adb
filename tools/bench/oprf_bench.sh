#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Mode 1 of the partner exchange on loopback only (docs/exchange.md): a
# partner's document checks against `tdv serve` (POST /v1/exchange/evaluate
# with a partner key, the audit trail on, the partner role's rate limit
# raised out of the way), one request a document with 2 blinded elements
# (its exact probe and one look-alike) and with 8 (the most a document
# makes), wrk at 16 connections, RUNS runs of SECONDS each, every run
# printed: requests (checks) a second, elements a second, p50 and p99.
# Starts its own `tdv serve` on a fresh data directory and stops it; every
# load stops by itself.
#
#   tools/bench/oprf_bench.sh TDV_BINARY [RUNS] [SECONDS]
#
# Needs wrk (scripts/dev.sh test installs it).
set -euo pipefail
TDV="$(readlink -f "$1")"
RUNS="${2:-3}"
SECONDS_EACH="${3:-8}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bench_prepare() {
  local a="$1"
  printf 'issuing_state,document_type,document_number,status\nUTO,P,S0002068,stolen\n' >"$a/list.csv"
  "$TDV" lists import --data "$a" --list sltd --source UTO-POLICE "$a/list.csv" >/dev/null
  printf '{"access_log": false, "exchange_lists": ["sltd"], "rate_limits": {"partner": 1000000}}\n' \
    >"$a/config.json"
}
# shellcheck source=bench_server.sh
source "$HERE/bench_server.sh"
start_bench_server
TDV_KEY="$("$TDV" keys create --data "$DATA" --role partner --label "agency B" | head -1)"
export TDV_KEY
echo "tdv serve on 127.0.0.1:$PORT ($(nproc) cores; wrk on the same cores), audit on"
for n in 2 8; do
  for r in $(seq "$RUNS"); do
    TDV_ELEMENTS=$n wrk -t2 -c16 -d"${SECONDS_EACH}s" --latency -s "$HERE/evaluate_post.lua" \
      "http://127.0.0.1:$PORT/v1/exchange/evaluate" |
      awk -v n="$n" -v r="$r" '
        / 50%/ {p50 = $2} / 99%/ {p99 = $2} /Requests\/sec/ {rate = $2}
        /Non-2xx|Socket errors/ {errors = errors " " $0}
        END {printf "evaluate, %d elements a check, run %d: %7.0f checks/s (%6.0f elements/s)  p50 %-8s p99 %-8s%s\n",
             n, r, rate, rate * n, p50, p99, errors == "" ? "  no errors" : errors}'
  done
done
