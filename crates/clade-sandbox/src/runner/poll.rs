//! A deadline-aware replacement for WASI's `poll_oneoff`.
//!
//! With synchronous WASI, a guest's `sleep` blocks the host thread, and epoch
//! interruption only fires inside wasm code, so a guest could sleep far past
//! its deadline. This implementation shadows `wasi_snapshot_preview1::
//! poll_oneoff`: it sleeps at most until the run's deadline and then fails the
//! call with [`DeadlineExceeded`], which the runner reports as `timeout`.
//! Clock subscriptions are honoured; fd subscriptions report ready at once
//! (stdin and stdout are in-memory pipes, never blocking).

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use wasmtime::{Caller, Extern};

use super::GuestState;

/// Raised inside the guest when a blocking call reaches the run's deadline.
#[derive(Debug, thiserror::Error)]
#[error("wall-clock deadline reached while the guest was blocked in poll_oneoff (sleep)")]
pub(crate) struct DeadlineExceeded;

const SUBSCRIPTION_SIZE: usize = 48;
const EVENT_SIZE: usize = 32;
const MAX_SUBSCRIPTIONS: u32 = 4096;

const ERRNO_SUCCESS: i32 = 0;
const ERRNO_FAULT: i32 = 21;
const ERRNO_INVAL: i32 = 28;

const TAG_CLOCK: u8 = 0;
const CLOCK_REALTIME: u32 = 0;
const CLOCK_MONOTONIC: u32 = 1;
const SUBCLOCKFLAG_ABSTIME: u16 = 1;

struct Subscription {
    userdata: u64,
    tag: u8,
    /// For clock subscriptions: how long from now until it fires.
    wait: Duration,
}

fn read_u64(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(a)
}

fn read_u32(b: &[u8], at: usize) -> u32 {
    let mut a = [0u8; 4];
    a.copy_from_slice(&b[at..at + 4]);
    u32::from_le_bytes(a)
}

fn read_u16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn parse(raw: &[u8], monotonic_origin: Instant) -> Result<Subscription, i32> {
    let userdata = read_u64(raw, 0);
    let tag = raw[8];
    if tag != TAG_CLOCK {
        return Ok(Subscription {
            userdata,
            tag,
            wait: Duration::ZERO,
        });
    }
    let clock = read_u32(raw, 16);
    let timeout = read_u64(raw, 24);
    let flags = read_u16(raw, 40);
    let wait = if flags & SUBCLOCKFLAG_ABSTIME == 0 {
        Duration::from_nanos(timeout)
    } else {
        let now = match clock {
            CLOCK_REALTIME => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default(),
            CLOCK_MONOTONIC => monotonic_origin.elapsed(),
            _ => return Err(ERRNO_INVAL),
        };
        Duration::from_nanos(timeout).saturating_sub(now)
    };
    Ok(Subscription {
        userdata,
        tag,
        wait,
    })
}

/// The host function installed as `wasi_snapshot_preview1::poll_oneoff`.
pub(crate) fn poll_oneoff(
    mut caller: Caller<'_, GuestState>,
    subs_ptr: i32,
    events_ptr: i32,
    nsubs: i32,
    nevents_ptr: i32,
) -> wasmtime::Result<i32> {
    let nsubs = nsubs as u32;
    if nsubs == 0 || nsubs > MAX_SUBSCRIPTIONS {
        return Ok(ERRNO_INVAL);
    }
    let Some(Extern::Memory(memory)) = caller.get_export("memory") else {
        return Ok(ERRNO_FAULT);
    };
    let mut raw = vec![0u8; nsubs as usize * SUBSCRIPTION_SIZE];
    if memory
        .read(&caller, subs_ptr as u32 as usize, &mut raw)
        .is_err()
    {
        return Ok(ERRNO_FAULT);
    }
    let origin = caller.data().monotonic_origin;
    let mut subs = Vec::with_capacity(nsubs as usize);
    for chunk in raw.chunks_exact(SUBSCRIPTION_SIZE) {
        match parse(chunk, origin) {
            Ok(sub) => subs.push(sub),
            Err(errno) => return Ok(errno),
        }
    }

    let fd_ready = subs.iter().any(|s| s.tag != TAG_CLOCK);
    let wait = if fd_ready {
        Duration::ZERO
    } else {
        subs.iter().map(|s| s.wait).min().unwrap_or_default()
    };
    let remaining = caller
        .data()
        .deadline
        .saturating_duration_since(Instant::now());
    if wait >= remaining {
        std::thread::sleep(remaining);
        return Err(wasmtime::Error::new(DeadlineExceeded));
    }
    std::thread::sleep(wait);

    let mut events = Vec::new();
    for sub in subs.iter().filter(|s| s.tag != TAG_CLOCK || s.wait <= wait) {
        let mut event = [0u8; EVENT_SIZE];
        event[0..8].copy_from_slice(&sub.userdata.to_le_bytes());
        // error (u16 at 8) stays 0; type (u8 at 10) mirrors the tag.
        event[10] = sub.tag;
        events.extend_from_slice(&event);
    }
    let count = (events.len() / EVENT_SIZE) as u32;
    if memory
        .write(&mut caller, events_ptr as u32 as usize, &events)
        .is_err()
        || memory
            .write(
                &mut caller,
                nevents_ptr as u32 as usize,
                &count.to_le_bytes(),
            )
            .is_err()
    {
        return Ok(ERRNO_FAULT);
    }
    Ok(ERRNO_SUCCESS)
}

/// WASI's monotonic clock, counted from an origin the poller can see too, so
/// absolute monotonic timeouts in `poll_oneoff` can be converted.
pub(crate) struct MonotonicFrom(pub Instant);

impl wasmtime_wasi::HostMonotonicClock for MonotonicFrom {
    fn resolution(&self) -> u64 {
        1
    }

    fn now(&self) -> u64 {
        self.0.elapsed().as_nanos() as u64
    }
}
