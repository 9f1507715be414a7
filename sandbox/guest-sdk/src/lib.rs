//! The guest side of Clade's sandbox, for candidates built to `wasm32-wasip1`.
//!
//! The host offers functions in the `clade` import module. Each takes bytes
//! and returns bytes or an error message; [`host_import!`] declares one as a
//! safe Rust function. The ABI (see `clade-sandbox`'s `host_imports` module):
//! `clade.<name>(ptr, len) -> i64` is the reply's length, or `-(len + 1)` for
//! an error message of `len` bytes; `clade.result_read(ptr, len) -> i32`
//! copies the waiting reply into guest memory.
//!
//! Only what the host registered can be linked: a module importing anything
//! else is refused before it runs.

pub mod agent;
pub mod json;

/// An error message returned by a host function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostError(pub String);

impl std::fmt::Display for HostError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for HostError {}

#[link(wasm_import_module = "clade")]
unsafe extern "C" {
    #[link_name = "result_read"]
    fn clade_result_read(ptr: *mut u8, len: i32) -> i32;
}

/// Fetches the reply of the host call that returned `code`.
#[doc(hidden)]
pub fn __take_reply(code: i64) -> Result<Vec<u8>, HostError> {
    let (len, ok) = if code >= 0 { (code, true) } else { (-(code + 1), false) };
    let mut buf = vec![0u8; len as usize];
    // SAFETY: `buf` is a live allocation of exactly `len` bytes.
    let copied = unsafe { clade_result_read(buf.as_mut_ptr(), len as i32) };
    buf.truncate(copied.max(0) as usize);
    if ok {
        Ok(buf)
    } else {
        Err(HostError(String::from_utf8_lossy(&buf).into_owned()))
    }
}

/// Declares a host function of the `clade` import module as a safe function
/// `fn NAME(input: &[u8]) -> Result<Vec<u8>, HostError>`.
#[macro_export]
macro_rules! host_import {
    ($(#[$meta:meta])* $vis:vis fn $name:ident;) => {
        $(#[$meta])*
        $vis fn $name(input: &[u8]) -> ::core::result::Result<::std::vec::Vec<u8>, $crate::HostError> {
            mod import {
                #[link(wasm_import_module = "clade")]
                unsafe extern "C" {
                    pub fn $name(ptr: *const u8, len: i32) -> i64;
                }
            }
            // SAFETY: the host reads exactly `input.len()` bytes at `input`.
            let code = unsafe { import::$name(input.as_ptr(), input.len() as i32) };
            $crate::__take_reply(code)
        }
    };
}

host_import! {
    /// Returns its input unchanged (offered by hosts for testing the ABI).
    pub fn echo;
}

host_import! {
    /// Reports to a grading host that the named test returned. Offered only
    /// to the harness of a grading run; the library under test cannot reach
    /// it (it forbids `unsafe_code` and does not depend on this crate).
    pub fn test_passed;
}

/// Exports `clade_alloc(len) -> ptr`, through which the host puts data into
/// guest memory in call mode. Buffers are 8-byte aligned and never freed: a
/// call-mode session is short-lived and its memory is capped by the host.
#[macro_export]
macro_rules! export_alloc {
    () => {
        #[unsafe(no_mangle)]
        pub extern "C" fn clade_alloc(len: u32) -> *mut u8 {
            let words = (len as usize).div_ceil(8).max(1);
            let mut buffer = ::std::vec::Vec::<u64>::with_capacity(words);
            let ptr = buffer.as_mut_ptr().cast::<u8>();
            ::std::mem::forget(buffer);
            ptr
        }
    };
}

/// Exports a bin-packing priority for the `bin-packing-online` benchmark
/// (FunSearch's protocol), plus `clade_alloc`. The named function is
/// `fn(item: u32, remaining: &[u32], scores: &mut [f64])`: for each bin that
/// fits `item` (`remaining` holds their free capacities) write one finite
/// score; the item goes to the highest. The host calls
/// `clade_priority(item, remaining_ptr, n, scores_ptr)`.
#[macro_export]
macro_rules! bin_packing {
    ($priority:path) => {
        $crate::export_alloc!();

        /// # Safety
        /// The host passes `n` u32 values at `remaining` and room for `n`
        /// f64 at `scores`, both from `clade_alloc`.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn clade_priority(
            item: u32,
            remaining: *const u32,
            n: u32,
            scores: *mut f64,
        ) {
            // SAFETY: see above; the host owns the layout.
            let remaining = unsafe { ::std::slice::from_raw_parts(remaining, n as usize) };
            let scores = unsafe { ::std::slice::from_raw_parts_mut(scores, n as usize) };
            $priority(item, remaining, scores);
        }
    };
}

/// Exports a next-node choice for the `tsp-constructive` benchmark (ReEvo's
/// protocol), plus `clade_alloc`. The named function is
/// `fn(current: usize, destination: usize, unvisited: &[u32], distances: &[f64], n: usize) -> usize`,
/// where `distances` is the `n × n` matrix row by row; it returns one of
/// `unvisited`. The host calls `clade_next_node(current, destination,
/// unvisited_ptr, count, distances_ptr, n)`.
#[macro_export]
macro_rules! tsp_constructive {
    ($next_node:path) => {
        $crate::export_alloc!();

        /// # Safety
        /// The host passes `count` u32 at `unvisited` and `n * n` f64 at
        /// `distances`, both from `clade_alloc`.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn clade_next_node(
            current: u32,
            destination: u32,
            unvisited: *const u32,
            count: u32,
            distances: *const f64,
            n: u32,
        ) -> u32 {
            // SAFETY: see above; the host owns the layout.
            let unvisited = unsafe { ::std::slice::from_raw_parts(unvisited, count as usize) };
            let distances =
                unsafe { ::std::slice::from_raw_parts(distances, (n as usize) * (n as usize)) };
            $next_node(
                current as usize,
                destination as usize,
                unvisited,
                distances,
                n as usize,
            ) as u32
        }
    };
}

/// Exports an in-place sort for the `sort-speed` benchmark, plus
/// `clade_alloc`. The named function is `fn(values: &mut [u32])`; it must
/// leave `values` in ascending order. The host calls `clade_sort(ptr, n)`
/// on inputs it draws at evaluation time and scores the fuel used.
#[macro_export]
macro_rules! sort_speed {
    ($sort:path) => {
        $crate::export_alloc!();

        /// # Safety
        /// The host passes `n` u32 at `values`, from `clade_alloc`.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn clade_sort(values: *mut u32, n: u32) {
            // SAFETY: see above; the host owns the layout.
            let values = unsafe { ::std::slice::from_raw_parts_mut(values, n as usize) };
            $sort(values);
        }
    };
}
