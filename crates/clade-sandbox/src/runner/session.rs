//! Call mode: one instance, many calls of its exports, one budget.
//!
//! Function benchmarks (a priority function, a next-node function) are
//! candidates the host calls thousands of times, passing data through guest
//! memory. The fuel and deadline of the session cover all calls together;
//! the memory limit holds for each instance. The first failing call poisons the session: later calls return
//! the same failure, and [`Session::finish`] reports it as the outcome.
//!
//! [`Session::restart`] gives the candidate a fresh instance (new memory,
//! globals and WASI state) that spends what is left of the same budget, so a
//! benchmark can call each problem instance on a candidate that remembers
//! nothing of the previous ones.
//!
//! Guest memory is reached through the guest's exported `memory`; buffers are
//! allocated with the guest's `clade_alloc(len) -> ptr` export, which the
//! guest SDK's `export_alloc!()` provides.

use wasmtime::{Instance, InstancePre, Val};

use super::outcome::{RunOutcome, RunStatus};
use super::{Armed, GuestState, RunRequest, Runner, classify};

/// A wasm value passed to or returned from an export.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    I32(i32),
    I64(i64),
    F32(f32),
    F64(f64),
}

impl Value {
    fn to_val(self) -> Val {
        match self {
            Value::I32(v) => Val::I32(v),
            Value::I64(v) => Val::I64(v),
            Value::F32(v) => Val::F32(v.to_bits()),
            Value::F64(v) => Val::F64(v.to_bits()),
        }
    }

    fn from_val(val: &Val) -> Option<Value> {
        match val {
            Val::I32(v) => Some(Value::I32(*v)),
            Val::I64(v) => Some(Value::I64(*v)),
            Val::F32(bits) => Some(Value::F32(f32::from_bits(*bits))),
            Val::F64(bits) => Some(Value::F64(f64::from_bits(*bits))),
            _ => None,
        }
    }
}

/// Why a call failed: the candidate's fault, as a status and a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status}: {message}")]
pub struct CallError {
    pub status: RunStatus,
    pub message: String,
}

pub struct Session<'r> {
    runner: &'r Runner,
    armed: Armed,
    pre: InstancePre<GuestState>,
    instance: Instance,
    request: RunRequest,
    failure: Option<CallError>,
    calls: u64,
}

impl<'r> Session<'r> {
    pub(super) fn new(
        runner: &'r Runner,
        armed: Armed,
        pre: InstancePre<GuestState>,
        instance: Instance,
        request: RunRequest,
    ) -> Self {
        Session {
            runner,
            armed,
            pre,
            instance,
            request,
            failure: None,
            calls: 0,
        }
    }

    /// Drops the instance and makes a fresh one from the module, in a fresh
    /// store that spends what is left of the session's fuel and time: the
    /// candidate keeps no memory, global or WASI state from before. Output
    /// goes on into the same capped pipes; buffers must be allocated again.
    pub fn restart(&mut self) -> Result<(), CallError> {
        if let Some(failure) = &self.failure {
            return Err(failure.clone());
        }
        if let Err(message) = self.runner.fresh_store(&mut self.armed, &self.request) {
            return self.fail(RunStatus::Timeout, message);
        }
        match self.pre.instantiate(&mut self.armed.store) {
            Ok(instance) => {
                self.instance = instance;
                Ok(())
            }
            Err(err) => {
                let (status, _, trap) = classify(&err);
                self.fail(
                    status,
                    trap.unwrap_or_else(|| "re-instantiating failed".into()),
                )
            }
        }
    }

    /// Whether the instance exports a function `name`.
    pub(crate) fn exports_function(&mut self, name: &str) -> bool {
        self.failure.is_none()
            && self
                .instance
                .get_func(&mut self.armed.store, name)
                .is_some()
    }

    /// Poisons the session with a failure its caller found (a Python
    /// exception): later calls and the outcome report it.
    pub(crate) fn poison(&mut self, status: RunStatus, message: String) -> CallError {
        let error = CallError { status, message };
        self.failure = Some(error.clone());
        error
    }

