#!/usr/bin/env bash
# Clade against OpenEvolve, side by side: the same OpenEvolve-shaped problem
# folders (examples/openevolve/circle_packing and tsp_constructive: initial
# program, evaluator and config as OpenEvolve reads them; Clade takes them
# through `clade import openevolve`), the same model behind one
# OpenAI-compatible endpoint, the same number of LLM replies per run and the
# same seeds. Prints the best combined_score per seed for both, their means
# with 95 % t intervals and the paired difference.
#
#   scripts/compare-openevolve.sh [--ablate] [CALLS] [SEEDS] [PROBLEMS...]
#       default: 20 "1,2,3" circle_packing tsp_constructive
#
# --ablate runs Clade alone instead, under four configurations on the same
# budget and seeds: today's loop, + search.reflection, +
# search.prompt_evolution, and both; it prints best per seed, the mean with
# its interval, and the valid and duplicate shares of the iterations.
#
# The model: CLADE_MODEL=1.5b (default) or 0.5b, served by `clade model
# serve` on a free port for the length of the comparison; or
# COMPARE_URL=http://host/v1 COMPARE_MODEL=name for any OpenAI-compatible
# endpoint (its key in OPENAI_API_KEY). CLADE_EXTRA is TOML appended to
# Clade's clade.toml (e.g. $'\n[search]\nreflection = true\n').
# OpenEvolve is installed from PyPI (pinned) into a venv under the Clade
# cache; its evaluators run with that Python on both sides. Results:
# $CLADE_HOME/bench/compare-openevolve/results.jsonl, runs beside it.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/ensure.sh

ablate=()
if [ "${1:-}" = "--ablate" ]; then
    shift
    ablate=(--ablate 'base='
        --ablate 'reflection=\n[search]\nreflection = true\n'
        --ablate 'prompt_evolution=\n[search]\nprompt_evolution = true\n'
        --ablate 'both=\n[search]\nreflection = true\nprompt_evolution = true\n')
fi
calls="${1:-20}"
seeds="${2:-1,2,3}"
shift $(( $# > 2 ? 2 : $# ))
problems=("$@")
[ ${#problems[@]} -gt 0 ] || problems=(circle_packing tsp_constructive)

ensure_system_packages
ensure_rust_toolchain
ensure_python
python=$(ensure_openevolve_python)
build_clade
home="${CLADE_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/clade}"
out="$home/bench/compare-openevolve"
mkdir -p "$out"

url="${COMPARE_URL:-}"
model="${COMPARE_MODEL:-}"
server=""
if [ -z "$url" ]; then
    size="${CLADE_MODEL:-1.5b}"
    ensure_model "$size"
    # One request at a time: both tools then wait for the same model alike.
    "$clade" model serve --model "$size" --port 0 --slots 1 --json >"$out/server.json" 2>"$out/server.log" &
    server=$!
    trap 'kill $server 2>/dev/null || true' EXIT
    for _ in $(seq 600); do
        [ -s "$out/server.json" ] && break
        kill -0 "$server" 2>/dev/null || { cat "$out/server.log" >&2; exit 1; }
        sleep 0.2
    done
    url=$("$python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$out/server.json")
    model=$("$python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["model"])' "$out/server.json")
fi
[ -n "$model" ] || { echo "COMPARE_URL needs COMPARE_MODEL (the model's name at that endpoint)" >&2; exit 2; }
log "comparing on $model at $url: $calls LLM replies per run, seeds $seeds, problems ${problems[*]}"
paths=()
for p in "${problems[@]}"; do paths+=("examples/openevolve/$p"); done
"$python" scripts/lib/compare_openevolve.py --clade "$clade" --url "$url" --model "$model" \
    --calls "$calls" --seeds "$seeds" --out "$out" --clade-extra "${CLADE_EXTRA:-}" \
    "${ablate[@]}" "${paths[@]}" | tee "$out/table${ablate:+-ablation}.md"
