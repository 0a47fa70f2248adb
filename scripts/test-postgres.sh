#!/usr/bin/env bash
# Starts a throw-away PostgreSQL 15 server on 127.0.0.1 for the tests and
# prints its URL; `stop DIR` stops it. Used by scripts/dev.sh test.
#   scripts/test-postgres.sh start DIR PORT   -> prints postgresql://postgres@127.0.0.1:PORT/postgres
#   scripts/test-postgres.sh stop DIR
set -euo pipefail
PGBIN=/usr/lib/postgresql/15/bin
cmd="$1" dir="$2"

as_pg() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

case "$cmd" in
  start)
    port="$3"
    if [[ -f "$dir/postmaster.pid" ]]; then as_pg "$PGBIN/pg_ctl" -D "$dir" -m immediate stop >/dev/null 2>&1 || true; fi
    rm -rf "$dir"
    mkdir -p "$dir"
    [[ $(id -u) -eq 0 ]] && chown postgres "$dir"
    as_pg "$PGBIN/initdb" -D "$dir" -A trust -U postgres >"$dir.initdb.log" 2>&1
    # Loopback only; no durability needed for tests.
    as_pg "$PGBIN/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 30 \
      -o "-p $port -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      start >/dev/null
    echo "postgresql://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    [[ -d "$dir" ]] && as_pg "$PGBIN/pg_ctl" -D "$dir" -m fast -w stop >/dev/null 2>&1 || true
    ;;
  *) echo "usage: $0 start DIR PORT | stop DIR" >&2; exit 2 ;;
esac
