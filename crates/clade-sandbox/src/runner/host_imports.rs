//! Host functions a guest can call through the `clade` import module.
//!
//! ABI (mirrored by the `clade-guest` SDK):
//! - `clade.<name>(in_ptr: i32, in_len: i32) -> i64` runs the host function on
//!   the input bytes. It returns the reply's length (`>= 0`), or `-(len + 1)`
//!   where `len` is the length of an error message. Either way the bytes wait
//!   on the host until the guest fetches them.
//! - `clade.result_read(out_ptr: i32, out_len: i32) -> i32` copies the waiting
//!   bytes (at most `out_len`) into guest memory, returns how many it copied,
//!   and forgets them; `-1` when nothing waits.
//!
//! Host functions see only the bytes the guest passed; they cannot touch the
//! store. A guest passing pointers outside its memory traps.
//!
//! Two kinds of functions: [`HostImports::with`] registers one function for
//! every run of the runner (stateless, or state shared by all runs), and
//! [`HostImports::per_run`] declares a name whose implementation each run
//! brings as a [`RunHost`] (`Runner::run_with_host`): state that lives as
//! long as one run, and the run's deadline, which a blocking function must
//! honour. A per-run name called in a run without a `RunHost` is refused
//! with a message, never a trap.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Instant;

use wasmtime::{Caller, Extern, Linker};

use super::GuestState;

/// A host function: input bytes in, reply bytes or an error message out.
pub type HostFn = Arc<dyn Fn(&[u8]) -> Result<Vec<u8>, String> + Send + Sync>;

/// The host side of one run's per-run imports.
///
/// `call` runs on the guest's thread while the guest waits: it must return
/// by `deadline` (the run's wall-clock limit); the run ends at the deadline
/// either way, but a call that blocks past it holds the thread.
pub trait RunHost: Send + Sync {
    fn call(&self, name: &str, input: &[u8], deadline: Instant) -> Result<Vec<u8>, String>;
}

/// The import module name guests link against.
pub const IMPORT_MODULE: &str = "clade";
const RESULT_READ: &str = "result_read";
/// The largest input a guest may hand to a host function in one call.
const MAX_INPUT_BYTES: usize = 64 << 20;

/// The set of host functions offered to guests.
#[derive(Clone, Default)]
pub struct HostImports {
    functions: BTreeMap<String, HostFn>,
    per_run: BTreeSet<String>,
}

impl std::fmt::Debug for HostImports {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set()
            .entries(self.functions.keys().chain(&self.per_run))
            .finish()
    }
}

impl HostImports {
    pub fn new() -> Self {
        Self::default()
    }

    /// Offers `function` to guests as `clade.<name>`.
    ///
    /// # Panics
    /// When `name` is not an ASCII identifier or is reserved (`result_read`):
    /// the set of imports is fixed by host code, never by input.
    pub fn with(
        mut self,
        name: &str,
        function: impl Fn(&[u8]) -> Result<Vec<u8>, String> + Send + Sync + 'static,
    ) -> Self {
        self.check_name(name);
        self.functions.insert(name.to_string(), Arc::new(function));
        self
    }

    /// Offers `clade.<name>` to guests, answered by the [`RunHost`] of each
    /// run (`Runner::run_with_host`).
    ///
    /// # Panics
    /// As [`HostImports::with`], and when `name` is already offered.
    pub fn per_run(mut self, name: &str) -> Self {
        self.check_name(name);
        self.per_run.insert(name.to_string());
        self
    }

    fn check_name(&self, name: &str) {
        let valid = !name.is_empty()
            && name != RESULT_READ
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        assert!(valid, "invalid host import name {name:?}");
        let taken = self.functions.contains_key(name) || self.per_run.contains(name);
        assert!(!taken, "host import {name:?} is offered twice");
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.functions
            .keys()
            .chain(&self.per_run)
            .map(String::as_str)
    }

    pub(crate) fn add_to_linker(&self, linker: &mut Linker<GuestState>) -> wasmtime::Result<()> {
        for (name, function) in &self.functions {
            let function = function.clone();
            add_function(linker, name, move |_, input| function(input))?;
        }
        for name in &self.per_run {
            let owned = name.clone();
            add_function(linker, name, move |state, input| match &state.run_host {
                Some(host) => host.call(&owned, input, state.deadline),
                None => Err(format!("`clade.{owned}` is not offered to this run")),
            })?;
        }
        linker.func_wrap(
            IMPORT_MODULE,
            RESULT_READ,
            |mut caller: Caller<'_, GuestState>, ptr: i32, len: i32| -> wasmtime::Result<i32> {
                let Some(reply) = caller.data_mut().host_reply.take() else {
                    return Ok(-1);
                };
                let n = reply.len().min(len as u32 as usize);
                let memory = guest_memory(&mut caller)?;
                memory
                    .write(&mut caller, ptr as u32 as usize, &reply[..n])
                    .map_err(|_| {
                        wasmtime::format_err!("host import output is outside guest memory")
                    })?;
                Ok(n as i32)
            },
        )?;
        Ok(())
    }
}

/// Links `clade.<name>(ptr, len) -> i64` to `function`, which sees the run's
/// state and the input bytes.
fn add_function(
    linker: &mut Linker<GuestState>,
    name: &str,
    function: impl Fn(&GuestState, &[u8]) -> Result<Vec<u8>, String> + Send + Sync + 'static,
) -> wasmtime::Result<()> {
    linker.func_wrap(
        IMPORT_MODULE,
        name,
        move |mut caller: Caller<'_, GuestState>, ptr: i32, len: i32| -> wasmtime::Result<i64> {
            let len = len as u32 as usize;
            // Too much input is refused, not trapped: the guest reads the
            // refusal like any other error and may go on.
            let answer = if len > MAX_INPUT_BYTES {
                Err(format!(
                    "refused: host import input of {len} bytes exceeds {MAX_INPUT_BYTES}"
                ))
            } else {
                let memory = guest_memory(&mut caller)?;
                let mut input = vec![0u8; len];
                memory
                    .read(&caller, ptr as u32 as usize, &mut input)
                    .map_err(|_| {
                        wasmtime::format_err!("host import input is outside guest memory")
                    })?;
                function(caller.data(), &input)
            };
            let (reply, code) = match answer {
                Ok(reply) => {
                    let n = reply.len() as i64;
                    (reply, n)
                }
                Err(message) => {
                    let n = message.len() as i64;
                    (message.into_bytes(), -n - 1)
                }
            };
            caller.data_mut().host_reply = Some(reply);
            Ok(code)
        },
    )?;
    Ok(())
}

fn guest_memory(caller: &mut Caller<'_, GuestState>) -> wasmtime::Result<wasmtime::Memory> {
    match caller.get_export("memory") {
        Some(Extern::Memory(memory)) => Ok(memory),
        _ => wasmtime::bail!("the guest exports no memory named `memory`"),
    }
}