    /// How many calls were made.
    pub fn calls(&self) -> u64 {
        self.calls
    }

    /// Calls export `name` with `args`; returns its results.
    pub fn call(&mut self, name: &str, args: &[Value]) -> Result<Vec<Value>, CallError> {
        if let Some(failure) = &self.failure {
            return Err(failure.clone());
        }
        self.calls += 1;
        let store = &mut self.armed.store;
        let Some(func) = self.instance.get_func(&mut *store, name) else {
            return self.fail(
                RunStatus::Trapped,
                format!("the module exports no function named `{name}`"),
            );
        };
        let ty = func.ty(&*store);
        let params: Vec<Val> = args.iter().map(|a| a.to_val()).collect();
        let mut results: Vec<Val> = ty
            .results()
            .map(|t| Val::default_for_ty(&t).unwrap_or(Val::I32(0)))
            .collect();
        match func.call(&mut *store, &params, &mut results) {
            Ok(()) => results
                .iter()
                .map(|v| Value::from_val(v).ok_or(()))
                .collect::<Result<Vec<_>, _>>()
                .or_else(|()| {
                    self.fail(
                        RunStatus::Trapped,
                        format!("`{name}` returned a non-numeric value"),
                    )
                }),
            Err(err) => {
                let (status, _, trap) = classify(&err);
                self.fail(status, trap.unwrap_or_else(|| format!("`{name}` failed")))
            }
        }
    }

    /// Allocates `len` bytes in guest memory through the guest's
    /// `clade_alloc` export.
    pub fn alloc(&mut self, len: u32) -> Result<u32, CallError> {
        match self
            .call("clade_alloc", &[Value::I32(len as i32)])?
            .as_slice()
        {
            [Value::I32(ptr)] => Ok(*ptr as u32),
            _ => self.fail(
                RunStatus::Trapped,
                "`clade_alloc` must return one i32 pointer".into(),
            ),
        }
    }

    pub fn write(&mut self, ptr: u32, bytes: &[u8]) -> Result<(), CallError> {
        let memory = self.memory()?;
        if memory
            .write(&mut self.armed.store, ptr as usize, bytes)
            .is_err()
        {
            return self.fail(
                RunStatus::Trapped,
                format!("writing {} bytes at {ptr} leaves guest memory", bytes.len()),
            );
        }
        Ok(())
    }

    pub fn read(&mut self, ptr: u32, len: u32) -> Result<Vec<u8>, CallError> {
        let memory = self.memory()?;
        let mut out = vec![0u8; len as usize];
        if memory
            .read(&self.armed.store, ptr as usize, &mut out)
            .is_err()
        {
            return self.fail(
                RunStatus::Trapped,
                format!("reading {len} bytes at {ptr} leaves guest memory"),
            );
        }
        Ok(out)
    }

    fn memory(&mut self) -> Result<wasmtime::Memory, CallError> {
        if let Some(failure) = &self.failure {
            return Err(failure.clone());
        }
        match self.instance.get_memory(&mut self.armed.store, "memory") {
            Some(memory) => Ok(memory),
            None => self.fail(RunStatus::Trapped, "the module exports no memory".into()),
        }
    }

    fn fail<T>(&mut self, status: RunStatus, message: String) -> Result<T, CallError> {
        let error = CallError { status, message };
        self.failure = Some(error.clone());
        Err(error)
    }

    /// The outcome of the whole session: `exited` with code 0 when every call
    /// succeeded, else the first failure; fuel, wall time, memory and output
    /// cover all calls.
    pub fn finish(self) -> RunOutcome {
        let (status, exit_code, trap) = match self.failure {
            None => (RunStatus::Exited, Some(0), None),
            Some(failure) => (failure.status, None, Some(failure.message)),
        };
        self.runner
            .conclude(self.armed, &self.request.limits, status, exit_code, trap)
    }
}
