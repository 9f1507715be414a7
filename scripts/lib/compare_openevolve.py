"""Clade against OpenEvolve on one OpenEvolve-shaped problem folder: the same
initial program, the same evaluator (unedited), the same model behind the
same endpoint, the same number of LLM replies and the same seeds. Run by
scripts/compare-openevolve.sh with the Python that has OpenEvolve installed
(its evaluators run with that Python on both sides).

    compare_openevolve.py --clade BIN --url URL --model NAME --calls N
        --seeds 1,2,3 --out DIR PROBLEM_DIR...

Prints one JSON line per run to DIR/results.jsonl and the table at the end.
Clade's side: `clade import openevolve` of the problem with the run's
config.yaml, then `clade run` with `max_llm_calls = N` (every reply counts:
repairs, resamples, reflections; work in flight when the budget is reached
still finishes, so it may use a few more). OpenEvolve's side, run second:
`openevolve-run` with `--iterations C`, C the replies Clade used (one reply
per iteration); its replies are counted from its log's token-usage lines,
so both columns count the same thing.

Both sides send the same temperature, max_tokens, timeout and retries, run
one proposal and one evaluation at a time, no cascade stages and no LLM
feedback, with two islands. Seeds reach the model differently, as each tool
does it: OpenEvolve sends its run's seed with every request (so the same
prompt gets the same reply from a seeded endpoint), Clade a seed per call
derived from the run's seed and the iteration.
"""

import argparse
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

import yaml

# Two-sided 95 % Student t quantiles by degrees of freedom.
T95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365,
       8: 2.306, 9: 2.262, 10: 2.228, 15: 2.131, 20: 2.086, 30: 2.042}


def t95(df):
    keys = [k for k in sorted(T95) if k <= df]
    return T95[keys[-1]] if keys else float("nan")


def interval(values):
    """Mean and the half-width of its 95 % t interval (nan for one value)."""
    mean = statistics.fmean(values)
    if len(values) < 2:
        return mean, float("nan")
    return mean, t95(len(values) - 1) * statistics.stdev(values) / math.sqrt(len(values))


def run_config(problem, args, seed, calls):
    """The problem's config.yaml with the comparison's model, budget and seed."""
    with open(os.path.join(problem, "config.yaml")) as f:
        config = yaml.safe_load(f) or {}
    config["max_iterations"] = calls
    config["random_seed"] = seed
    llm = config.setdefault("llm", {})
    llm.update({
        "api_base": args.url,
        "models": [{"name": args.model, "weight": 1.0}],
        "temperature": args.temperature,
        "max_tokens": args.max_tokens,
        "timeout": args.llm_timeout,
        "retries": 1,
    })
    llm.pop("evaluator_models", None)
    evaluator = config.setdefault("evaluator", {})
    evaluator["parallel_evaluations"] = 1
    # Both sides call `evaluate` alone: no cascade stages, no LLM feedback.
    evaluator["cascade_evaluation"] = False
    evaluator["use_llm_feedback"] = False
    return config


def copy_problem(problem, into, config):
    shutil.rmtree(into, ignore_errors=True)
    shutil.copytree(problem, into, ignore=shutil.ignore_patterns(
        "__pycache__", "openevolve_output*", ".*"))
    with open(os.path.join(into, "config.yaml"), "w") as f:
        yaml.safe_dump(config, f, sort_keys=False)


def env_with_key():
    env = dict(os.environ)
    # The local model needs no key, but both clients insist on one; another
    # endpoint's key comes from the caller's OPENAI_API_KEY.
    env.setdefault("OPENAI_API_KEY", "none")
    return env


