#!/usr/bin/env bash
# End to end throughput of the built-in local model in `clade run`: proposals
# (and valid ones) per hour on sort-speed with 2 parallel proposals, the old
# path (one request at a time, no guesses: `slots = 1`, `draft_tokens = 0`)
# against the new one (the defaults: 2 slots decoded together, prompt-lookup
# guesses), in alternating runs on the same seeds; prints each run and the
# medians with their ratio.
#
#   scripts/bench-proposals.sh [ITERATIONS] [PAIRS]   (default: 12 3)
#
# CLADE_MODEL=0.5b for the small model. Each run is a fresh copy of
# benchmarks/sort-speed in a scratch git repository under $CLADE_HOME/bench.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/ensure.sh

iterations="${1:-12}"
pairs="${2:-3}"
case "${CLADE_MODEL:-1.5b}" in
    0.5b) size=0.5b; model=qwen2.5-coder-0.5b-instruct ;;
    *) size=1.5b; model=qwen2.5-coder-1.5b-instruct ;;
esac
ensure_system_packages
ensure_rust_toolchain
ensure_model "$size"
build_clade
home="${CLADE_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/clade}"
scratch="$home/bench/proposals"
rm -rf "$scratch"
mkdir -p "$scratch"
results="$scratch/results.jsonl"

# run SIDE SEED SLOTS DRAFT: one `clade run`, one JSON line of figures.
run() {
    local side=$1 seed=$2 slots=$3 draft=$4
    local work="$scratch/$side-$seed"
    mkdir -p "$work"
    cp -R benchmarks/sort-speed/. "$work/"
    cat >>"$work/clade.toml" <<EOF

[[llm.models]]
provider = "local"
model = "$model"
slots = $slots
draft_tokens = $draft
EOF
    git -C "$work" init -q -b main
    git -C "$work" add -A
    git -C "$work" -c user.name=clade -c user.email=clade@localhost commit -q -m seed
    log "$side (slots $slots, draft_tokens $draft), seed $seed: $iterations iterations"
    (cd "$work" && "$clade" run . --iterations "$iterations" --seed "$seed" --json) >"$work/events.jsonl"
    python3 - "$side" "$seed" "$work" >>"$results" <<'PY'
import glob, json, re, statistics, sys
side, seed, work = sys.argv[1], int(sys.argv[2]), sys.argv[3]
events = [json.loads(line) for line in open(f"{work}/events.jsonl") if line.startswith("{")]
finish = next(e for e in events if e["event"] == "finish")
totals = finish["totals"]
hours = totals["elapsed_s"] / 3600
# The model's side, from the run's log: every reply, its size and speed.
replies = []
for log in glob.glob(f"{work}/.git/clade/runs/*/clade.log"):
    for line in open(log):
        if "llm reply" in line:
            fields = dict(re.findall(r"(\w+)=([\w.:-]+)", line))
            replies.append(fields)
out_tokens = sum(int(r.get("tokens_out", 0)) for r in replies)
print(json.dumps({
    "side": side, "seed": seed, "done": totals["done"], "validated": totals["validated"],
    "elapsed_s": round(totals["elapsed_s"], 1), "tokens": totals["tokens"],
    "proposals_per_hour": round(totals["done"] / hours, 1),
    "valid_per_hour": round(totals["validated"] / hours, 1),
    "llm_calls_per_hour": round(len(replies) / hours, 1),
    "reply_tokens_per_s": round(out_tokens / totals["elapsed_s"], 2),
    "median_latency_s": round(statistics.median(float(r["latency_ms"]) for r in replies) / 1000, 1) if replies else None,
    "prompt_tokens_reused": sum(int(r.get("prompt_tokens_reused", 0)) for r in replies),
    "prompt_tokens": sum(int(r.get("tokens_in", 0)) for r in replies),
}))
PY
    tail -n 1 "$results"
}

for pair in $(seq 1 "$pairs"); do
    # Alternate which side goes first, so drift hits both alike.
    if [ $((pair % 2)) -eq 1 ]; then
        run old "$pair" 1 0
        run new "$pair" 2 8
    else
        run new "$pair" 2 8
        run old "$pair" 1 0
    fi
done

python3 - "$results" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
def med(side, key):
    return statistics.median(r[key] for r in rows if r["side"] == side)
print()
print(f"{'':<5} {'proposals/h':>12} {'valid/h':>9} {'valid':>7} {'seconds':>8} {'LLM calls/h':>12} {'reply tok/s':>12} {'latency s':>10} {'reused':>7}   (medians of {len(rows)//2} runs each)")
for side in ("old", "new"):
    valid = sum(r["validated"] for r in rows if r["side"] == side)
    done = sum(r["done"] for r in rows if r["side"] == side)
    reused = sum(r["prompt_tokens_reused"] for r in rows if r["side"] == side)
    prompt = sum(r["prompt_tokens"] for r in rows if r["side"] == side)
    print(f"{side:<5} {med(side, 'proposals_per_hour'):>12.1f} {med(side, 'valid_per_hour'):>9.1f} {valid:>3}/{done:<3} {med(side, 'elapsed_s'):>8.1f} {med(side, 'llm_calls_per_hour'):>12.1f} {med(side, 'reply_tokens_per_s'):>12.2f} {med(side, 'median_latency_s'):>10.1f} {100 * reused / max(prompt, 1):>6.0f}%")
ratio = med("new", "proposals_per_hour") / med("old", "proposals_per_hour")
valid_old = med("old", "valid_per_hour")
valid_ratio = med("new", "valid_per_hour") / valid_old if valid_old else float("nan")
calls = med("new", "llm_calls_per_hour") / med("old", "llm_calls_per_hour")
speed = med("new", "reply_tokens_per_s") / med("old", "reply_tokens_per_s")
print(f"\nnew / old: {ratio:.2f}x proposals per hour, {valid_ratio:.2f}x valid proposals per hour, {calls:.2f}x LLM calls per hour, {speed:.2f}x reply tokens per second")
PY
