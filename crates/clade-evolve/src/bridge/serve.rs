//! One evaluation's socket: accepting the evaluator's connections while it
//! runs and answering each in the sandbox. A connection is a sandboxed
//! interpreter holding the program's module (`load`, then `call`s, until
//! the evaluator lets go of the module) or one script run (`exec`).
//!
//! Frames are a u32 length (little-endian) and bytes. Only the first frame
//! of a connection is read here; calls and answers pass between the
//! evaluator and the sandboxed interpreter as they are (JSON that
//! `clade_codec.py` reads on each side), so nothing the candidate sends is
//! interpreted by the host.

use std::io::{Read, Write};
use std::net::Shutdown;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use clade_archive::SandboxStats;
use clade_sandbox::python::{PythonProgram, PythonSession};
use clade_sandbox::{CallError, DirMount, RunOutcome, RunRequest};
use serde::Deserialize;
use serde_json::json;

use super::{MAX_SCRATCH_BYTES, Sandboxed};

const MAX_FRAME: usize = 64 << 20;

#[derive(Deserialize)]
#[serde(tag = "op", rename_all = "lowercase")]
enum Request {
    /// Load the module at `path` (absolute: a file of the program's folder
    /// or of the temporary folder).
    Load { path: String },
    /// Run the script `argv[0]` (an absolute host path) with `argv[1..]`;
    /// its stdin is the next frame.
    Exec { argv: Vec<String> },
    /// A call arrives only on a loaded module's connection.
    Call {},
}

/// Runs `run` (the evaluator) while serving its connections; every
/// connection still open when it returns is shut down.
pub(super) fn while_running<T>(
    listener: &UnixListener,
    sandboxed: &Sandboxed<'_>,
    run: impl FnOnce() -> T,
) -> T {
    let done = AtomicBool::new(false);
    let open: Mutex<Vec<UnixStream>> = Mutex::new(Vec::new());
    let _ = listener.set_nonblocking(true);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            while !done.load(Ordering::Acquire) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        if let (Ok(mut open), Ok(copy)) = (open.lock(), stream.try_clone()) {
                            open.push(copy);
                        }
                        scope.spawn(|| connection(stream, sandboxed));
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    Err(_) => break,
                }
            }
        });
        let value = run();
        done.store(true, Ordering::Release);
        if let Ok(open) = open.lock() {
            for stream in open.iter() {
                let _ = stream.shutdown(Shutdown::Both);
            }
        }
        value
    })
}

fn connection(stream: UnixStream, sandboxed: &Sandboxed<'_>) {
    let _ = stream.set_nonblocking(false);
    let Ok(first) = read_frame(&stream) else {
        return;
    };
    match serde_json::from_slice::<Request>(&first) {
        Ok(Request::Load { path }) => module(stream, sandboxed, &path),
        Ok(Request::Exec { argv }) => {
            let Ok(stdin) = read_frame(&stream) else {
                return;
            };
            let (header, stdout, stderr) = exec(sandboxed, &argv, stdin);
            let _ = write_frame(&stream, header.to_string().as_bytes())
                .and_then(|()| write_frame(&stream, &stdout))
                .and_then(|()| write_frame(&stream, &stderr));
        }
        Ok(Request::Call {}) => reply_fail(&stream, "failed", "a call before the module loaded"),
        Err(e) => reply_fail(&stream, "failed", &format!("not a request: {e}")),
    }
}

/// Runs in the sandboxed interpreter: loads the program's module and
/// answers `_clade_describe()` (its names: functions, and data values
/// copied) and `_clade_call()` (one call; an exception is an answer too).
const SETUP: &str = r#"import sys, json, traceback, _host
sys.path.insert(0, "/clade")
import clade_codec
def _clade_failure(e):
    return {"type": type(e).__name__, "message": str(e)[:2000], "traceback": traceback.format_exc()[-8000:]}
def _clade_load():
    import importlib.util
    spec = importlib.util.spec_from_file_location(NAME, ENTRY)
    module = importlib.util.module_from_spec(spec)
    sys.modules[NAME] = module
    spec.loader.exec_module(module)
    return module
try:
    _clade_module, _clade_error = _clade_load(), None
except BaseException as e:
    _clade_module, _clade_error = None, _clade_failure(e)
def _clade_send(value):
    _host.call(json.dumps(value).encode())
def _clade_describe():
    if _clade_error is not None:
        return _clade_send({"error": _clade_error})
    names = {}
    for name, value in vars(_clade_module).items():
        if name.startswith("__") or isinstance(value, type(sys)):
            continue
        if callable(value):
            names[name] = {"callable": True}
            continue
        try:
            names[name] = {"value": clade_codec.dumps(value)}
        except Exception:
            pass
    _clade_send({"names": names})
