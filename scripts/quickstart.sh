#!/usr/bin/env bash
# Installs what is missing (idempotently), builds Clade, and shows it working.
#
# `clade run` (the evolution loop) is not built yet; until it is, this
# demonstrates the sandbox every candidate goes through: it builds a shipped
# guest inside bubblewrap, runs it under fuel/memory/time limits, and shows
# hostile guests stopped with exact statuses.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/ensure.sh

ensure_system_packages
ensure_rust_toolchain

log "building clade (release; the first build takes ~15 minutes on 2 cores)"
cargo build --release --locked -p clade-cli
clade="${CARGO_TARGET_DIR:-target}/release/clade"

show() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

wasm_of() {
    "$clade" sandbox build "sandbox/guests/$1" --json |
        python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["wasm"] or ""); sys.exit(r["status"]!="ok")'
}

log "building guests to wasm32-wasip1 inside bubblewrap"
hello=$(wasm_of hello)
spin=$(wasm_of spin)
membomb=$(wasm_of membomb)
sleeper=$(wasm_of sleeper)

input=$(mktemp)
trap 'rm -f "$input"' EXIT
echo "input for the guest" > "$input"
show "$clade" sandbox run "$hello" --stdin "$input" -- first second
show "$clade" sandbox run "$spin" --timeout-ms 300
show "$clade" sandbox run "$spin" --fuel 1000000
show "$clade" sandbox run "$membomb" --memory-mb 16
show "$clade" sandbox run "$sleeper" --timeout-ms 300
show "$clade" sandbox build sandbox/guests/attack-build-rs
show "$clade" sandbox build sandbox/guests/attack-include-concat

log "done. Next: scripts/test.sh runs the whole test suite; '$clade sandbox bench' measures the sandbox."
