//! Call mode: one instance, many calls, one budget; data through guest
//! memory; a restart clears the candidate's state but not the budget; a
//! failing call poisons the session.

mod common;

use clade_sandbox::{RunLimits, RunRequest, RunStatus, Value};
use common::{guest, limits, runner};

fn request(fuel: u64) -> RunRequest {
    RunRequest {
        limits: RunLimits { fuel, ..limits() },
        ..RunRequest::default()
    }
}

#[test]
fn calls_share_one_fuel_budget() {
    let runner = runner();
    let wasm = guest("call-mode");
    let mut one = runner
        .session(&wasm, &request(10_000_000))
        .unwrap()
        .unwrap();
    assert_eq!(
        one.call("add", &[Value::I32(2), Value::I32(3)]).unwrap(),
        [Value::I32(5)]
    );
    let one = one.finish();
    let mut many = runner
        .session(&wasm, &request(10_000_000))
        .unwrap()
        .unwrap();
    for i in 0..100 {
        assert_eq!(
            many.call("add", &[Value::I32(i), Value::I32(1)]).unwrap(),
            [Value::I32(i + 1)]
        );
    }
    assert_eq!(many.calls(), 100);
    let many = many.finish();
    assert_eq!(
        (one.status, many.status),
        (RunStatus::Exited, RunStatus::Exited)
    );
    assert!(
        many.fuel_used.unwrap() > 50 * one.fuel_used.unwrap(),
        "{many:?} vs {one:?}"
    );
}

#[test]
fn data_goes_through_guest_memory() {
    let runner = runner();
    let mut session = runner
        .session(&guest("call-mode"), &request(10_000_000))
        .unwrap()
        .unwrap();
    let values: Vec<u32> = (1..=1000).collect();
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    let ptr = session.alloc(bytes.len() as u32).unwrap();
    session.write(ptr, &bytes).unwrap();
    assert_eq!(session.read(ptr, 8).unwrap(), bytes[..8]);
    let sum = session
        .call("sum_u32", &[Value::I32(ptr as i32), Value::I32(1000)])
        .unwrap();
    assert_eq!(sum, [Value::I64(500_500)]);
}

#[test]
fn a_wasm_priority_function_reproduces_best_fit_on_or1() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../benchmarks/bin-packing-online/data/orlib_binpack1.txt"
    ))
    .unwrap();
    let instances = clade_scorers::bin_packing::parse_orlib(&text).unwrap();
    let runner = runner();
    let mut session = runner
        .session(&guest("call-mode"), &request(5_000_000_000))
        .unwrap()
        .unwrap();
    let max = instances.iter().map(|i| i.items.len()).max().unwrap() as u32;
    let remaining_ptr = session.alloc(4 * max).unwrap();
    let out_ptr = session.alloc(8 * max).unwrap();
    let mut failure = None;
    let excess = clade_scorers::bin_packing::mean_excess_percent(&instances, |item, bins| {
        let bytes: Vec<u8> = bins.iter().flat_map(|b| b.to_le_bytes()).collect();
        let called = session.write(remaining_ptr, &bytes).and_then(|()| {
            session.call(
                "priority",
                &[
                    Value::I32(item as i32),
                    Value::I32(remaining_ptr as i32),
                    Value::I32(bins.len() as i32),
                    Value::I32(out_ptr as i32),
                ],
            )
        });
        let scores = called.and_then(|_| session.read(out_ptr, 8 * bins.len() as u32));
        match scores {
            Ok(raw) => raw
                .chunks_exact(8)
                .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
                .collect(),
            Err(e) => {
                failure = Some(e);
                vec![f64::NAN; bins.len()]
            }
        }
    })
    .unwrap();
    assert_eq!(failure, None);
    assert_eq!((excess * 100.0).round() / 100.0, 5.81, "{excess}");
    let outcome = session.finish();
    assert_eq!(outcome.status, RunStatus::Exited);
    assert!(outcome.fuel_used.unwrap() > 0);
}

