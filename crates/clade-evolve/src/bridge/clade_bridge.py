"""Runs a user's trusted evaluator (OpenEvolve's `evaluate(program_path)`)
natively, while the candidate program it evaluates runs only in Clade's
sandbox. Clade starts this file with the evaluator's own Python; the
variables CLADE_BRIDGE_* say where everything is.

What the evaluator sees as the program:
- a module it loads by path (importlib's spec_from_file_location, a plain
  import from the program's folder, runpy.run_path) is a *proxy*: the module
  runs in a sandboxed interpreter of its own, its data values are copied
  over, and calling one of its functions runs the call there and returns the
  result (data only: see clade_codec);
- `sys.executable` (and `python`/`python3` on PATH) is a wrapper that runs
  the script it is given in the sandbox, with the program's folder (read-only)
  and the evaluation's temporary folder (writable, where tempfile now puts
  files) mounted at their own paths;
- pickle.load/loads accept plain data and numpy arrays only, since what the
  sandbox wrote is the candidate's to forge.

No interpreter is shared: the candidate cannot patch the evaluator. What this
cannot catch is an evaluator that executes the program's text itself (exec of
its source, a Python named by absolute path): that is the evaluator's choice.
"""

import builtins
import importlib.abc
import importlib.machinery
import importlib.util
import io
import json
import os
import pickle
import runpy
import socket
import struct
import sys
import tempfile
import threading
import traceback
import types

import clade_codec

ENV = os.environ
SOCKET = ENV["CLADE_BRIDGE_SOCKET"]
PROGRAM = ENV["CLADE_BRIDGE_PROGRAM"]
PROGRAM_DIR = ENV["CLADE_BRIDGE_PROGRAM_DIR"]
EVALUATOR = ENV["CLADE_BRIDGE_EVALUATOR"]
WORK = ENV["CLADE_BRIDGE_WORK"]
TMP = ENV["CLADE_BRIDGE_TMP"]
RESULT = ENV["CLADE_BRIDGE_RESULT"]
MAX_FRAME = 64 << 20


# --- frames: a u32 length (little-endian), then the bytes -----------------

def send_frame(sock, data):
    sock.sendall(struct.pack("<I", len(data)) + data)


def recv_exact(sock, n):
    chunks = []
    while n:
        chunk = sock.recv(min(n, 1 << 20))
        if not chunk:
            raise ConnectionError("Clade closed the connection to the sandbox")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def recv_frame(sock):
    (n,) = struct.unpack("<I", recv_exact(sock, 4))
    if n > MAX_FRAME:
        raise ConnectionError("a frame from the sandbox is too large")
    return recv_exact(sock, n)


def connect():
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(SOCKET)
    return sock


# --- failures of the sandboxed program, as the evaluator expects them ------

class SandboxFailure(RuntimeError):
    """The sandboxed program failed (fuel, memory, time or an exit)."""


def failure(fail):
    status = fail.get("status", "failed")
    message = f"the program failed in Clade's sandbox ({status}): {fail.get('message', '')}"
    if status == "timeout":
        return TimeoutError(message)
    if status == "memory_limit":
        return MemoryError(message)
    return SandboxFailure(message)


def remote_exception(error):
    name = str(error.get("type", "Exception"))
    kind = getattr(builtins, name, None)
    if not (isinstance(kind, type) and issubclass(kind, Exception)):
        kind = RuntimeError
    message = f"{error.get('message', '')}\n\nIn the sandboxed program:\n{error.get('traceback', '')}"
    try:
        return kind(message)
    except Exception:
        return RuntimeError(f"{name}: {message}")


# --- the program as a proxy module -----------------------------------------

