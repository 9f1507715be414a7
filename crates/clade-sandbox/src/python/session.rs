//! Python sessions: one interpreter the host asks many questions, for
//! function benchmarks whose skeleton stays in the host.
//!
//! A session instantiates the runtime, runs a trusted *setup* (code the host
//! chose: it loads the program's script into a namespace of its own and
//! defines small helpers), then one *turn* per question: the host leaves the
//! question at the door, runs a line of code in `__main__`, and takes the
//! last frame that code sent through `_host.call` as the answer. The host
//! reads nothing but the answer's bytes and checks them itself: a program
//! that rewrites the helpers changes only its own answers, never a score.
//!
//! [`PythonSession::restart`] gives a fresh interpreter, which runs the
//! setup again, on what is left of the same budget: each problem instance
//! meets a program that remembers nothing of the ones before.
//!
//! The first failure (an exception, a trap, fuel or time running out)
//! poisons the session, as in [`crate::Session`]: later turns return it and
//! the outcome reports it; a traceback is on the outcome's stderr.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use crate::runner::Session;
use crate::{CallError, RunHost, RunOutcome, RunStatus, Value};

use super::DOOR;

/// The door of one session: the question the next frame is answered with,
/// and the last frame the program sent.
#[derive(Default)]
pub(crate) struct Door {
    slots: Mutex<Slots>,
}

#[derive(Default)]
struct Slots {
    question: Vec<u8>,
    answer: Option<Vec<u8>>,
}

impl Door {
    fn slots(&self) -> MutexGuard<'_, Slots> {
        // A panic while the lock was held leaves plain bytes behind: still usable.
        self.slots
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl RunHost for Door {
    fn call(&self, name: &str, frame: &[u8], _deadline: Instant) -> Result<Vec<u8>, String> {
        if name != DOOR {
            return Err(format!("a Python session offers no host function {name:?}"));
        }
        let mut slots = self.slots();
        slots.answer = Some(frame.to_vec());
        Ok(std::mem::take(&mut slots.question))
    }
}

/// A running interpreter (see the module doc). Made by
/// [`super::PythonRunner::with_session`].
pub struct PythonSession<'r> {
    session: Session<'r>,
    door: Arc<Door>,
    setup: String,
}

impl<'r> PythonSession<'r> {
    /// Boots the interpreter and runs `setup`; a failing setup poisons the
    /// session, so the first turn reports it.
    pub(crate) fn start(session: Session<'r>, door: Arc<Door>, setup: String) -> Self {
        let mut python = PythonSession {
            session,
            door,
            setup,
        };
        let _ = python.boot();
        python
    }

    fn boot(&mut self) -> Result<(), CallError> {
        if self.session.exports_function("_initialize") {
            self.session.call("_initialize", &[])?;
        }
        let setup = std::mem::take(&mut self.setup);
        let done = self.run_code(&setup, &[]);
        self.setup = setup;
        done.map(drop)
    }

    /// Runs `code` in `__main__` with `question` waiting at the door; the
    /// last frame the code sent through `_host.call`.
    pub fn turn(&mut self, code: &str, question: &[u8]) -> Result<Vec<u8>, CallError> {
        match self.run_code(code, question)? {
            Some(answer) => Ok(answer),
            None => Err(self.session.poison(
                RunStatus::Exited,
                format!("the turn `{code}` sent no answer through _host.call"),
            )),
        }
    }

    /// A fresh interpreter on what is left of the budget, set up again.
    pub fn restart(&mut self) -> Result<(), CallError> {
        self.session.restart()?;
        self.boot()
    }

    /// How the whole session ended, with fuel, time, memory and output
    /// covering every turn.
    pub fn finish(self) -> RunOutcome {
        self.session.finish()
    }

    fn run_code(&mut self, code: &str, question: &[u8]) -> Result<Option<Vec<u8>>, CallError> {
        {
            let mut slots = self.door.slots();
            slots.question = question.to_vec();
            slots.answer = None;
        }
        let Ok(len) = i32::try_from(code.len()) else {
            return Err(self
                .session
                .poison(RunStatus::Trapped, "a turn's code is too long".into()));
        };
        // The runtime's `turn` takes ownership of the buffer.
        let ptr = match self.session.call("host_alloc", &[Value::I32(len)])?[..] {
            [Value::I32(ptr)] if ptr != 0 => ptr,
            _ => {
                return Err(self.session.poison(
                    RunStatus::MemoryLimit,
                    "the interpreter could not hold the turn's code".into(),
                ));
            }
        };
        self.session.write(ptr as u32, code.as_bytes())?;
        let value = match self
            .session
            .call("turn", &[Value::I32(ptr), Value::I32(len)])?[..]
        {
            [Value::I32(value)] => value,
            _ => {
                return Err(self
                    .session
                    .poison(RunStatus::Trapped, "`turn` must return one i32".into()));
            }
        };
        // The low byte is the turn's exit status (1: an exception, its
        // traceback on stderr; or `sys.exit(n)`); 256 and above, the program
        // called `exit()` or `quit()`, which ends the interpreter.
        let status = value & 0xFF;
        if value >= 256 {
            return Err(self.session.poison(
                RunStatus::Exited,
                format!("the program quit the interpreter (exit status {status})"),
            ));
        }
        if status != 0 {
            return Err(self.session.poison(
                RunStatus::Exited,
                format!(
                    "the program raised an exception or called sys.exit (exit status {status})"
                ),
            ));
        }
        Ok(self.door.slots().answer.take())
    }
}
