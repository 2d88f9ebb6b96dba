#!/usr/bin/env bash
# Loads the four http-compare servers (unguarded, authz, actix-web-grants, casbin) with wrk on
# 127.0.0.1, interleaving rounds (A B C D A B C D ...) so drift hits all alike, and reports each
# variant's median requests/s and p99 latency, and its req/s as a ratio to the unguarded server in
# the same round. Bounded: ROUNDS × 4 runs of SECONDS each.
#
#   bash benches/http-compare.sh [ROUNDS=7] [SECONDS=3] [CONNECTIONS=32] [--fillers]
#
# --fillers puts 20 routes with a path parameter before the measured one in every server.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-7}
seconds=${2:-3}
connections=${3:-32}
fillers=${4:-}
base=18100

if ! command -v wrk >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
cargo build --release -q -p authz-benches --bin http-compare
# Servers on core 0, the load generator on core 1, so they do not steal each other's time.
taskset -c 0 ./target/release/http-compare "$base" $fillers 2>/dev/null &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for port in $base $((base + 1)) $((base + 2)) $((base + 3)); do
    for _ in $(seq 1 50); do curl -sf -o /dev/null -H "Authorization: Bearer erin" "http://127.0.0.1:$port/item" && break; sleep 0.1; done
done

names=(unguarded authz actix-web-grants casbin)
out=$(mktemp)
for round in $(seq 1 "$rounds"); do
    for i in 0 1 2 3; do
        port=$((base + i))
        result=$(taskset -c 1 wrk -t1 -c"$connections" -d"${seconds}s" --latency -H "Authorization: Bearer erin" "http://127.0.0.1:$port/item")
        rps=$(echo "$result" | awk '/Requests\/sec/ {print $2}')
        p99=$(echo "$result" | awk '$1 == "99%" {print $2}')
        non2xx=$(echo "$result" | awk '/Non-2xx/ {print $NF}')
        [ -z "$non2xx" ] || { echo "${names[$i]}: $non2xx non-2xx answers" >&2; exit 1; }
        echo "$round ${names[$i]} $rps $p99" >> "$out"
    done
done

python3 - "$out" <<'PY'
import re, statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
def ms(v):
    n, unit = re.match(r"([0-9.]+)(us|ms|s)", v).groups()
    return float(n) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
by_round = {}
for rnd, name, rps, p99 in rows:
    by_round.setdefault(rnd, {})[name] = (float(rps), ms(p99))
names = ["unguarded", "authz", "actix-web-grants", "casbin"]
print("| server | median req/s | median ratio to unguarded (same round) | middle half of the ratios | median p99 (ms) |")
print("|---|---|---|---|---|")
for n in names:
    rps = [r[n][0] for r in by_round.values()]
    ratio = [r[n][0] / r["unguarded"][0] for r in by_round.values()]
    p99 = [r[n][1] for r in by_round.values()]
    q = statistics.quantiles(ratio, n=4) if len(ratio) > 1 else [ratio[0]] * 3
    print(f"| {n} | {statistics.median(rps):,.0f} | {statistics.median(ratio):.3f} | {q[0]:.3f}–{q[2]:.3f} | {statistics.median(p99):.2f} |")
print(f"\n{len(by_round)} interleaved rounds")
PY