def _clade_call():
    q = json.loads(_host.call(b""))
    try:
        f = getattr(_clade_module, q["name"])
        value = f(*clade_codec.loads(q["args"]), **clade_codec.loads(q["kwargs"]))
        out = {"value": clade_codec.dumps(value)}
    except BaseException as e:
        out = {"error": _clade_failure(e)}
    _clade_send(out)
"#;

fn module(stream: UnixStream, sandboxed: &Sandboxed<'_>, path: &str) {
    let Some((dir, rel)) = loadable(sandboxed, Path::new(path)) else {
        return reply_fail(
            &stream,
            "failed",
            &format!(
                "{path:?} is not a Python file of the program's folder or the temporary folder"
            ),
        );
    };
    let program = PythonProgram {
        dir,
        entry: rel.clone(),
    };
    let literal = |s: &str| serde_json::to_string(s).unwrap_or_default();
    let name = Path::new(&rel)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let setup = SETUP.replace("NAME", &literal(&name)).replace(
        "ENTRY",
        &literal(&format!(
            "{}/{rel}",
            clade_sandbox::python::PROGRAM_GUEST_DIR
        )),
    );
    let request = RunRequest {
        args: Vec::new(),
        stdin: Vec::new(),
        dirs: vec![DirMount {
            host: sandboxed.bridge_dir.to_path_buf(),
            guest: "/clade".into(),
            writable: false,
        }],
        limits: sandboxed.limits.clone(),
        random_seed: sandboxed.random_seed,
    };
    let session = sandboxed
        .python
        .with_session(&program, &setup, &request, |python| answer(&stream, python));
    match session {
        Ok(Ok(((), outcome))) => sandboxed.add(&outcome),
        Ok(Err(outcome)) => {
            sandboxed.add(&outcome);
            let message = outcome.trap.clone().unwrap_or_default();
            reply_fail(&stream, outcome.status.as_str(), &message);
        }
        Err(e) => reply_fail(&stream, "failed", &e.to_string()),
    }
}

/// The folder to mount and the module's path in it, for a `.py` file in
/// the program's folder (mounted whole: its sibling modules import) or in
/// the temporary folder.
fn loadable(sandboxed: &Sandboxed<'_>, path: &Path) -> Option<(PathBuf, String)> {
    let (full, folder) = mounted_file(sandboxed, path)?;
    if full.extension().is_none_or(|e| e != "py") {
        return None;
    }
    let rel = full.strip_prefix(folder).ok()?.to_str()?.to_string();
    Some((folder.to_path_buf(), rel))
}

/// `path` resolved, when it is a file in one of the two folders the
/// sandbox mounts (the program's, the temporary one), with that folder.
fn mounted_file<'s>(sandboxed: &'s Sandboxed<'_>, path: &Path) -> Option<(PathBuf, &'s Path)> {
    let full = path.canonicalize().ok()?;
    if !full.is_file() {
        return None;
    }
    let folder = [&sandboxed.program_dir, &sandboxed.tmp]
        .into_iter()
        .find(|folder| full.starts_with(folder))?;
    Some((full, folder.as_path()))
}

/// Answers the describe turn, then every call until the evaluator closes
/// the connection.
fn answer(stream: &UnixStream, python: &mut PythonSession<'_>) {
    let mut turn = |code: &str, question: &[u8]| match python.turn(code, question) {
        Ok(answer) => answer,
        Err(CallError { status, message }) => fail(status.as_str(), &message),
    };
    if write_frame(stream, &turn("_clade_describe()", b"")).is_err() {
        return;
    }
    while let Ok(call) = read_frame(stream) {
        if write_frame(stream, &turn("_clade_call()", &call)).is_err() {
            return;
        }
    }
}

/// Runs one script in the sandbox: the program's folder mounted read-only
/// and the temporary folder writable, each at its own host path (the
/// evaluator's scripts name them so).
fn exec(
    sandboxed: &Sandboxed<'_>,
    argv: &[String],
    stdin: Vec<u8>,
) -> (serde_json::Value, Vec<u8>, Vec<u8>) {
    let failed = |message: String| {
        (
            json!({"status": "failed", "message": message}),
            Vec::new(),
            Vec::new(),
        )
    };
    let Some((script, args)) = argv.split_first() else {
        return failed("no script to run".into());
    };
    let Some((dir, entry)) = runnable(sandboxed, Path::new(script)) else {
        return failed(format!(
            "{script} is not a script in the program's folder or the evaluation's temporary folder, the only ones the sandbox sees"
        ));
    };
    let mount = |host: &Path, writable: bool| DirMount {
        host: host.to_path_buf(),
        guest: host.display().to_string(),
        writable,
    };
    let request = RunRequest {
        args: args.to_vec(),
        stdin,
        dirs: vec![
            mount(&sandboxed.program_dir, false),
            mount(&sandboxed.tmp, true),
        ],
        limits: sandboxed.limits.clone(),
        random_seed: sandboxed.random_seed,
    };
    let outcome = match sandboxed
        .python
        .run(&PythonProgram { dir, entry }, &request)
    {
        Ok(outcome) => outcome,
        Err(e) => return failed(e.to_string()),
    };
    sandboxed.add(&outcome);
    if let Err(message) = scrub(&sandboxed.tmp) {
        return failed(message);
    }
    let header = json!({
        "status": outcome.status.as_str(),
        "exit_code": outcome.exit_code,
        "message": outcome.trap,
    });
    (header, outcome.stdout, outcome.stderr)
}

