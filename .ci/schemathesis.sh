#!/usr/bin/env bash
# The served OpenAPI document tells the truth to a real client: schemathesis (PyPI) runs every
# check against the projects server's /openapi.json as an admin, a member and anonymously, and
# fails on any finding (a server error, an undocumented status, a valid body refused, an invalid
# one accepted, a method answered other than 405...). Bounded: 50 examples per operation, a fixed
# seed so a finding reproduces, and a timeout per caller.
#
#   bash .ci/schemathesis.sh        # builds and serves the example itself, on a fresh SQLite file
set -euo pipefail
cd "$(dirname "$0")/.."

venv=${SCHEMATHESIS_VENV:-/tmp/authz-schemathesis}
if [ ! -x "$venv/bin/st" ]; then
    if ! python3 -m venv "$venv" 2>/dev/null; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
        python3 -m venv "$venv"
    fi
    "$venv/bin/pip" install -q "schemathesis==4.32.5"
fi

cargo build --locked -q -p projects
work=$(mktemp -d)
port=18791
./target/debug/projects serve --demo --bind "127.0.0.1:$port" --database "sqlite://$work/st.db" >"$work/demo.jsonl" 2>"$work/server.log" &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do
    curl -sf -o /dev/null "http://127.0.0.1:$port/health" && break
    sleep 0.1
done

token() {
    python3 -c 'import json, sys; print(next(json.loads(l)["token"] for l in open(sys.argv[1]) if json.loads(l)["user"] == sys.argv[2]))' "$work/demo.jsonl" "$1"
}

run() {
    local who=$1
    shift
    echo "schemathesis as $who"
    timeout 600 "$venv/bin/st" run "http://127.0.0.1:$port/openapi.json" --checks all --max-examples 50 --seed 1 "$@"
}

run admin -H "Authorization: Bearer $(token alice)"
run member -H "Authorization: Bearer $(token bob)"
run anonymous