def seed_score(folder):
    """The initial program's combined_score, from the problem's evaluator."""
    code = ("import json, sys; sys.path.insert(0, '.'); import evaluator; "
            "print(json.dumps(evaluator.evaluate('initial_program.py')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=folder, capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])["combined_score"]


def run_openevolve(problem, work, args, seed, calls):
    folder = os.path.join(work, "openevolve")
    copy_problem(problem, folder, run_config(problem, args, seed, calls))
    output = os.path.join(folder, "openevolve_output")
    started = time.time()
    log_path = os.path.join(work, "openevolve.log")
    with open(log_path, "w") as log:
        done = subprocess.run(
            [os.path.join(os.path.dirname(sys.executable), "openevolve-run"),
             "initial_program.py", "evaluator.py", "--config", "config.yaml",
             "--iterations", str(calls), "--output", output],
            cwd=folder, env=env_with_key(), stdout=log, stderr=subprocess.STDOUT)
    elapsed = time.time() - started
    info = os.path.join(output, "best", "best_program_info.json")
    if os.path.exists(info):
        with open(info) as f:
            best = json.load(f)["metrics"].get("combined_score")
    elif done.returncode != 0 and "iterations produced a candidate program" in open(log_path).read():
        # OpenEvolve exits with an error when no reply gave a usable edit:
        # its best is then the initial program, scored as it scores it.
        best = seed_score(folder)
    else:
        raise RuntimeError(f"openevolve-run failed ({done.returncode}); see {log_path}")
    replies, tokens = 0, 0
    for name in os.listdir(os.path.join(output, "logs")):
        with open(os.path.join(output, "logs", name)) as f:
            for line in f:
                # One line per reply (not the run's "Total LLM Token Usage"),
                # with its tokens when the endpoint reported them.
                if " - LLM Token Usage (" in line:
                    replies += 1
                    found = re.search(r"total_tokens=(\d+)", line)
                    tokens += int(found.group(1)) if found else 0
    return {"best": best, "llm_calls": replies, "tokens": tokens, "elapsed_s": round(elapsed, 1)}


def merge_toml(text, extra):
    """`text` with `extra`'s keys added: a key under a `[table]` that `text`
    already has goes into that table (TOML refuses a table twice), the rest
    is appended."""
    header, sections = None, {}
    for line in extra.splitlines():
        if re.match(r"^\[[^\[\]]+\]\s*$", line):
            header = line.strip()
            sections.setdefault(header, [])
        elif line.strip():
            sections.setdefault(header, []).append(line)
    for header, keys in sections.items():
        if header is None:
            text = "\n".join(keys) + "\n" + text
        elif re.search(r"(?m)^" + re.escape(header) + r"\s*$", text):
            text = re.sub(r"(?m)^" + re.escape(header) + r"\s*\n",
                          lambda m: m.group(0) + "\n".join(keys) + "\n", text, count=1)
        else:
            text += "\n" + header + "\n" + "\n".join(keys) + "\n"
    return text


def run_clade(problem, work, args, seed):
    folder = os.path.join(work, "clade-problem")
    copy_problem(problem, folder, run_config(problem, args, seed, args.calls))
    project = os.path.join(work, "clade")
    shutil.rmtree(project, ignore_errors=True)
    subprocess.run([args.clade, "import", "openevolve", folder, "--into", project,
                    "--python", sys.executable], check=True, stdout=subprocess.DEVNULL)
    path = os.path.join(project, "clade.toml")
    with open(path) as f:
        text = f.read()
    # One proposal at a time, as OpenEvolve's one worker; the budget in replies.
    # (evaluator.parallel_evaluations = 1 in config.yaml became run.parallel_evaluations).
    text = re.sub(r"(?m)^\[run\]\n", "[run]\nmax_llm_calls = %d\nparallel_proposals = 1\n"
                  % args.calls, text, count=1)
    text = merge_toml(text, args.clade_extra)
    with open(path, "w") as f:
        f.write(text)
    git = ["git", "-C", project, "-c", "user.name=clade", "-c", "user.email=clade@localhost"]
    subprocess.run(git[:3] + ["init", "-q", "-b", "main"], check=True)
    subprocess.run(git[:3] + ["add", "-A"], check=True)
    subprocess.run(git + ["commit", "-q", "-m", "problem"], check=True)
    started = time.time()
    events = subprocess.run([args.clade, "run", "--json", "--iterations", str(args.calls)],
                            cwd=project, env=env_with_key(), capture_output=True, text=True)
    with open(os.path.join(work, "clade.log"), "w") as log:
        log.write(events.stdout + events.stderr)
    if events.returncode != 0:
        raise RuntimeError(f"clade run failed: {events.stderr[-2000:]}")
    lines = [json.loads(line) for line in events.stdout.splitlines() if line.startswith("{")]
    finish = next(e for e in lines if e["event"] == "finish")
    duplicates = sum(1 for e in lines if e["event"] == "variant"
                     and (e.get("reason") or "").startswith(("duplicate", "near_duplicate")))
    best = (finish.get("best") or {}).get("score")
    totals = finish["totals"]
    return {"best": best, "llm_calls": totals["llm_calls"], "tokens": totals["tokens"],
            "elapsed_s": round(time.time() - started, 1), "validated": totals["validated"],
            "done": totals["done"], "duplicates": duplicates}


def fmt(score):
    return "-" if score is None else "%.4f" % score


def table(rows):
    lines = ["| problem | seed | Clade best | Clade calls | OpenEvolve best | OpenEvolve calls |",
             "| --- | --- | --- | --- | --- | --- |"]
    by_problem = {}
    for r in rows:
        by_problem.setdefault(r["problem"], []).append(r)
        lines.append(f"| {r['problem']} | {r['seed']} | {fmt(r['clade']['best'])} | "
                     f"{r['clade']['llm_calls']} | {fmt(r['openevolve']['best'])} | "
                     f"{r['openevolve']['llm_calls']} |")
    for problem, group in by_problem.items():
        # A run without a best (its seed rejected) scores 0, as OpenEvolve
        # scores a failed evaluation.
        best = lambda r, side: r[side]["best"] or 0.0
        clade = interval([best(r, "clade") for r in group])
        oe = interval([best(r, "openevolve") for r in group])
        diff = interval([best(r, "clade") - best(r, "openevolve") for r in group])
        lines.append(f"| {problem} | mean ± 95 % | {clade[0]:.4f} ± {clade[1]:.4f} | | "
                     f"{oe[0]:.4f} ± {oe[1]:.4f} | |")
        lines.append(f"| {problem} | Clade − OpenEvolve (paired) | {diff[0]:+.4f} ± {diff[1]:.4f} | | | |")
    return "\n".join(lines)


def ablation_table(rows):
    """Per problem and configuration: best per seed, mean ± 95 %, valid and
    duplicate shares of the iterations."""
    lines = ["| problem | Clade configuration | best per seed | mean ± 95 % | valid | duplicates | LLM calls |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    groups = {}
    for r in rows:
        groups.setdefault((r["problem"], r["variant"]), []).append(r["clade"])
    for (problem, variant), runs in groups.items():
        mean, half = interval([c["best"] or 0.0 for c in runs])
        done = sum(c["done"] for c in runs) or 1
        bests = ", ".join(fmt(c["best"]) for c in runs)
        lines.append(
            f"| {problem} | {variant} | {bests} | "
            f"{mean:.4f} ± {half:.4f} | {sum(c['validated'] for c in runs) / done:.0%} | "
            f"{sum(c['duplicates'] for c in runs) / done:.0%} | "
            f"{', '.join(str(c['llm_calls']) for c in runs)} |")
    return "\n".join(lines)


def ablate(args):
    """Clade alone under each `--ablate NAME=TOML` configuration."""
    rows = []
    with open(os.path.join(args.out, "ablation.jsonl"), "a") as results:
        for problem in args.problems:
            name = os.path.basename(os.path.normpath(problem))
            for spec in args.ablate:
                variant, _, extra = spec.partition("=")
                for seed in [int(s) for s in args.seeds.split(",")]:
                    work = os.path.join(args.out, name, variant, str(seed))
                    os.makedirs(work, exist_ok=True)
                    print(f"==> {name}, {variant}, seed {seed}", file=sys.stderr, flush=True)
                    args.clade_extra = extra.replace("\\n", "\n")
                    clade = run_clade(problem, work, args, seed)
                    print(f"    {clade}", file=sys.stderr, flush=True)
                    row = {"problem": name, "variant": variant, "seed": seed, "calls": args.calls,
                           "model": args.model, "clade": clade}
                    results.write(json.dumps(row) + "\n")
                    results.flush()
                    rows.append(row)
    print(ablation_table(rows))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--clade", required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--out", required=True)
    parser.add_argument("--temperature", type=float, default=0.7)
    parser.add_argument("--max-tokens", type=int, default=1024)
    parser.add_argument("--llm-timeout", type=int, default=900)
    parser.add_argument("--clade-extra", default="", help="TOML appended to clade.toml")
    parser.add_argument("--ablate", action="append", default=[],
                        help="NAME=TOML: Clade alone with TOML appended (\\n for newlines); repeatable")
    parser.add_argument("problems", nargs="+")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    if args.ablate:
        ablate(args)
        return
    rows = []
    with open(os.path.join(args.out, "results.jsonl"), "a") as results:
        for problem in args.problems:
            name = os.path.basename(os.path.normpath(problem))
            for seed in [int(s) for s in args.seeds.split(",")]:
                work = os.path.join(args.out, name, str(seed))
                os.makedirs(work, exist_ok=True)
                print(f"==> {name}, seed {seed}: Clade", file=sys.stderr, flush=True)
                clade = run_clade(problem, work, args, seed)
                print(f"    {clade}\n==> {name}, seed {seed}: OpenEvolve", file=sys.stderr, flush=True)
                # Clade may pass its budget by the calls of work in flight when
                # it is reached; OpenEvolve gets as many as Clade used.
                oe = run_openevolve(problem, work, args, seed, clade["llm_calls"])
                print(f"    {oe}", file=sys.stderr, flush=True)
                row = {"problem": name, "seed": seed, "calls": args.calls, "model": args.model,
                       "clade": clade, "openevolve": oe}
                results.write(json.dumps(row) + "\n")
                results.flush()
                rows.append(row)
    print(table(rows))


if __name__ == "__main__":
    main()