class Remote:
    """One sandboxed interpreter holding the program's module; calls are
    serialised, one at a time, as a module's would be under the GIL."""

    def __init__(self, path):
        self.lock = threading.Lock()
        self.sock = connect()
        send_frame(self.sock, json.dumps({"op": "load", "path": path}).encode())
        reply = json.loads(recv_frame(self.sock))
        if "fail" in reply:
            raise failure(reply["fail"])
        if "error" in reply:
            raise remote_exception(reply["error"])
        self.names = reply.get("names", {})

    def call(self, name, args, kwargs):
        request = {"op": "call", "name": name, "args": clade_codec.dumps(list(args)), "kwargs": clade_codec.dumps(dict(kwargs))}
        with self.lock:
            send_frame(self.sock, json.dumps(request).encode())
            reply = json.loads(recv_frame(self.sock))
        if "fail" in reply:
            raise failure(reply["fail"])
        if "error" in reply:
            raise remote_exception(reply["error"])
        return clade_codec.loads(reply["value"])


class RemoteFunction:
    def __init__(self, remote, name):
        self._remote = remote
        self.__name__ = self.__qualname__ = name
        self.__doc__ = f"{name}() of the program, run in Clade's sandbox"

    def __call__(self, *args, **kwargs):
        return self._remote.call(self.__name__, args, kwargs)

    def __repr__(self):
        return f"<sandboxed function {self.__name__}>"


def fill(namespace, remote):
    for name, about in remote.names.items():
        if about.get("callable"):
            namespace[name] = RemoteFunction(remote, name)
        elif "value" in about:
            namespace[name] = clade_codec.loads(about["value"])


def program_relpath(path):
    """The file's real path when it is a Python file of the program's folder
    or of the temporary folder (where an evaluator may copy the program);
    None for any other file."""
    if path is None:
        return None
    full = os.path.realpath(os.fspath(path))
    if not full.endswith(".py"):
        return None
    for folder in (PROGRAM_DIR, TMP):
        if os.path.commonpath([full, folder]) == folder:
            return full
    return None


class ProxyLoader(importlib.abc.Loader):
    def __init__(self, rel):
        self.rel = rel

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        remote = Remote(self.rel)
        module.__dict__["__clade_remote__"] = remote
        fill(module.__dict__, remote)


def proxied(spec):
    rel = program_relpath(spec.origin) if spec is not None else None
    if rel is not None:
        spec.loader = ProxyLoader(rel)
    return spec


class ProgramFinder(importlib.abc.MetaPathFinder):
    """`import initial_program` with the program's folder on sys.path."""

    def find_spec(self, name, path=None, target=None):
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None and program_relpath(spec.origin) is not None:
            return proxied(spec)
        return None


_spec_from_file_location = importlib.util.spec_from_file_location
_run_path = runpy.run_path


def spec_from_file_location(name, location=None, *args, **kwargs):
    return proxied(_spec_from_file_location(name, location, *args, **kwargs))


def run_path(path_name, init_globals=None, run_name=None):
    rel = program_relpath(path_name)
    if rel is None:
        return _run_path(path_name, init_globals, run_name)
    namespace = {"__name__": run_name or "<run_path>", "__file__": os.fspath(path_name)}
    fill(namespace, Remote(rel))
    return namespace


# --- sys.executable: Python that runs scripts in the sandbox ---------------

WRAPPER = '''#!{python}
import sys
sys.path.insert(0, {bridge!r})
import clade_python
clade_python.main({socket!r}, {tmp!r})
'''


def install_wrapper():
    bridge = os.path.dirname(os.path.abspath(__file__))
    bin_dir = os.path.join(WORK, "bin")
    os.makedirs(bin_dir, exist_ok=True)
    text = WRAPPER.format(python=sys.executable, bridge=bridge, socket=SOCKET, tmp=TMP)
    for name in ("python", "python3"):
        path = os.path.join(bin_dir, name)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, 0o755)
    sys.executable = os.path.join(bin_dir, "python3")
    ENV["PATH"] = bin_dir + os.pathsep + ENV.get("PATH", "")


# --- pickle: data and numpy arrays only ------------------------------------

