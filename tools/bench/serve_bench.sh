#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The service targets in one run, on loopback only: MRZ-text verify with an
# API key and the audit trail on (wrk, 16 and 64 connections, RUNS runs each,
# every run printed), then a new client's latency with 1,000 idle and 1,000
# silent connections held open (stall_probe.py). Starts its own `tdv serve`
# on a fresh data directory and stops it; every load stops by itself.
#
#   tools/bench/serve_bench.sh TDV_BINARY [RUNS] [SECONDS] [-- tdv serve options]
#
# Needs wrk and python3 (scripts/dev.sh test installs both).
set -euo pipefail
TDV="$1"
RUNS="${2:-3}"
SECONDS_EACH="${3:-8}"
shift $(($# < 3 ? $# : 3))
[[ "${1:-}" == "--" ]] && shift
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=bench_server.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench_server.sh"
start_bench_server "$@"
export TDV_KEY="$KEY"
echo "tdv serve $* on 127.0.0.1:$PORT ($(nproc) cores; wrk on the same cores)"
for c in 16 64; do
  for r in $(seq "$RUNS"); do
    wrk -t2 -c"$c" -d"${SECONDS_EACH}s" --latency -s "$HERE/verify_post.lua" \
      "http://127.0.0.1:$PORT/v1/verify" |
      awk -v c="$c" -v r="$r" '
        / 50%/ {p50 = $2} / 99%/ {p99 = $2} /Requests\/sec/ {rate = $2}
        /Non-2xx|Socket errors/ {errors = errors " " $0}
        END {printf "verify c=%-3d run %d: %8.0f req/s  p50 %-8s p99 %-8s%s\n", c, r, rate, p50, p99,
             errors == "" ? "  no errors" : errors}'
  done
done
python3 "$HERE/stall_probe.py" "$PORT" --idle 1000 --silent 1000 --key "$KEY"
