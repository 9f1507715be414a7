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
# The wasm CPython (~150 MiB): the Python tests must run, not skip. Its
# first compile takes minutes and is cached beside it.
ensure_python
export CLADE_REQUIRE_PYTHON=1
# The native Python with numpy that runs imported OpenEvolve evaluators.
CLADE_EVALUATOR_PYTHON="$(ensure_evaluator_python)"
export CLADE_EVALUATOR_PYTHON
# Headless Chromium and chromedriver: the review UI's browser tests must
# run, not skip.
ensure_browser
export CLADE_REQUIRE_BROWSER=1
# A real nats-server: the distributed evaluation tests must run, not skip.
ensure_nats
export CLADE_REQUIRE_NATS=1
# Slurm and munge: the Slurm backend's tests start a one-node cluster and
# must run, not skip.
ensure_slurm
if [ "$(id -u)" = 0 ]; then
    export CLADE_REQUIRE_SLURM=1
else
    log "not root: the Slurm tests (whose one-node cluster runs jobs as root) will skip, saying so"
fi

log "building the workspace and its tests"
cargo build --workspace --all-targets --locked
log "checking that clade-agent builds for wasm32-wasip1 with no dependencies (the agent guest builds it offline)"
cargo build -p clade-agent --no-default-features --target wasm32-wasip1 --locked
deps="$(cargo tree -p clade-agent --no-default-features -e normal,build --prefix none --locked | sed 1d)"
if [ -n "$deps" ]; then
  echo "clade-agent without default features must have no dependencies; it has:" >&2
  echo "$deps" >&2
  exit 1
fi
log "running the test suite"
cargo test --workspace --locked "$@"
log "checking the grader on every task of tasks/rust-core (references pass, stubs and tamper solutions fail)"
cargo run --locked --quiet -p clade-cli -- tasks check tasks/rust-core