SAFE_GLOBALS = {
    ("builtins", name)
    for name in ("complex", "set", "frozenset", "slice", "range", "bytearray", "list", "dict", "tuple", "int", "float", "str", "bytes", "bool")
} | {
    ("collections", "OrderedDict"),
    ("_codecs", "encode"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
    # numpy >= 1.x with pickle protocol 5: frombuffer().reshape(), which
    # refuses object dtypes.
    ("numpy.core.numeric", "_frombuffer"),
    ("numpy._core.numeric", "_frombuffer"),
}


class DataUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) in SAFE_GLOBALS or (module == "numpy.dtypes" and name.endswith("DType")):
            for candidate in (module, module.replace("numpy.core", "numpy._core"), module.replace("numpy._core", "numpy.core")):
                try:
                    return getattr(importlib.import_module(candidate), name)
                except (ImportError, AttributeError):
                    continue
        raise pickle.UnpicklingError(
            f"Clade refuses to unpickle {module}.{name}: under Clade, pickles hold plain data and numpy arrays "
            "only (a candidate program writes them, and unpickling anything else could run its code)"
        )


def safe_load(file, **kwargs):
    return DataUnpickler(file, **kwargs).load()


def safe_loads(data, /, **kwargs):
    return DataUnpickler(io.BytesIO(data), **kwargs).load()


def install():
    importlib.util.spec_from_file_location = spec_from_file_location
    runpy.run_path = run_path
    sys.meta_path.insert(0, ProgramFinder())
    pickle.load, pickle.loads, pickle.Unpickler = safe_load, safe_loads, DataUnpickler
    tempfile.tempdir = TMP
    ENV["TMPDIR"] = TMP
    install_wrapper()


# --- the evaluation ---------------------------------------------------------

def metrics_of(result):
    metrics = getattr(result, "metrics", result)
    if not isinstance(metrics, dict):
        raise TypeError(f"evaluate() returned a {type(result).__name__}, not a dict of metrics")
    numeric, ignored = {}, []
    for key, value in metrics.items():
        try:
            number = float(value) if not isinstance(value, (str, bytes)) else None
        except (TypeError, ValueError):
            number = None
        if number is None or isinstance(value, bool):
            ignored.append(str(key))
        else:
            numeric[str(key)] = number
    if "combined_score" not in numeric and numeric:
        # OpenEvolve ranks by the mean of the numeric metrics when the
        # evaluator gives no combined_score.
        finite = [v for v in numeric.values() if v == v and abs(v) != float("inf")]
        if finite:
            numeric["combined_score"] = sum(finite) / len(finite)
    return numeric, ignored


def write_result(value):
    text = json.dumps(value, allow_nan=True)
    with open(RESULT + ".part", "w") as f:
        f.write(text)
    os.replace(RESULT + ".part", RESULT)


def main():
    install()
    sys.path.insert(0, os.path.dirname(EVALUATOR))
    try:
        spec = _spec_from_file_location("evaluator", EVALUATOR)
        evaluator = importlib.util.module_from_spec(spec)
        sys.modules["evaluator"] = evaluator
        spec.loader.exec_module(evaluator)
        evaluate = getattr(evaluator, "evaluate", None)
        if not callable(evaluate):
            raise AttributeError(f"{EVALUATOR} defines no evaluate(program_path) function")
        result = evaluate(PROGRAM)
        numeric, ignored = metrics_of(result)
    except BaseException:
        write_result({"error": traceback.format_exc()[-8000:]})
        return
    reported = getattr(result, "metrics", result).get("error")
    write_result({
        "metrics": {k: (v if v == v and abs(v) != float("inf") else None) for k, v in numeric.items()},
        "ignored": ignored,
        # OpenEvolve evaluators catch the program's failure and return it
        # as metrics["error"] with a zero score: Clade rejects the
        # candidate with it, so a repair prompt sees what went wrong.
        "reported_error": None if reported in (None, "") else str(reported)[-8000:],
    })


if __name__ == "__main__":
    main()