/// The folder and file name of `script` when it lies in a folder the
/// sandbox mounts.
fn runnable(sandboxed: &Sandboxed<'_>, script: &Path) -> Option<(PathBuf, String)> {
    let (full, _) = mounted_file(sandboxed, script)?;
    let dir = full.parent()?.to_path_buf();
    let entry = full.file_name()?.to_string_lossy().into_owned();
    Some((dir, entry))
}

/// After a sandboxed script wrote to the temporary folder: whatever is not
/// a plain file or folder goes (a symlink there would lead the native
/// evaluator to the host's files), and more than [`MAX_SCRATCH_BYTES`]
/// empties it.
fn scrub(tmp: &Path) -> Result<(), String> {
    fn walk(dir: &Path, total: &mut u64) -> std::io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            let kind = entry.file_type()?;
            if kind.is_dir() {
                walk(&entry.path(), total)?;
            } else if kind.is_file() {
                *total += entry.metadata()?.len();
            } else {
                std::fs::remove_file(entry.path())?;
            }
        }
        Ok(())
    }
    let mut total = 0;
    walk(tmp, &mut total).map_err(|e| format!("cannot check the temporary folder: {e}"))?;
    if total > MAX_SCRATCH_BYTES {
        let _ = std::fs::remove_dir_all(tmp);
        let _ = std::fs::create_dir_all(tmp);
        return Err(format!(
            "the program wrote {total} bytes to the temporary folder, more than the {MAX_SCRATCH_BYTES} allowed; it was emptied"
        ));
    }
    Ok(())
}

impl Sandboxed<'_> {
    fn add(&self, outcome: &RunOutcome) {
        if let Ok(mut stats) = self.stats.lock() {
            let SandboxStats {
                fuel,
                wall_ms,
                peak_memory_bytes,
            } = &mut *stats;
            *fuel = Some(fuel.unwrap_or(0) + outcome.fuel_used.unwrap_or(0));
            *wall_ms = Some(wall_ms.unwrap_or(0.0) + outcome.wall_ms);
            *peak_memory_bytes = Some(
                peak_memory_bytes
                    .unwrap_or(0)
                    .max(outcome.peak_memory_bytes),
            );
        }
    }
}

fn fail(status: &str, message: &str) -> Vec<u8> {
    json!({"fail": {"status": status, "message": message}})
        .to_string()
        .into_bytes()
}

fn reply_fail(stream: &UnixStream, status: &str, message: &str) {
    let _ = write_frame(stream, &fail(status, message));
}

fn read_frame(mut stream: &UnixStream) -> std::io::Result<Vec<u8>> {
    let mut len = [0u8; 4];
    stream.read_exact(&mut len)?;
    let len = u32::from_le_bytes(len) as usize;
    if len > MAX_FRAME {
        return Err(std::io::Error::other("frame too large"));
    }
    let mut frame = vec![0u8; len];
    stream.read_exact(&mut frame)?;
    Ok(frame)
}

fn write_frame(mut stream: &UnixStream, data: &[u8]) -> std::io::Result<()> {
    let len = u32::try_from(data.len()).map_err(|_| std::io::Error::other("frame too large"))?;
    stream.write_all(&len.to_le_bytes())?;
    stream.write_all(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scrub_removes_links_and_keeps_plain_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("sub/result.pkl"), b"data").unwrap();
        std::os::unix::fs::symlink("/etc/passwd", dir.path().join("sub/link")).unwrap();
        std::os::unix::fs::symlink("/", dir.path().join("root")).unwrap();
        scrub(dir.path()).unwrap();
        assert!(dir.path().join("sub/result.pkl").is_file());
        assert!(!dir.path().join("sub/link").exists());
        assert!(std::fs::symlink_metadata(dir.path().join("root")).is_err());
    }

    #[test]
    fn the_scrub_empties_a_folder_over_its_limit() {
        let dir = tempfile::tempdir().unwrap();
        // Sparse: the size counts, not the blocks.
        let big = std::fs::File::create(dir.path().join("big")).unwrap();
        big.set_len(MAX_SCRATCH_BYTES + 1).unwrap();
        let err = scrub(dir.path()).unwrap_err();
        assert!(err.contains("more than the 268435456 allowed"), "{err}");
        assert!(dir.path().is_dir());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
