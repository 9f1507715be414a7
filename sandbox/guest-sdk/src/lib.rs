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
