#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Hostile clients against `tdv serve` with TLS (TDV_HOSTILE_PLAIN=1: plain
# HTTP, as behind a proxy that ends TLS), on loopback only, each for
# SECONDS while legitimate clients (wrk, 16 connections, MRZ-text verify
# with a valid key) measure their latency; then one table: per attack, the
# legitimate clients' rate, p50, p99 and errors, what the attack got
# (tools/bench/hostile.py), and how many requests the access log shows
# refused. Starts its own server on a fresh data directory (a self-signed
# certificate made with openssl) and stops it; every load stops by itself.
#
#   tools/bench/hostile_clients.sh TDV_BINARY [SECONDS [ATTACK...]]
#
# ATTACKs (default: all of them, "none" first) are those of hostile.py and
# wrongkeys.
# Needs wrk, python3 and openssl (scripts/dev.sh test installs them).
set -euo pipefail
TDV="$1"
SECONDS_EACH="${2:-10}"
ATTACKS=("${@:3}")
[[ ${#ATTACKS[@]} -gt 0 ]] || ATTACKS=(none slowloris slowbody slowlarge hugebody bombs bigbatch wrongkeys tlsstall)
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PLAIN="${TDV_HOSTILE_PLAIN:-0}"
# A self-signed certificate, TLS on, the access log kept (what was refused).
bench_prepare() {
  if [[ "$PLAIN" == 1 ]]; then
    printf '{"access_log": true}\n' >"$1/config.json"
    return
  fi
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=127.0.0.1 \
    -keyout "$1/tls.key" -out "$1/tls.crt" 2>/dev/null
  printf '{"tls_cert": "%s", "tls_key": "%s", "access_log": true}\n' "$1/tls.crt" "$1/tls.key" \
    >"$1/config.json"
}
# shellcheck source=bench_server.sh
source "$HERE/bench_server.sh"
start_bench_server
SCHEME=https TLS_FLAG=--tls
[[ "$PLAIN" == 1 ]] && SCHEME=http TLS_FLAG=
URL="$SCHEME://127.0.0.1:$PORT/v1/verify"
echo "tdv serve ($SCHEME) on 127.0.0.1:$PORT ($(nproc) cores shared by server, attack and wrk); $SECONDS_EACH s each"

# The legitimate clients' figures for one window: "rate p50 p99 errors".
legit() {
  TDV_KEY="$KEY" wrk -t1 -c16 -d"${SECONDS_EACH}s" --latency -s "$HERE/verify_post.lua" "$URL" |
    awk '/ 50%/ {p50 = $2} / 99%/ {p99 = $2} /Requests\/sec/ {rate = $2}
         /Non-2xx/ {e += $NF} /Socket errors/ {e += $4 + $6 + $8 + $10}
         END {printf "%.0f %s %s %d\n", rate, p50, p99, e}'
}
# Requests the access log shows answered 4xx/5xx since line $1.
refused_since() {
  tail -n +"$(($1 + 1))" "$DATA/serve.log" | awk '$NF ~ /^[0-9]+$/ && $(NF-1) ~ /^[45][0-9][0-9]$/ {n++} END {print n + 0}'
}

printf '%-10s | %9s | %8s | %8s | %6s | %8s | %s\n' attack "req/s" p50 p99 errors refused "what the attack got"
printf '%s\n' "-----------|-----------|----------|----------|--------|----------|--------------------"
for attack in "${ATTACKS[@]}"; do
  before=$(wc -l <"$DATA/serve.log")
  got="(no attack)"
  if [[ "$attack" == wrongkeys ]]; then
    # As fast as wrk goes: 8 connections, each request a wrong key.
    TDV_KEY="tdv_0000000000000000_$(printf '0%.0s' $(seq 64))" \
      wrk -t1 -c8 -d"${SECONDS_EACH}s" -s "$HERE/verify_post.lua" "$URL" >"$DATA/attack.out" 2>&1 &
    attacker=$!
  elif [[ "$attack" != none ]]; then
    python3 "$HERE/hostile.py" "$attack" "$PORT" --key "$KEY" --seconds "$SECONDS_EACH" $TLS_FLAG \
      >"$DATA/attack.out" 2>&1 &
    attacker=$!
  fi
  sleep 0.5  # the attack under way first
  read -r rate p50 p99 errors < <(legit)
  if [[ "$attack" != none ]]; then
    wait "$attacker" || true
    if [[ "$attack" == wrongkeys ]]; then
      got="$(awk '/Requests\/sec/ {rate = $2} /Non-2xx/ {n = $NF}
                  END {printf "%.0f req/s with wrong keys, %d answered 401", rate, n}' "$DATA/attack.out")"
    else
      got="$(tail -1 "$DATA/attack.out")"
      got="${got#*: }"
    fi
  fi
  printf '%-10s | %9s | %8s | %8s | %6s | %8s | %s\n' "$attack" "$rate" "$p50" "$p99" "$errors" \
    "$(refused_since "$before")" "$got"
done
kill -0 "$SERVER" && echo "the server is still serving" || echo "THE SERVER DIED"
