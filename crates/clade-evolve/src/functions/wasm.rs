//! A wasm candidate as a [`Decider`]: questions go into buffers the guest
//! allocated (`clade_alloc`), answers come back from its exports
//! (`clade_priority`, `clade_next_node`, `clade_sort`; the guest SDK's macros
//! define them).

use clade_sandbox::{CallError, RunOutcome, Session, Value};

use super::f64s;
use super::skeletons::Decider;

pub(super) struct WasmDecider<'r> {
    session: Session<'r>,
    /// The current instance's buffers in guest memory (gone on `fresh`).
    buffers: [u32; 2],
    /// The current tour's node count.
    n: usize,
}

impl<'r> WasmDecider<'r> {
    pub(super) fn new(session: Session<'r>) -> Self {
        WasmDecider {
            session,
            buffers: [0; 2],
            n: 0,
        }
    }

    pub(super) fn finish(self) -> RunOutcome {
        self.session.finish()
    }

    fn alloc(&mut self, len: usize) -> Result<u32, CallError> {
        self.session.alloc(u32::try_from(len).unwrap_or(u32::MAX))
    }
}

fn le_bytes<const N: usize>(values: impl Iterator<Item = [u8; N]>) -> Vec<u8> {
    values.flatten().collect()
}

impl Decider for WasmDecider<'_> {
    fn fresh(&mut self) -> Result<(), CallError> {
        self.session.restart()
    }

    fn begin_packing(&mut self, items: usize) -> Result<(), CallError> {
        let max = items.max(1);
        self.buffers = [self.alloc(4 * max)?, self.alloc(8 * max)?];
        Ok(())
    }

    fn priority(&mut self, item: u32, bins: &[u32]) -> Result<Vec<f64>, CallError> {
        let [remaining_ptr, scores_ptr] = self.buffers;
        let bytes = le_bytes(bins.iter().map(|b| b.to_le_bytes()));
        self.session.write(remaining_ptr, &bytes)?;
        self.session.call(
            "clade_priority",
            &[
                Value::I32(item as i32),
                Value::I32(remaining_ptr as i32),
                Value::I32(bins.len() as i32),
                Value::I32(scores_ptr as i32),
            ],
        )?;
        let raw = self.session.read(scores_ptr, 8 * bins.len() as u32)?;
        Ok(f64s(&raw))
    }

    fn begin_tour(&mut self, distances: &[Vec<f64>]) -> Result<(), CallError> {
        let n = distances.len();
        let max = n.max(1);
        let unvisited_ptr = self.alloc(4 * max)?;
        let distances_ptr = self.alloc(8 * max * max)?;
        let flat = le_bytes(distances.iter().flatten().map(|d| d.to_le_bytes()));
        self.session.write(distances_ptr, &flat)?;
        self.buffers = [unvisited_ptr, distances_ptr];
        self.n = n;
        Ok(())
    }

    fn next_node(
        &mut self,
        current: usize,
        destination: usize,
        unvisited: &[usize],
    ) -> Result<usize, CallError> {
        let [unvisited_ptr, distances_ptr] = self.buffers;
        let bytes = le_bytes(unvisited.iter().map(|u| (*u as u32).to_le_bytes()));
        self.session.write(unvisited_ptr, &bytes)?;
        let values = self.session.call(
            "clade_next_node",
            &[
                Value::I32(current as i32),
                Value::I32(destination as i32),
                Value::I32(unvisited_ptr as i32),
                Value::I32(unvisited.len() as i32),
                Value::I32(distances_ptr as i32),
                Value::I32(self.n as i32),
            ],
        )?;
        Ok(match values.first() {
            Some(Value::I32(v)) => *v as u32 as usize,
            _ => usize::MAX,
        })
    }

    fn begin_sorting(&mut self, len: usize) -> Result<(), CallError> {
        self.buffers[0] = self.alloc(4 * len.max(1))?;
        Ok(())
    }

    fn sort(&mut self, values: &[u32]) -> Result<Vec<u32>, CallError> {
        let ptr = self.buffers[0];
        let bytes = le_bytes(values.iter().map(|v| v.to_le_bytes()));
        self.session.write(ptr, &bytes)?;
        self.session.call(
            "clade_sort",
            &[Value::I32(ptr as i32), Value::I32(values.len() as i32)],
        )?;
        let raw = self.session.read(ptr, 4 * values.len() as u32)?;
        Ok(raw
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect())
    }
}
