#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Runs every libFuzzer target for MINUTES each, one after the other, on the
# ASan/UBSan build (build-fuzz, configured and built here when missing), and
# prints one line per target: runs, coverage (edges), corpus size, findings.
#
#   tools/fuzz/run_all.sh MINUTES [TARGET...]
#
# Each target starts from its committed seed corpus (tests/fuzz/corpus/NAME,
# read only) and writes what it adds to build-fuzz/fuzz-out/NAME/corpus; a
# crash, leak or timeout lands in build-fuzz/fuzz-out/NAME/ as crash-*,
# leak-*, timeout-* and is counted as a finding (make it a regression test
# and a corpus file). Logs: build-fuzz/fuzz-out/NAME.log. Exit code 1 when
# any target found something.
set -euo pipefail

minutes=${1:-}
if [[ ! "$minutes" =~ ^[0-9]+$ ]] || [ "$minutes" -lt 1 ]; then
  echo "usage: $0 MINUTES [TARGET...]" >&2
  exit 2
fi
shift
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${TDV_FUZZ_BUILD:-$root/build-fuzz}
if [ $# -gt 0 ]; then
  targets=("$@")
else
  targets=()
  for f in "$root"/tests/fuzz/fuzz_*.cc; do targets+=("$(basename "$f" .cc)"); done
fi

if [ ! -f "$build/CMakeCache.txt" ]; then
  CC=clang CXX=clang++ cmake -S "$root" -B "$build" -DTDV_FUZZ=ON \
    -DTDV_SANITIZE=address,undefined >/dev/null
else
  cmake -S "$root" -B "$build" >/dev/null  # targets added since it was configured
fi
cmake --build "$build" -j"$(nproc)" --target "${targets[@]}" >/dev/null

out=$build/fuzz-out
mkdir -p "$out"
found_any=0
printf '%-20s %8s %12s %8s %8s %9s\n' target seconds runs edges corpus findings
for t in "${targets[@]}"; do
  dir=$out/$t
  mkdir -p "$dir/corpus"
  log=$out/$t.log
  # -rss_limit_mb and -timeout: a bomb or a hang is a finding too.
  start=$SECONDS
  set +e
  ASAN_OPTIONS=detect_leaks=1 "$build/tests/fuzz/$t" "$dir/corpus" "$root/tests/fuzz/corpus/$t" \
    -max_total_time=$((minutes * 60)) -timeout=25 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$dir/" >"$log" 2>&1
  rc=$?
  set -e
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  seconds=$((SECONDS - start))
  edges=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | awk '{print $2}')
  corpus=$(find "$dir/corpus" -type f | wc -l)
  findings=$(find "$dir" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
  if [ "$rc" -ne 0 ] && [ "$findings" -eq 0 ]; then findings="rc=$rc"; fi
  if [ "$findings" != 0 ]; then found_any=1; fi
  printf '%-20s %8s %12s %8s %8s %9s\n' "$t" "$seconds" "${runs:-?}" "${edges:-?}" "$corpus" "$findings"
done
exit $found_any
