#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# TDV developer entry point. Run as root on Debian 12.
#
#   scripts/dev.sh serve [tdv serve options]   install, build, start the service
#   scripts/dev.sh test                         install, build, run the whole test suite
#   scripts/dev.sh deps                         install the Debian packages only
#   scripts/dev.sh build                        configure and build (build/)
#
# Environment: TDV_BUILD_DIR (default build), TDV_JOBS (default nproc).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${TDV_BUILD_DIR:-$ROOT/build}"
JOBS="${TDV_JOBS:-$(nproc)}"

# Packages needed to build and run the service.
RUNTIME_PKGS=(
  build-essential cmake pkg-config ca-certificates
  libssl-dev libsqlite3-dev libpq-dev
  nlohmann-json3-dev libcpp-httplib-dev libcli11-dev
  libbrotli-dev zlib1g-dev
  libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev libopencv-ml-dev libopencv-dnn-dev
  libtesseract-dev libleptonica-dev libdmtx-dev
)
# Extra packages for the test suite and the measurement tools.
TEST_PKGS=(
  catch2 libbenchmark-dev clang libclang-rt-14-dev clang-format
  postgresql-15
  openssl python3 wrk curl
  chromium chromium-driver
)

log() { printf '\033[1m[dev]\033[0m %s\n' "$*" >&2; }

install_pkgs() {
  local missing=()
  for p in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$p")
    fi
  done
  if ((${#missing[@]} == 0)); then
    log "all ${#} packages already installed"
    return
  fi
  if [[ $(id -u) -ne 0 ]]; then
    echo "missing Debian packages: ${missing[*]} (run as root to install them)" >&2
    exit 1
  fi
  log "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

configure_build() {
  local dir="$1"; shift
  cmake -S "$ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  cmake --build "$dir" -j "$JOBS"
}

cmd_serve() {
  install_pkgs "${RUNTIME_PKGS[@]}"
  configure_build "$BUILD" -DTDV_BUILD_TESTS=OFF -DTDV_BUILD_BENCH=OFF
  local tdv="$BUILD/src/app/tdv"
  # The state options of the serve arguments apply to the sample import too.
  local state=() args=("$@") i
  for ((i = 0; i < ${#args[@]}; i++)); do
    case "${args[i]}" in
      --data | --store | --config) state+=("${args[i]}" "${args[i + 1]:-}") ;;
      --data=* | --store=* | --config=*) state+=("${args[i]}") ;;
    esac
  done
  # Embedded defaults: an empty store gets the synthetic sample list.
  if "$tdv" lists stats --json "${state[@]}" 2>/dev/null | grep -q '"lists": \[\]'; then
    log "importing the sample list samples/lists/demo-sltd.csv"
    "$tdv" lists import --list demo-sltd --source TDV-DEMO --actor dev.sh "${state[@]}" \
      "$ROOT/samples/lists/demo-sltd.csv"
  fi
  # ... and an empty trust store the synthetic sample PKI (public certificates only).
  local trust="$ROOT/samples/signatures/trust"
  if "$tdv" trust list --json "${state[@]}" 2>/dev/null | grep -q '"entries": \[\]'; then
    log "importing the sample trust store samples/signatures/trust"
    "$tdv" trust import "${state[@]}" "$trust"/*.pem >/dev/null
    "$tdv" trust import "${state[@]}" --root "$trust/de-old.pem" "$trust/masterlist.ml" >/dev/null
  fi
  log "starting tdv serve (Ctrl-C to stop)"
  exec "$tdv" serve "$@"
}

cmd_test() {
  install_pkgs "${RUNTIME_PKGS[@]}" "${TEST_PKGS[@]}"
  log "format check"
  (cd "$ROOT" && git ls-files '*.cc' '*.h' | xargs clang-format --dry-run --Werror)

  log "PostgreSQL 15 on 127.0.0.1 for the list-store tests"
  local pgdir="${BUILD}-pgdata"
  TDV_TEST_PG_URL="$(bash "$ROOT/scripts/test-postgres.sh" start "$pgdir" "${TDV_TEST_PG_PORT:-54329}")"
  export TDV_TEST_PG_URL
  trap 'bash "$ROOT/scripts/test-postgres.sh" stop "'"$pgdir"'"' EXIT

  log "main build (warnings are errors)"
  configure_build "$BUILD" -DTDV_BUILD_TESTS=ON -DTDV_BUILD_BENCH=ON -DTDV_WERROR=ON
  (cd "$BUILD" && ctest --output-on-failure -j "$JOBS")

  log "address+undefined sanitizer build (clang, with libFuzzer targets)"
  local san="${BUILD}-asan"
  CC=clang CXX=clang++ configure_build "$san" -DTDV_BUILD_TESTS=ON -DTDV_BUILD_BENCH=OFF \
    -DTDV_SANITIZE=address,undefined -DTDV_FUZZ=ON -DTDV_WERROR=ON
  (cd "$san" && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    ctest --output-on-failure -j "$JOBS")
  log "all tests passed"
}

case "${1:-}" in
  serve) shift; cmd_serve "$@" ;;
  test) shift; cmd_test "$@" ;;
  deps) install_pkgs "${RUNTIME_PKGS[@]}" "${TEST_PKGS[@]}" ;;
  build) shift; install_pkgs "${RUNTIME_PKGS[@]}"; configure_build "$BUILD" "$@" ;;
  *) sed -n '3,10p' "$0" >&2; exit 2 ;;
esac
