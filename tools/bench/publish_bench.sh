#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Mode 1 of the partner exchange (docs/exchange.md) at scale, on loopback
# only: `tdv serve` shares a list of N generated records and publishes its
# OPRF outputs; then a delta of 100 upserts and 50 deletes is imported, and
# the outputs follow it. Prints, from the server's log, the time of the
# first publication (every record evaluated) and of the update (only the
# records that changed), and the outputs' total after each. Stops by itself.
#
#   tools/bench/publish_bench.sh TDV_BINARY [RECORDS]
#
# RECORDS defaults to 1,000,000. Needs python3.
set -euo pipefail
TDV="$(readlink -f "$1")"
RECORDS="${2:-1000000}"
shift $(($# < 2 ? $# : 2))
bench_prepare() {
  local a="$1"
  python3 - "$RECORDS" "$a/list.csv" "$a/delta.csv" <<'PY'
import sys
n, full, delta = int(sys.argv[1]), sys.argv[2], sys.argv[3]
with open(full, "w") as f:
    f.write("issuing_state,document_type,document_number,status\n")
    for i in range(n):
        f.write("UTO,P,X%08d,stolen\n" % i)
with open(delta, "w") as f:
    f.write("op,issuing_state,document_type,document_number,status\n")
    for i in range(100):
        f.write("upsert,UTO,P,Y%08d,stolen\n" % i)
    for i in range(50):
        f.write("delete,UTO,P,X%08d,stolen\n" % (i * 7))
PY
  "$TDV" lists import --data "$a" --list sltd --source UTO-POLICE "$a/list.csv" >/dev/null
  printf '{"access_log": false, "exchange_lists": ["sltd"], "lists_refresh_seconds": 1}\n' \
    >"$a/config.json"
}
# shellcheck source=bench_server.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench_server.sh"
start_bench_server
wait_for() {  # PATTERN: the log's line, once it is there (up to 30 minutes)
  for _ in $(seq 18000); do
    if grep -q "$1" "$DATA/serve.log"; then
      grep "$1" "$DATA/serve.log" | tail -1
      return
    fi
    sleep 0.1
  done
  echo "timed out waiting for: $1" >&2
  exit 1
}
echo "first publication ($RECORDS records): $(wait_for 'outputs of 1 shared list(s) published')"
"$TDV" lists import --data "$DATA" --list sltd --source UTO-POLICE --delta "$DATA/delta.csv" \
  >/dev/null
echo "after a delta of 100 upserts and 50 deletes: $(wait_for 'updated with')"
