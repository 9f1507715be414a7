#!/usr/bin/env bash
# Installs what is missing (idempotently), builds Clade, and runs a real
# evolution with the built-in local model on a shipped benchmark, then shows
# the best variant.
#
#   scripts/quickstart.sh [BENCHMARK] [ITERATIONS]   (default: sort-speed 8)
#
# The benchmark is copied into a scratch git repository under
# $CLADE_HOME/quickstart, so this checkout's history is left alone; the
# variants are commits there (`clade tree`, `clade show`, `git log`).
# CLADE_MODEL=0.5b picks the smaller, faster model; CLADE_SEED=N another seed.
# A Python benchmark (e.g. circle-packing-26-py) also fetches the wasm
# CPython (scripts/fetch-python.sh); its first run compiles it (minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/ensure.sh

benchmark="${1:-sort-speed}"
iterations="${2:-12}"
case "${CLADE_MODEL:-1.5b}" in
    0.5b) size=0.5b ;;
    *) size=1.5b ;;
esac

ensure_system_packages
ensure_rust_toolchain
ensure_model "$size"
if grep -q '^build = "python"' "benchmarks/$benchmark/clade.toml" 2>/dev/null; then
    ensure_python
fi

# The dev profile shares its build with scripts/test.sh; what runs hot is
# optimized anyway (llama.cpp is always Release, dependencies at opt-level 1,
# the scorers at 3).
log "building clade (the first build takes ~15 minutes on 2 cores)"
build_clade

home="${CLADE_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/clade}"
work="$home/quickstart/$benchmark"
if [ ! -d "$work/.git" ]; then
    log "copying benchmarks/$benchmark into a scratch repository at $work"
    mkdir -p "$work"
    # -L: a benchmark's data may be a link to another benchmark's.
    cp -RL "benchmarks/$benchmark/." "$work/"
    if grep -q '^root = "\.\./' "$work/clade.toml"; then
        echo "benchmark $benchmark shares a seed crate; pick another for the quick start" >&2
        exit 1
    fi
    git -C "$work" init -q -b main
    git -C "$work" add -A
    git -C "$work" -c user.name=clade -c user.email=clade@localhost commit -q -m "$benchmark seed"
elif ! git -C "$work" diff --quiet HEAD 2>/dev/null \
    || ! diff -rq --exclude=.git "benchmarks/$benchmark" "$work" >/dev/null 2>&1; then
    log "note: $work differs from benchmarks/$benchmark (an older copy, or adopted variants);"
    log "      it is used as it is; remove it to start from the current benchmark"
fi

show() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

log "evolving $benchmark for $iterations iterations with the local model (${size})"
cd "$work"
run="quickstart-$(date +%s)"
summary="$work/.git/clade/quickstart-$run.txt"
mkdir -p "$(dirname "$summary")"
seed_args=()
if [ -n "${CLADE_SEED:-}" ]; then seed_args=(--seed "$CLADE_SEED"); fi
printf '\n\033[1m$ %s\033[0m\n' "$clade run . --name $run --iterations $iterations ${seed_args[*]}"
"$clade" run . --name "$run" --iterations "$iterations" "${seed_args[@]}" | tee "$summary"
show "$clade" tree "$run"
best=$("$clade" runs --json | python3 -c 'import json,sys; r=[x for x in json.load(sys.stdin) if x["run"]==sys.argv[1]][0]; print((r.get("best") or {}).get("id", 0))' "$run")
show "$clade" show "$run/$best"

# The verdict: the search ranked every candidate on one input set; the best
# and the seed were measured again on inputs it never saw.
printf '\n\033[1mresult\033[0m\n'
if grep -q "held-back" "$summary"; then
    grep -E "best:|held-back" "$summary"
    echo "  (an improvement counts when it holds on the held-back inputs)"
else
    echo "  no variant beat the seed on the run's inputs: the seed stays the best"
fi
log "done. The run lives in $work:"
log "  clade tree $run; clade show $run/$best; git log --all"
log "  adopt it: clade branch $run/$best (a branch to review) or clade promote $run/$best"
log "Next: scripts/test.sh runs the whole test suite."
