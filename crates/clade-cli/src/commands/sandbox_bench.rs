//! `clade sandbox bench`: the sandbox's performance figures, each measured
//! side by side in one process and printed as medians and ratios.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clade_sandbox::{
    BuildStatus, Builder, BuilderConfig, RunLimits, RunRequest, RunStatus, Runner, RunnerConfig,
};
use serde_json::json;

const NOOP: &str = "fn main() {}\n";
const SPIN: &str = r#"fn main() {
    let n: u64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(0);
    // An LCG step per iteration: a dependency chain the compiler cannot
    // fold, with no memory traffic to hide the fuel counter's cost.
    let mut x = 0u64;
    for i in 0..n {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(i | 1);
    }
    println!("{x}");
}
"#;
const REBUILD_ROUNDS: usize = 7;
const SPIN_ITERATIONS: &str = "200000000";
const FUEL_ROUNDS: usize = 5;

pub fn run(runs: usize, json: bool) -> anyhow::Result<()> {
    let runs = runs.max(5);
    let scratch = tempfile_dir()?;
    let builder = Builder::new(BuilderConfig::default())?;
    let noop = build(&builder, &scratch.join("noop"), NOOP)?;
    let spin = build(&builder, &scratch.join("spin"), SPIN)?;

    // Warm no-op run vs spawning /bin/true, interleaved so both see the same machine.
    let runner = Runner::new(RunnerConfig {
        cache_dir: Some(scratch.join("modules")),
        ..RunnerConfig::default()
    })?;
    let compile_started = Instant::now();
    expect_exit(&runner.run(&noop, &RunRequest::default())?)?;
    let cold_ms = ms(compile_started);
    let disk_runner = Runner::new(RunnerConfig {
        cache_dir: Some(scratch.join("modules")),
        ..RunnerConfig::default()
    })?;
    let disk_started = Instant::now();
    expect_exit(&disk_runner.run(&noop, &RunRequest::default())?)?;
    let disk_ms = ms(disk_started);

    let mut wasm_ms = Vec::with_capacity(runs);
    let mut spawn_ms = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        expect_exit(&runner.run(&noop, &RunRequest::default())?)?;
        wasm_ms.push(ms(t));
        let t = Instant::now();
        let status = std::process::Command::new("/bin/true")
            .status()
            .context("spawning /bin/true")?;
        spawn_ms.push(ms(t));
        if !status.success() {
            bail!("/bin/true failed");
        }
    }

    // Rebuild after a one-line change: each round changes one constant.
    let mut rebuild_ms = Vec::with_capacity(REBUILD_ROUNDS);
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    for round in 0..REBUILD_ROUNDS {
        let source =
            format!("const K: u128 = {stamp}{round};\nfn main() {{ println!(\"{{}}\", K); }}\n");
        let dir = scratch.join("rebuild");
        write_crate(&dir, &source)?;
        let outcome = builder.build(&dir)?;
        if outcome.status != BuildStatus::Ok || outcome.cached {
            bail!(
                "rebuild round {round} did not compile: {:?}",
                outcome.reason
            );
        }
        rebuild_ms.push(outcome.build_ms);
    }

    // Fuel overhead on a tight loop, alternating metered and unmetered runs.
    let unmetered = Runner::new(RunnerConfig {
        consume_fuel: false,
        cache_dir: None,
        ..RunnerConfig::default()
    })?;
    let request = RunRequest {
        args: vec![SPIN_ITERATIONS.into()],
        limits: RunLimits {
            fuel: u64::MAX / 2,
            timeout: Duration::from_secs(120),
            ..RunLimits::default()
        },
        ..RunRequest::default()
    };
    let mut fuel_ms = Vec::new();
    let mut nofuel_ms = Vec::new();
    let mut fuel_used = None;
    for _ in 0..FUEL_ROUNDS {
        let metered = runner.run(&spin, &request)?;
        expect_exit(&metered)?;
        fuel_used = metered.fuel_used;
        fuel_ms.push(metered.wall_ms);
        let plain = unmetered.run(&spin, &request)?;
        expect_exit(&plain)?;
        nofuel_ms.push(plain.wall_ms);
    }

    let report = json!({
        "noop_run_ms_median": median(&mut wasm_ms),
        "bin_true_spawn_ms_median": median(&mut spawn_ms),
        "spawn_over_run_ratio": median(&mut spawn_ms) / median(&mut wasm_ms),
        "runs": runs,
        "first_run_with_compile_ms": cold_ms,
        "first_run_from_disk_cache_ms": disk_ms,
        "rebuild_one_line_ms_median": median(&mut rebuild_ms),
        "rebuild_rounds": REBUILD_ROUNDS,
        "tight_loop_with_fuel_ms_median": median(&mut fuel_ms),
        "tight_loop_without_fuel_ms_median": median(&mut nofuel_ms),
        "fuel_overhead_ratio": median(&mut fuel_ms) / median(&mut nofuel_ms),
        "tight_loop_fuel_used": fuel_used,
        "tight_loop_iterations": SPIN_ITERATIONS.parse::<u64>().unwrap_or(0),
    });
    if json {
        println!("{report}");
    } else {
        let f = |k: &str| report[k].as_f64().unwrap_or(f64::NAN);
        println!(
            "sandbox bench (medians; {runs} runs, {REBUILD_ROUNDS} rebuilds, {FUEL_ROUNDS} loop rounds)"
        );
        println!(
            "  warm no-op wasm run      {:>9.3} ms",
            f("noop_run_ms_median")
        );
        println!(
            "  spawn /bin/true          {:>9.3} ms   ({:.1}x the wasm run)",
            f("bin_true_spawn_ms_median"),
            f("spawn_over_run_ratio")
        );
        println!(
            "  first run, compiling     {:>9.3} ms",
            f("first_run_with_compile_ms")
        );
        println!(
            "  first run, disk cache    {:>9.3} ms",
            f("first_run_from_disk_cache_ms")
        );
        println!(
            "  rebuild after 1-line edit{:>9.1} ms",
            f("rebuild_one_line_ms_median")
        );
        println!(
            "  tight loop with fuel     {:>9.1} ms",
            f("tight_loop_with_fuel_ms_median")
        );
        println!(
            "  tight loop without fuel  {:>9.1} ms   (fuel costs {:.2}x)",
            f("tight_loop_without_fuel_ms_median"),
            f("fuel_overhead_ratio")
        );
    }
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(())
}

fn build(builder: &Builder, dir: &Path, source: &str) -> anyhow::Result<Vec<u8>> {
    write_crate(dir, source)?;
    let outcome = builder.build(dir)?;
    let Some(wasm) = outcome.wasm.filter(|_| outcome.status == BuildStatus::Ok) else {
        bail!(
            "benchmark guest failed to build: {:?} {:?}",
            outcome.reason,
            outcome.diagnostics
        );
    };
    std::fs::read(&wasm).with_context(|| format!("reading {}", wasm.display()))
}

fn write_crate(dir: &Path, main_rs: &str) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir.join("src"))?;
    std::fs::write(dir.join("src/main.rs"), main_rs)?;
    Ok(())
}

fn expect_exit(outcome: &clade_sandbox::RunOutcome) -> anyhow::Result<()> {
    if outcome.status != RunStatus::Exited || outcome.exit_code != Some(0) {
        bail!(
            "benchmark guest did not exit cleanly: {} {:?}",
            outcome.status,
            outcome.trap
        );
    }
    Ok(())
}

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("clade-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1e3
}
