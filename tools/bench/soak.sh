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
# The committed trust store and sample list.
bench_prepare() {
  local t="$ROOT/samples/signatures/trust"
  "$TDV" trust import --data "$1" "$t/de-old.pem" "$t/de-link.pem" "$t/crl-de-new.pem" \
    "$t/seal-dets.pem" "$t/seal-nlab.pem" "$t/ds-de.pem" >/dev/null
  "$TDV" lists import --data "$1" --list demo --source TDV-DEMO "$ROOT/samples/lists/demo-sltd.csv" \
    >/dev/null
}
# shellcheck source=bench_server.sh
source "$HERE/bench_server.sh"
start_bench_server
echo "tdv serve on 127.0.0.1:$PORT ($(nproc) cores shared with the clients), $MINUTES minutes"
rc=0
python3 "$HERE/soak.py" "$PORT" --key "$KEY" --pid "$SERVER" --tdv "$TDV" --data "$DATA" \
  --minutes "$MINUTES" || rc=1
kill -TERM "$SERVER"
wait "$SERVER" || rc=1
"$TDV" audit verify --data "$DATA" || rc=1
exit "$rc"
