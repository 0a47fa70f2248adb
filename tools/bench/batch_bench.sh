#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# POST /v1/verify/batch throughput and memory, on loopback only: starts its
# own `tdv serve` on a fresh data directory (key, audit trail on), streams N
# generated MRZ-text items through one batch request with curl (sending and
# reading at once), and prints items/s and the server's resident memory,
# sampled every second, so that a flat line can be seen. Stops by itself.
#
#   tools/bench/batch_bench.sh TDV_BINARY [ITEMS] [-- tdv serve options]
#
# ITEMS defaults to 1,000,000. Needs curl and python3.
set -euo pipefail
TDV="$1"
ITEMS="${2:-1000000}"
shift $(($# < 2 ? $# : 2))
[[ "${1:-}" == "--" ]] && shift
# shellcheck source=bench_server.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench_server.sh"
start_bench_server "$@"

# Resident memory of the server, once a second, until the batch ends.
start_sampler() {
(
  while kill -0 $SERVER 2>/dev/null; do
    awk '/^VmRSS/ {print $2}' "/proc/$SERVER/status" >>"$DATA/rss"
    sleep 1
  done
) &
SAMPLER=$!
}

# Items with distinct document numbers (check digits computed), the ICAO
# specimen otherwise; written to a file first (not timed; about 160 bytes an
# item), so that the client's work is curl's alone.
generate() {
  python3 - "$ITEMS" <<'EOF'
import sys
n = int(sys.argv[1])
W = (7, 3, 1)
def val(c):
    return int(c) if c.isdigit() else (0 if c == "<" else ord(c) - 55)
def cd(s):
    return str(sum(val(c) * W[i % 3] for i, c in enumerate(s)) % 10)
out = sys.stdout
buf = []
for i in range(n):
    num = "L%08d" % (i % 100000000)
    rest = "UTO7408122F1204159ZE184226B<<<<<1"
    l2 = num + cd(num) + rest
    composite = num + cd(num) + l2[13:20] + l2[21:43]
    l2 += cd(composite)
    buf.append('{"id":%d,"mrz":"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\\n%s",'
               '"allow_specimens":true,"as_of":"2011-06-01"}\n' % (i, l2))
    if len(buf) == 10000:
        out.write("".join(buf))
        buf = []
out.write("".join(buf))
EOF
}
generate >"$DATA/items.ndjson"
start_sampler
START=$(date +%s.%N)
curl -sS -N -X POST -H "Authorization: Bearer $KEY" -H "Content-Type: application/x-ndjson" \
  -T "$DATA/items.ndjson" "http://127.0.0.1:$PORT/v1/verify/batch" |
  python3 -c '
import sys
tail = b""
while True:
    chunk = sys.stdin.buffer.read1(1 << 22)
    if not chunk:
        break
    tail = (tail + chunk)[-300:]
print(tail.decode(errors="replace").strip().split("\n")[-1])
' >"$DATA/summary"
END=$(date +%s.%N)
kill $SAMPLER 2>/dev/null || true
cat "$DATA/summary"
python3 - "$ITEMS" "$START" "$END" "$DATA/rss" "$DATA/summary" <<'EOF'
import json, os, sys
sent, start, end = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
rss = [int(x) / 1024 for x in open(sys.argv[4]).read().split()]
# The rate counts the items the server says it answered (its summary line),
# not the items sent: a batch cut short must not read as a fast one.
try:
    items = int(json.loads(open(sys.argv[5]).read())["summary"]["items"])
except (ValueError, KeyError, TypeError):
    sys.exit("no summary line: the batch did not complete (%d items sent)" % sent)
if items != sent:
    print("only %d of %d items answered" % (items, sent))
print("%d items answered in %.1f s: %.0f items/s (client and server on the same %d cores)"
      % (items, end - start, items / (end - start), os.cpu_count()))
if rss:
    print("server RSS MB, each second: " + " ".join("%.0f" % r for r in rss))
    print("RSS: first %.0f MB, max %.0f MB, last %.0f MB" % (rss[0], max(rss), rss[-1]))
EOF
