//! A Python candidate as a [`Decider`]: the program's script defines the
//! function the benchmark asks (FunSearch's `priority(item, bins)`, ReEvo's
//! `select_next_node(current_node, destination_node, unvisited_nodes,
//! distance_matrix)`), with numpy arrays as FunSearch and ReEvo pass them.
//!
//! The setup below runs in the sandboxed interpreter when it starts (and on
//! every fresh start): it loads the script into a namespace of its own and
//! defines one helper per question, which reads the question at the door,
//! calls the candidate's function and sends the answer back. The helpers
//! are the host's code but run beside the candidate's: nothing they send is
//! trusted, the skeleton checks every answer.

use clade_sandbox::python::{PROGRAM_GUEST_DIR, PythonSession};
use clade_sandbox::{CallError, RunStatus};

use super::FunctionBench;
use super::f64s;
use super::skeletons::Decider;

/// Loads the candidate: `_clade_function(name)` is its function `name`, or
/// an exception that says it is missing.
const LOAD: &str = r#"import runpy, struct, _host
import numpy as np
_clade_ns = runpy.run_path(ENTRY, run_name="candidate")
def _clade_function(name):
    f = _clade_ns.get(name)
    if not callable(f):
        raise NameError(f"the program defines no function {name}()")
    return f
"#;

/// `_clade_priority()`: question = item (u32) then the bins' free
/// capacities (u32 each); answer = one f64 per bin.
const BIN_PACKING: &str = r#"_clade_priority_fn = _clade_function("priority")
def _clade_priority():
    q = _host.call(b"")
    item = struct.unpack_from("<I", q)[0]
    bins = np.frombuffer(q, dtype="<u4", offset=4).astype(np.int64)
    scores = np.asarray(_clade_priority_fn(item, bins), dtype=np.float64).reshape(-1)
    _host.call(scores.astype("<f8").tobytes())
"#;

/// `_clade_tour()`: question = n (u32) then the n x n distances (f64),
/// kept for the tour. `_clade_next()`: question = current, destination
/// and the unvisited nodes (u32 each); answer = the chosen node (i64).
const TSP: &str = r#"_clade_next_fn = _clade_function("select_next_node")
_clade_distances = None
def _clade_tour():
    global _clade_distances
    q = _host.call(b"")
    n = struct.unpack_from("<I", q)[0]
    _clade_distances = np.frombuffer(q, dtype="<f8", offset=4).reshape(n, n).copy()
    _host.call(b"ok")
def _clade_next():
    q = _host.call(b"")
    current, destination = struct.unpack_from("<II", q)
    unvisited = np.frombuffer(q, dtype="<u4", offset=8).astype(np.int64)
    chosen = _clade_next_fn(current, destination, unvisited, _clade_distances)
    _host.call(struct.pack("<q", int(chosen)))
"#;

/// The setup for `bench` with the program's script at `entry` (relative to
/// the program's folder); `None` when `bench` takes no Python candidate.
pub(super) fn setup(bench: FunctionBench, entry: &str) -> Option<String> {
    let questions = match bench {
        FunctionBench::BinPacking => BIN_PACKING,
        FunctionBench::Tsp => TSP,
        FunctionBench::SortSpeed => return None,
    };
    let path = format!("{PROGRAM_GUEST_DIR}/{}", entry.trim_start_matches('/'));
    // A JSON string is a Python string literal too.
    let literal = serde_json::to_string(&path).ok()?;
    Some(format!("{}{questions}", LOAD.replace("ENTRY", &literal)))
}

pub(super) struct PythonDecider<'s, 'r> {
    session: &'s mut PythonSession<'r>,
}

impl<'s, 'r> PythonDecider<'s, 'r> {
    pub(super) fn new(session: &'s mut PythonSession<'r>) -> Self {
        PythonDecider { session }
    }
}

fn u32s(values: impl Iterator<Item = u32>) -> impl Iterator<Item = u8> {
    values.flat_map(u32::to_le_bytes)
}

impl Decider for PythonDecider<'_, '_> {
    fn fresh(&mut self) -> Result<(), CallError> {
        self.session.restart()
    }

    fn begin_packing(&mut self, _items: usize) -> Result<(), CallError> {
        Ok(())
    }

    fn priority(&mut self, item: u32, bins: &[u32]) -> Result<Vec<f64>, CallError> {
        let question: Vec<u8> = u32s(std::iter::once(item).chain(bins.iter().copied())).collect();
        let answer = self.session.turn("_clade_priority()", &question)?;
        // A length that is not one f64 per bin is the skeleton's to reject.
        Ok(f64s(&answer))
    }

    fn begin_tour(&mut self, distances: &[Vec<f64>]) -> Result<(), CallError> {
        let n = u32::try_from(distances.len()).unwrap_or(u32::MAX);
        let question: Vec<u8> = n
            .to_le_bytes()
            .into_iter()
            .chain(distances.iter().flatten().flat_map(|d| d.to_le_bytes()))
            .collect();
        self.session.turn("_clade_tour()", &question).map(drop)
    }

    fn next_node(
        &mut self,
        current: usize,
        destination: usize,
        unvisited: &[usize],
    ) -> Result<usize, CallError> {
        let nodes = [current, destination]
            .into_iter()
            .chain(unvisited.iter().copied());
        let question: Vec<u8> = u32s(nodes.map(|u| u as u32)).collect();
        let answer = self.session.turn("_clade_next()", &question)?;
        let chosen = <[u8; 8]>::try_from(answer.as_slice()).map(i64::from_le_bytes);
        // Anything but a node is the skeleton's to reject, as a wasm
        // candidate's out-of-range answer is.
        Ok(match chosen {
            Ok(node) => usize::try_from(node).unwrap_or(usize::MAX),
            Err(_) => usize::MAX,
        })
    }

    fn begin_sorting(&mut self, _len: usize) -> Result<(), CallError> {
        Err(CallError {
            status: RunStatus::Trapped,
            message: "sort-speed takes only wasm candidates".into(),
        })
    }

    fn sort(&mut self, _values: &[u32]) -> Result<Vec<u32>, CallError> {
        self.begin_sorting(0).map(|()| Vec::new())
    }
}
