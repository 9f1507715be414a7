//! Exports for call-mode tests: scalars, data through guest memory, state
//! kept between calls, and a function that never returns.

clade_guest::export_alloc!();

#[unsafe(no_mangle)]
pub extern "C" fn add(a: i32, b: i32) -> i32 {
    a.wrapping_add(b)
}

/// Sums `n` u32 values at `ptr`.
///
/// # Safety
/// The host passes a buffer of `n` u32 values from `clade_alloc`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sum_u32(ptr: *const u32, n: u32) -> u64 {
    let values = unsafe { std::slice::from_raw_parts(ptr, n as usize) };
    values.iter().map(|&v| u64::from(v)).sum()
}

/// Best fit as a bin-packing priority: one score per fitting bin.
///
/// # Safety
/// The host passes `n` u32 capacities at `remaining` and room for `n` f64
/// scores at `out`, both from `clade_alloc`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn priority(item: u32, remaining: *const u32, n: u32, out: *mut f64) {
    let remaining = unsafe { std::slice::from_raw_parts(remaining, n as usize) };
    let out = unsafe { std::slice::from_raw_parts_mut(out, n as usize) };
    for (score, &left) in out.iter_mut().zip(remaining) {
        *score = -(f64::from(left) - f64::from(item));
    }
}

/// How many times it was called in this instance: state a restart must clear.
#[unsafe(no_mangle)]
pub extern "C" fn count() -> u32 {
    static CALLS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1
}

#[unsafe(no_mangle)]
pub extern "C" fn spin() {
    let mut x = 0u64;
    loop {
        x = std::hint::black_box(x.wrapping_add(1));
    }
}

fn main() {}
