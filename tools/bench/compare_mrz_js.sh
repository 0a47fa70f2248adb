#!/usr/bin/env bash
# Runs bench_mrz_parse and the npm `mrz` peer on the same corpus, one after
# the other in one run, and prints both rates and their ratio.
#   tools/bench/compare_mrz_js.sh [BUILD_DIR]   (a Release build with TDV_BUILD_BENCH=ON)
# Needs node and npm (npm install runs once into tools/bench/js/node_modules).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
BUILD="${1:-$HERE/../../build-release}"
if [[ ! -x "$BUILD/tools/bench/bench_mrz_parse" ]]; then
  cmake -S "$HERE/../.." -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DTDV_BUILD_TESTS=OFF >/dev/null
  cmake --build "$BUILD" -j "$(nproc)" --target bench_mrz_parse mrz_corpus_dump >/dev/null
fi
(cd "$HERE/js" && [[ -d node_modules/mrz ]] || npm install --no-audit --no-fund --silent)
corpus="$(mktemp)"
trap 'rm -f "$corpus"' EXIT
"$BUILD/tools/bench/mrz_corpus_dump" 10000 >"$corpus"
tdv_rate=$("$BUILD/tools/bench/bench_mrz_parse" --benchmark_filter=ValidateMix --benchmark_min_time=3 \
  --benchmark_format=json | python3 -c 'import json,sys; print(int(json.load(sys.stdin)["benchmarks"][0]["items_per_second"]))')
js_rate=$(node "$HERE/js/bench_mrz_js.mjs" "$corpus" 3 | python3 -c 'import json,sys; print(json.load(sys.stdin)["mrz_per_second"])')
echo "tdv (C++, parse+validate, 1 thread): ${tdv_rate} MRZ/s"
echo "npm mrz 5.0.2 (node $(node --version)):   ${js_rate} MRZ/s"
python3 -c "print(f'ratio tdv/npm: {${tdv_rate}/${js_rate}:.1f}x')"