#[test]
fn a_failing_call_poisons_the_session() {
    let runner = runner();
    let mut session = runner
        .session(&guest("call-mode"), &request(1_000_000))
        .unwrap()
        .unwrap();
    let err = session.call("spin", &[]).unwrap_err();
    assert_eq!(err.status, RunStatus::OutOfFuel, "{err}");
    assert_eq!(
        session
            .call("add", &[Value::I32(1), Value::I32(1)])
            .unwrap_err(),
        err
    );
    let outcome = session.finish();
    assert_eq!(outcome.status, RunStatus::OutOfFuel);
    assert_eq!(outcome.fuel_used, Some(1_000_000));

    let mut session = runner
        .session(&guest("call-mode"), &request(u64::MAX / 2))
        .unwrap()
        .unwrap();
    let err = session.call("missing", &[]).unwrap_err();
    assert!(err.message.contains("no function named `missing`"), "{err}");

    let slow = RunRequest {
        limits: RunLimits {
            fuel: u64::MAX / 2,
            timeout: std::time::Duration::from_millis(200),
            ..limits()
        },
        ..RunRequest::default()
    };
    let mut session = runner.session(&guest("call-mode"), &slow).unwrap().unwrap();
    assert_eq!(
        session.call("spin", &[]).unwrap_err().status,
        RunStatus::Timeout
    );
    assert_eq!(session.finish().status, RunStatus::Timeout);
}

fn count(session: &mut clade_sandbox::Session<'_>) -> Value {
    session.call("count", &[]).unwrap()[0]
}

#[test]
fn a_restart_forgets_the_candidates_state() {
    let runner = runner();
    let mut session = runner
        .session(&guest("call-mode"), &request(10_000_000))
        .unwrap()
        .unwrap();
    assert_eq!(count(&mut session), Value::I32(1));
    assert_eq!(count(&mut session), Value::I32(2));
    let ptr = session.alloc(4).unwrap();
    session.write(ptr, &[9, 9, 9, 9]).unwrap();
    session.restart().unwrap();
    assert_eq!(count(&mut session), Value::I32(1));
    // The fresh memory holds nothing the old instance wrote.
    assert_eq!(session.read(ptr, 4).unwrap(), [0, 0, 0, 0]);
    assert_eq!(session.finish().status, RunStatus::Exited);
}

#[test]
fn a_restart_spends_the_same_budget() {
    let runner = runner();
    let calls = |restarts: bool| {
        let mut session = runner
            .session(&guest("call-mode"), &request(10_000_000))
            .unwrap()
            .unwrap();
        for _ in 0..20 {
            count(&mut session);
            if restarts {
                session.restart().unwrap();
            }
        }
        session.finish()
    };
    let (kept, restarted) = (calls(false), calls(true));
    assert_eq!(restarted.status, RunStatus::Exited, "{restarted:?}");
    // Fuel is counted across the instances, not reset with them.
    assert!(
        restarted.fuel_used.unwrap() >= kept.fuel_used.unwrap(),
        "{restarted:?} vs {kept:?}"
    );

    // A budget spent before the restart stays spent after it: half the
    // calls a budget affords, a restart, then calls until it runs out make
    // (nearly) as many calls as the budget affords without a restart.
    let until_out = |session: &mut clade_sandbox::Session<'_>| {
        let mut n = 0u32;
        while session.call("count", &[]).is_ok() {
            n += 1;
        }
        n
    };
    let budget = || {
        runner
            .session(&guest("call-mode"), &request(1_000_000))
            .unwrap()
            .unwrap()
    };
    let affords = until_out(&mut budget());
    let mut session = budget();
    for _ in 0..affords / 2 {
        count(&mut session);
    }
    session.restart().unwrap();
    let total = affords / 2 + until_out(&mut session);
    assert!(
        total <= affords && total >= affords * 9 / 10,
        "{total} calls across a restart, {affords} without"
    );
    assert_eq!(session.finish().status, RunStatus::OutOfFuel);
}

#[test]
fn a_poisoned_session_does_not_restart() {
    let runner = runner();
    let mut session = runner
        .session(&guest("call-mode"), &request(1_000_000))
        .unwrap()
        .unwrap();
    assert_eq!(
        session.call("spin", &[]).unwrap_err().status,
        RunStatus::OutOfFuel
    );
    assert_eq!(session.restart().unwrap_err().status, RunStatus::OutOfFuel);
    assert_eq!(session.finish().fuel_used, Some(1_000_000));
}
