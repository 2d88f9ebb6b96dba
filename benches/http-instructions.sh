#!/usr/bin/env bash
# Instructions per request for each http-compare server (unguarded, authz, authz with decision
# telemetry on, actix-web-grants, casbin), counted by valgrind's callgrind in the server process while wrk loads one endpoint at a
# time. Unlike requests/s, the count does not move with the load of a shared machine, so it shows
# small differences that wall-clock runs drown in noise. Kernel time (sockets, epoll) is not
# counted: the ratio here is of user-space work only. Bounded: 4 runs of SECONDS each.
#
#   bash benches/http-instructions.sh [SECONDS=4] [--fillers]
#   ROUTE=/open bash benches/http-instructions.sh ...   # a `#[public]` route: unguarded and the authz two
#   ROUTE=/g/7/item ...                   # a global permission on a path with a team id
#   ROUTE=/teams/7/item CALLER=tess ...   # the same permission held in team 7 only (scoped, cached)
#
# --fillers puts 20 routes with a path parameter before the measured one in every server: routing
# then walks past them.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-4}
shift || true
base=18200

for tool in wrk valgrind; do
    if ! command -v "$tool" >/dev/null; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$tool" >/dev/null
    fi
done
cargo build --release -q -p authz-benches --bin http-compare
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
# Instrumentation starts off: start-up and warm-up are not counted.
bin="$PWD/target/release/http-compare"
(cd "$work" && exec valgrind --tool=callgrind --instr-atstart=no "$bin" "$base" "$@" 2>"$work/valgrind.log") &
server=$!
for port in $base $((base + 1)) $((base + 2)) $((base + 3)) $((base + 4)); do
    for _ in $(seq 1 100); do curl -sf -o /dev/null -H "Authorization: Bearer erin" "http://127.0.0.1:$port/item" && break; sleep 0.2; done
done

route=${ROUTE:-/item}
# By server index (http-compare's port offsets).
names=(unguarded authz actix-web-grants casbin authz+telemetry)
servers="0 1 4 2 3"
if [ "$route" != /item ]; then
    servers="0 1 4"
fi
for i in $servers; do
    url="http://127.0.0.1:$((base + i))$route"
    wrk -t1 -c4 -d1s -H "Authorization: Bearer ${CALLER:-erin}" "$url" >/dev/null
    callgrind_control -i on "$server" >/dev/null 2>&1
    result=$(wrk -t1 -c4 -d"${seconds}s" -H "Authorization: Bearer ${CALLER:-erin}" "$url")
    callgrind_control -i off "$server" >/dev/null 2>&1
    callgrind_control -d "${names[$i]}" "$server" >/dev/null 2>&1
    callgrind_control -z "$server" >/dev/null 2>&1
    non2xx=$(echo "$result" | awk '/Non-2xx/ {print $NF}')
    [ -z "$non2xx" ] || { echo "${names[$i]}: $non2xx non-2xx answers" >&2; exit 1; }
    echo "$result" | awk '/requests in/ {print $1}' >"$work/requests.${names[$i]}"
done
kill "$server"
wait "$server" 2>/dev/null || true

echo "| server | requests | instructions per request | over unguarded |"
echo "|---|---|---|---|"
plain=0
for i in $servers; do
    name=${names[$i]}
    dump=$(grep -l "^desc: Trigger: dump $name\$" "$work"/callgrind.out.*)
    total=$(callgrind_annotate "$dump" 2>/dev/null | awk '/PROGRAM TOTALS/ && !seen {gsub(",", "", $1); print $1; seen = 1}')
    requests=$(cat "$work/requests.$name")
    per=$((total / requests))
    [ "$plain" -ne 0 ] || plain=$per
    python3 -c "import sys; p, u = int(sys.argv[1]), int(sys.argv[2]); print(f'| $name | $requests | {p:,} | +{p - u:,} ({p / u - 1:+.1%}) |')" "$per" "$plain"
done
