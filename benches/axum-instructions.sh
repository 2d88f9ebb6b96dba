#!/usr/bin/env bash
# Instructions per request for each axum-compare server (unguarded axum, authz-axum,
# protect-axum, axum-login), counted by valgrind's callgrind in the server process while wrk loads
# one endpoint at a time: user-space work only, and the same count whatever else the machine
# does. Bounded: 4 runs of SECONDS each.
#
#   bash benches/axum-instructions.sh [SECONDS=4]
#   ROUTE=/open bash benches/axum-instructions.sh   # a `#[public]` route: unguarded and authz-axum
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-4}
base=18300

for tool in wrk valgrind; do
    if ! command -v "$tool" >/dev/null; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$tool" >/dev/null
    fi
done
cargo build --release -q -p authz-benches --bin axum-compare
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
# Instrumentation starts off: start-up and warm-up are not counted.
bin="$PWD/target/release/axum-compare"
(cd "$work" && exec valgrind --tool=callgrind --instr-atstart=no "$bin" "$base" 2>"$work/valgrind.log") &
server=$!
for port in $base $((base + 1)) $((base + 2)); do
    for _ in $(seq 1 100); do curl -sf -o /dev/null -H "Authorization: Bearer erin" "http://127.0.0.1:$port/item" && break; sleep 0.2; done
done
# axum-login's caller is a logged-in session: its cookie, from the login route.
cookie=""
for _ in $(seq 1 100); do
    cookie=$(curl -sf -X POST -D - -o /dev/null "http://127.0.0.1:$((base + 3))/login" | awk -F'[ ;]' 'tolower($1) == "set-cookie:" {print $2}') && [ -n "$cookie" ] && break
    sleep 0.2
done
[ -n "$cookie" ] || { echo "axum-login gave no session cookie" >&2; exit 1; }

route=${ROUTE:-/item}
# By server index (axum-compare's port offsets).
names=(unguarded authz-axum protect-axum axum-login)
servers="0 1 2 3"
if [ "$route" != /item ]; then
    servers="0 1"
fi
for i in $servers; do
    url="http://127.0.0.1:$((base + i))$route"
    header="Authorization: Bearer erin"
    [ "$i" != 3 ] || header="Cookie: $cookie"
    wrk -t1 -c4 -d1s -H "$header" "$url" >/dev/null
    callgrind_control -i on "$server" >/dev/null 2>&1
    result=$(wrk -t1 -c4 -d"${seconds}s" -H "$header" "$url")
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
