#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Mode 1 of the partner exchange (docs/exchange.md) at scale, on loopback
# only: `tdv serve` shares a list of N generated records and publishes its
# OPRF outputs; then a delta of 100 upserts and 50 deletes is imported, and
# the outputs follow it. Prints, from the server's log, the time of the
# first publication (every record evaluated) and of the update (only the
# records that changed), and the outputs' total after each; then a partner
# holding the first publication fetches the outputs whole and as a delta
# (GET /v1/exchange/outputs?since=SEQ), each timed. Stops by itself.
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
FIRST_SEQ="$(wait_for 'outputs of 1 shared list(s) published' | sed -n 's/.*(sequence \([0-9]*\)).*/\1/p')"
"$TDV" lists import --data "$DATA" --list sltd --source UTO-POLICE --delta "$DATA/delta.csv" \
  >/dev/null
echo "after a delta of 100 upserts and 50 deletes: $(wait_for 'updated with')"
# A partner holding the first publication's outputs fetches them again:
# whole (pages of 100,000) against what changed since (?since=SEQ).
KEY="$("$TDV" keys create --data "$DATA" --role partner --label "agency B" | head -1)"
python3 - "$PORT" "$KEY" "$FIRST_SEQ" <<'PY'
import json, sys, time, urllib.request
port, key, first = sys.argv[1], sys.argv[2], int(sys.argv[3])
def get(q):
    r = urllib.request.Request("http://127.0.0.1:%s/v1/exchange/outputs?%s" % (port, q),
                               headers={"Authorization": "Bearer " + key})
    body = urllib.request.urlopen(r, timeout=600).read()
    return json.loads(body), len(body)
t = time.monotonic()
got, size, offset, total = 0, 0, 0, None
while total is None or offset < total:
    j, n = get("limit=100000&offset=%d" % offset)
    total, offset, size = j["total"], offset + len(j["outputs"]), size + n
whole = time.monotonic() - t
t = time.monotonic()
j, n = get("since=%d&limit=100000" % first)
delta = time.monotonic() - t
print("a partner's fetch of the outputs whole: %d entries, %.1f MB, %.2f s" % (total, size / 1e6, whole))
print("the same partner's fetch of what changed since sequence %d: %d added, %d removed, %.1f kB, %.3f s"
      % (first, len(j.get("added", [])), len(j.get("removed", [])), n / 1e3, delta))
PY
