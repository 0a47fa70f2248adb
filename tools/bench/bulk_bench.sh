#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `tdv bulk` at a visa section's scale: APPS MRZ-text applications (default
# 1,000,000) checked against RECORDS list records (default 10,000,000) in
# one run, the list index build included, the audit trail on. Prints the
# wall time, rows/s, the peak memory and the run's summary. Local files
# only; stops by itself; removes its data directory.
#
#   tools/bench/bulk_bench.sh TDV_BINARY BENCH_LISTS_BINARY [APPS] [RECORDS] [-- tdv bulk options]
#
# BENCH_LISTS_BINARY (build/tools/bench/bench_lists) fills the list store;
# 1 % of the applications carry a listed document number (hits), the rest
# numbers that are not listed. Needs python3 and GNU time.
set -euo pipefail
TDV="$1"
BENCH_LISTS="$2"
APPS="${3:-1000000}"
RECORDS="${4:-10000000}"
shift $(($# < 4 ? $# : 4))
[[ "${1:-}" == "--" ]] && shift
DATA="$(mktemp -d /tmp/tdv-bulk-bench-XXXXXX)"
trap 'rm -rf "$DATA"' EXIT

echo "list store: $RECORDS records (bench_lists)"
"$BENCH_LISTS" --records "$RECORDS" --store "sqlite:$DATA/lists.db" --lookups 1 | grep -E "import|index build"

# Applications: TD3 passports of the states bench_lists uses; record i's
# number (bench_lists' Make) for every 100th, check digits computed.
/usr/bin/python3 - "$APPS" "$RECORDS" >"$DATA/apps.csv" <<'EOF'
import random, sys
n, records = int(sys.argv[1]), int(sys.argv[2])
M = (1 << 64) - 1
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
STATES = ["D", "FRA", "NLD", "BEL", "ITA", "ESP", "GBR", "USA", "CAN", "POL", "SWE", "AUT"]
TYPES = ["P", "P", "P", "ID", "I", "V"]
W = (7, 3, 1)
def val(c):
    return int(c) if c.isdigit() else (0 if c == "<" else ord(c) - 55)
def cd(s):
    return str(sum(val(c) * W[i % 3] for i, c in enumerate(s)) % 10)
def make(i):  # bench_lists.cc Make()
    x = (i * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019) & M
    num = []
    for _ in range(9):
        x ^= x >> 29
        x = (x * 0xBF58476D1CE4E5B9) & M
        num.append(ALNUM[x % 36])
    return STATES[i % len(STATES)], TYPES[(i // 7) % len(TYPES)], "".join(num)
r = random.Random(5)
out = sys.stdout
out.write("id,mrz\n")
buf = []
for k in range(n):
    state = STATES[k % len(STATES)]
    num = "Q" + "".join(r.choice("0123456789") for _ in range(8))  # bench_lists never makes these
    if k % 100 == 0:
        i = k * 7919 % records
        while make(i)[1] != "P":
            i = (i + 1) % records
        state, _, num = make(i)
    st = (state + "<<")[:3]
    l1 = ("P<" + st + "APPLICANT<<VISA<" + "<" * 44)[:44]
    body = num + cd(num) + st + "8001014M3001012"
    opt = "<" * 14
    l2 = num + cd(num) + st + "800101" + cd("800101") + "M" + "300101" + cd("300101") + opt + cd(opt)
    l2 += cd(l2[0:10] + l2[13:20] + l2[21:43])
    buf.append('A%07d,"%s\n%s"\n' % (k, l1, l2))
    if len(buf) == 10000:
        out.write("".join(buf))
        buf = []
out.write("".join(buf))
EOF
echo "applications: $APPS ($(du -h "$DATA/apps.csv" | cut -f1))"
/usr/bin/time -f "wall %e s, peak RSS %M KB" "$TDV" bulk "$DATA/apps.csv" --data "$DATA" \
  --out "$DATA/out.jsonl" --progress none --as-of 2020-01-01 "$@" 2>"$DATA/err" || true
cat "$DATA/err"
python3 - "$APPS" "$DATA/err" <<'EOF'
import re, sys
apps = int(sys.argv[1])
m = re.search(r"wall ([0-9.]+) s", open(sys.argv[2]).read())
if m:
    print("%d applications in %s s, index build included: %.0f rows/s" % (apps, m.group(1), apps / float(m.group(1))))
EOF
tail -1 "$DATA/out.jsonl"
echo "output: $(du -h "$DATA/out.jsonl" | cut -f1)"
