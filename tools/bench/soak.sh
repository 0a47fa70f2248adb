#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A soak of `tdv serve` on loopback: MINUTES of mixed traffic (MRZ text,
# images, seals, batches; a list delta through the admin endpoint every 5 s;
# an officer key made, used and revoked every 30 s) from tools/bench/soak.py,
# the server's RSS sampled every 10 s, a line per window (RSS, text rate,
# p99 per kind, errors so far); then `tdv audit verify` on the trail the soak
# wrote. Starts its own server on a fresh data directory with the committed
# trust store (samples/signatures/trust) and stops it; the load stops by
# itself.
#
#   tools/bench/soak.sh TDV_BINARY [MINUTES]
#
# Needs python3 (scripts/dev.sh test installs it). Exit code 1 when an
# answer was not the expected one, the server died or the chain is broken.
set -euo pipefail
TDV="$1"
MINUTES="${2:-30}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$HERE/../.."
DATA="$(mktemp -d)"
PORT=$((20000 + RANDOM % 20000))
echo '{"access_log": false}' >"$DATA/config.json"
T="$ROOT/samples/signatures/trust"
"$TDV" trust import --data "$DATA" "$T/de-old.pem" "$T/de-link.pem" "$T/crl-de-new.pem" \
  "$T/seal-dets.pem" "$T/seal-nlab.pem" "$T/ds-de.pem" >/dev/null
"$TDV" lists import --data "$DATA" --list demo --source TDV-DEMO "$ROOT/samples/lists/demo-sltd.csv" >/dev/null
"$TDV" serve --data "$DATA" --listen "127.0.0.1:$PORT" >"$DATA/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$DATA"' EXIT
for _ in $(seq 50); do
  grep -q "serving on" "$DATA/serve.log" 2>/dev/null && break
  sleep 0.1
done
KEY="$(cat "$DATA/admin.key")"
echo "tdv serve on 127.0.0.1:$PORT ($(nproc) cores shared with the clients), $MINUTES minutes"
rc=0
python3 "$HERE/soak.py" "$PORT" --key "$KEY" --pid "$SERVER" --tdv "$TDV" --data "$DATA" \
  --minutes "$MINUTES" || rc=1
kill -TERM "$SERVER"
wait "$SERVER" || rc=1
"$TDV" audit verify --data "$DATA" || rc=1
exit "$rc"
