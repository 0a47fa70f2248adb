# SPDX-License-Identifier: Apache-2.0
# Sourced by the service benchmarks: starts `tdv serve` ($TDV, with the
# arguments given) on a fresh data directory and a free loopback port, waits
# until it serves, and stops it and removes the directory on exit.
# Sets DATA, PORT, SERVER (its pid) and KEY (the first admin key). A
# caller that defines `bench_prepare` has it run on the fresh data
# directory first (it may write its own config.json: TLS, the access log,
# trust anchors, lists).
start_bench_server() {
  DATA="$(mktemp -d)"
  PORT=$((20000 + RANDOM % 20000))
  echo '{"access_log": false}' >"$DATA/config.json"
  if declare -F bench_prepare >/dev/null; then bench_prepare "$DATA"; fi
  "$TDV" serve --data "$DATA" --listen "127.0.0.1:$PORT" "$@" >"$DATA/serve.log" 2>&1 &
  SERVER=$!
  trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$DATA"' EXIT
  for _ in $(seq 50); do
    grep -q "serving on" "$DATA/serve.log" 2>/dev/null && break
    sleep 0.1
  done
  KEY="$(cat "$DATA/admin.key")"
}
