#!/usr/bin/env bash
# Compile cost of the attribute: a generated crate with 200 handlers under
# #[require_permission] + an authz.toml catalog, versus the same 200 handlers plain, both mounted.
# Dependencies are built first; then each crate's own compilation is timed twice (after touching
# its source), in dev and release profiles. Prints wall-clock and CPU seconds and the
# annotated/plain ratios.
#
#   bash benches/compile-cost.sh [HANDLERS=200]
#   PROFILES=dev bash benches/compile-cost.sh     # one profile only
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
n=${1:-200}
work=$root/target/compile-cost
rm -rf "$work/annotated" "$work/plain"
mkdir -p "$work"

generate() { # kind
    local kind=$1 dir=$work/$1
    mkdir -p "$dir/src"
    cat > "$dir/Cargo.toml" <<TOML
[package]
name = "compile-cost-$kind"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
authz-actix = { path = "$root/authz-actix" }
actix-web = { version = "4", default-features = false, features = ["macros"] }

[workspace]
TOML
    cp "$root/Cargo.lock" "$dir/Cargo.lock"
    cp "$root/rust-toolchain.toml" "$dir/"
    {
        echo 'use actix_web::{get, post, HttpResponse};'
        if [ "$kind" = annotated ]; then
            echo 'use authz_actix::require_permission;'
            echo '[permissions]' > "$dir/authz.toml"
        fi
        for i in $(seq 1 "$n"); do
            if [ "$kind" = annotated ]; then
                echo "\"res$i:read\" = \"Read resource $i\"" >> "$dir/authz.toml"
                echo "/// Read resource $i."
                echo "#[require_permission(\"res$i:read\")]"
            else
                echo "/// Read resource $i."
            fi
            if [ $((i % 2)) = 0 ]; then echo "#[get(\"/r$i/{id}\")]"; else echo "#[post(\"/r$i\")]"; fi
            echo "async fn h$i() -> HttpResponse { HttpResponse::Ok().finish() }"
        done
        if [ "$kind" = annotated ]; then
            echo 'fn routes(r: &mut authz_actix::Routes<'"'"'_>) {'
            for i in $(seq 1 "$n"); do echo "    r.service(h$i);"; done
            echo '}'
            echo 'fn main() { let _ = actix_web::App::new().configure(authz_actix::mount(routes)); }'
        else
            echo 'fn main() {'
            echo '    let _ = actix_web::App::new()'
            for i in $(seq 1 "$n"); do echo "        .service(h$i)"; done
            echo '    ;'
            echo '}'
        fi
    } > "$dir/src/main.rs"
}

# Wall-clock and CPU (user + system) seconds of one command. CPU time moves less than wall-clock
# time with the load of a shared machine.
measure() {
    python3 - "$@" <<'PY'
import resource, subprocess, sys, time
start = time.perf_counter()
subprocess.run(sys.argv[1:], check=True)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{time.perf_counter() - start:.3f} {usage.ru_utime + usage.ru_stime:.3f}")
PY
}

generate annotated
generate plain
target=$work/target
for profile in ${PROFILES:-dev release}; do
    flag=""; [ "$profile" = release ] && flag="--release"
    for kind in plain annotated; do
        (cd "$work/$kind" && CARGO_TARGET_DIR=$target cargo build -q --offline $flag)
    done
    for run in 1 2; do
        for kind in plain annotated; do
            touch "$work/$kind/src/main.rs"
            echo "$profile $run $kind $(cd "$work/$kind" && CARGO_TARGET_DIR=$target measure cargo build -q --offline $flag)"
        done
    done
done | tee "$work/results.txt"

python3 - "$work/results.txt" <<'PY'
import statistics, sys
rows = [(p, r, k, float(w), float(c)) for p, r, k, w, c in (l.split() for l in open(sys.argv[1]))]
print("| profile | plain wall (s) | annotated wall (s) | wall ratio | plain CPU (s) | annotated CPU (s) | CPU ratio |")
print("|---|---|---|---|---|---|---|")
for profile in ("dev", "release"):
    if not any(r[0] == profile for r in rows):
        continue
    pick = lambda kind, col: statistics.mean(r[col] for r in rows if r[0] == profile and r[2] == kind)
    pw, aw, pc, ac = pick("plain", 3), pick("annotated", 3), pick("plain", 4), pick("annotated", 4)
    print(f"| {profile} | {pw:.2f} | {aw:.2f} | {aw / pw:.3f} | {pc:.2f} | {ac:.2f} | {ac / pc:.3f} |")
PY
