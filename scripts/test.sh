#!/usr/bin/env bash
# Installs what is missing (idempotently), then runs the whole test suite.
# Usage: scripts/test.sh [extra cargo test args]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/ensure.sh

ensure_system_packages
ensure_rust_toolchain
# The small local model (~470 MiB): the local-model tests must run, not skip.
ensure_model 0.5b
export CLADE_REQUIRE_MODEL=1

log "building the workspace and its tests"
cargo build --workspace --all-targets --locked
log "checking that clade-agent builds for wasm32-wasip1 (it will run inside the sandbox)"
cargo build -p clade-agent --target wasm32-wasip1 --locked
log "running the test suite"
cargo test --workspace --locked "$@"
