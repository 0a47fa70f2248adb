#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Mode 2 of the partner exchange (docs/exchange.md) at scale, on loopback
# only: agency A (its own `tdv serve` on a fresh data directory, a signer
# certificate made here with openssl) shares a list of N generated records;
# agency B (a second data directory) subscribes to its signed feed. Prints
# the import time, the feed's size, the first subscription's time (A builds
# and signs the feed, B checks and keeps it), a second one's (unchanged), a
# third after a delta of 100 upserts and 50 deletes at A (B takes a signed
# delta and applies it to its copy), and one offline check at B. Stops by
# itself.
#
#   tools/bench/feed_bench.sh TDV_BINARY [RECORDS]
#
# RECORDS defaults to 1,000,000. FEED_BENCH_DETAILS=1: A shares each record's
# status and dates (feed_details; the records get a date reported and an
# expiry date). Needs openssl and python3.
set -euo pipefail
TDV="$(readlink -f "$1")"
RECORDS="${2:-1000000}"
details=false
[[ -n "${FEED_BENCH_DETAILS:-}" ]] && details=true
shift $(($# < 2 ? $# : 2))
B="$(mktemp -d)"
bench_prepare() {
  local a="$1"
  openssl ecparam -name prime256v1 -genkey -noout -out "$a/signer.key"
  openssl req -x509 -new -key "$a/signer.key" -subj "/CN=Agency A feed signer" -days 30 \
    -out "$a/signer.pem" 2>/dev/null
  python3 - "$RECORDS" "$a/list.csv" <<'EOF'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
with open(path, "w") as f:
    f.write("issuing_state,document_type,document_number,status,date_reported,expiry_date\n")
    for i in range(n):
        f.write("UTO,P,X%08d,stolen,2026-%02d-%02d,2031-01-01\n" % (i, 1 + i % 12, 1 + i % 28))
EOF
  local t0=$SECONDS
  "$TDV" lists import --data "$a" --list sltd --source UTO-POLICE "$a/list.csv" >/dev/null
  echo "import of $RECORDS records: $((SECONDS - t0)) s"
  cat >"$a/config.json" <<EOF
{"access_log": false, "exchange_lists": ["sltd"], "feed_details": $details,
 "feed_signer_cert": "$a/signer.pem", "feed_signer_key": "$a/signer.key"}
EOF
}
# shellcheck source=bench_server.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench_server.sh"
start_bench_server
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$DATA" "$B"' EXIT

PARTNER_KEY="$("$TDV" keys create --data "$DATA" --role partner --label "agency B" | head -1)"
"$TDV" exchange feed-key --data "$DATA" "${PARTNER_KEY:4:16}" >"$B/a.feed-key"
echo "$PARTNER_KEY" >"$B/a.key"
cat >"$B/config.json" <<EOF
{"partners": [{"name": "agency-a", "url": "http://127.0.0.1:$PORT", "key_file": "$B/a.key",
  "timeout_seconds": 300,
  "feed": {"list": "sltd", "key_file": "$B/a.feed-key", "signer": "$DATA/signer.pem"}}]}
EOF
now() { date +%s.%N; }
t0=$(now)
"$TDV" lists subscribe --data "$B"
t1=$(now)
"$TDV" lists subscribe --data "$B"
t2=$(now)
python3 - "$DATA/delta.csv" <<'EOF'
import sys
with open(sys.argv[1], "w") as f:
    f.write("op,issuing_state,document_type,document_number,status\n")
    for i in range(100):
        f.write("upsert,UTO,P,Y%08d,lost\n" % i)
    for i in range(50):
        f.write("delete,UTO,P,X%08d,stolen\n" % (2 * i + 1))
EOF
"$TDV" lists import --data "$DATA" --list sltd --source UTO-POLICE --delta "$DATA/delta.csv" >/dev/null
t3=$(now)
"$TDV" lists subscribe --data "$B"
t4=$(now)
kill $SERVER
wait $SERVER 2>/dev/null || true
# B offline: a listed number is a hit (a check with A stopped).
python3 - "$TDV" "$B" <<'EOF'
import json, subprocess, sys, time
W = (7, 3, 1)
def val(c): return int(c) if c.isdigit() else (0 if c == "<" else ord(c) - 55)
def cd(s): return str(sum(val(c) * W[i % 3] for i, c in enumerate(s)) % 10)
num = "X00000042"
l2 = num + cd(num) + "UTO" + "740812" + cd("740812") + "F" + "301231" + cd("301231") + "<" * 14
l2 += cd("<" * 14)
l2 += cd(l2[0:10] + l2[13:20] + l2[21:43])
mrz = "P<UTOERIKSSON<<ANNA<MARIA" + "<" * 19 + "\n" + l2
t = time.monotonic()
r = subprocess.run([sys.argv[1], "check", "--data", sys.argv[2], "--mrz", mrz, "--allow-specimens",
                    "--json"], capture_output=True, text=True)
p = json.loads(r.stdout)["partners"][0]
print("offline check at B (A stopped): %s, %.2f s whole process (loading the kept feed)"
      % (p["status"], time.monotonic() - t))
EOF
python3 - "$t0" "$t1" "$t2" "$B/feeds/agency-a.feed" "$RECORDS" "$t3" "$t4" \
  "$B/feeds/agency-a.delta.1" <<'EOF'
import os, sys
t0, t1, t2 = map(float, sys.argv[1:4])
t3, t4 = map(float, sys.argv[6:8])
size = os.path.getsize(sys.argv[4])
print("feed of %s records: %.1f MB signed answer (%.1f bytes a record)"
      % (sys.argv[5], size / 1e6, size / int(sys.argv[5])))
print("subscribe, first (A builds and signs, B checks and keeps): %.1f s" % (t1 - t0))
print("subscribe again (unchanged): %.2f s" % (t2 - t1))
delta = os.path.getsize(sys.argv[8]) if os.path.exists(sys.argv[8]) else 0
print("subscribe after 100 upserts and 50 deletes at A (a delta, %.1f kB signed): %.2f s"
      % (delta / 1e3, t4 - t3))
EOF
