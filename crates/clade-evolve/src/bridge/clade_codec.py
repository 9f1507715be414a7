"""Values between a trusted evaluator (native Python) and the candidate
program (sandboxed Python), as JSON text.

Plain JSON values travel as they are; anything else is an object tagged
"$clade". Only data crosses: no classes, no code, and decoding never calls
anything the data names, so a hostile program's answer can be wrong but can
do nothing else. Used on both sides; it imports numpy only when an array
arrives.
"""

import base64
import json
import math
import sys

TAG = "$clade"
MAX_DEPTH = 100
NUMERIC_KINDS = "biufc"


class CodecError(TypeError):
    """A value that cannot cross, or text that is not a value."""


def dumps(value):
    return json.dumps(encode(value), allow_nan=False, separators=(",", ":"))


def loads(text):
    def no_constants(name):
        raise CodecError(f"{name} is not JSON")

    try:
        data = json.loads(text, parse_constant=no_constants)
    except ValueError as e:
        raise CodecError(f"not a value: {e}") from None
    return decode(data)


def _b64(raw):
    return base64.b64encode(bytes(raw)).decode("ascii")


def _float(value):
    if math.isfinite(value):
        return value
    return {TAG: "float", "v": repr(value)}


def encode(value, depth=0):
    if depth > MAX_DEPTH:
        raise CodecError(f"the value nests more than {MAX_DEPTH} levels deep")
    inner = depth + 1
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, list):
        return [encode(v, inner) for v in value]
    if isinstance(value, tuple):
        return {TAG: "tuple", "v": [encode(v, inner) for v in value]}
    if isinstance(value, dict):
        if TAG not in value and all(isinstance(k, str) for k in value):
            return {k: encode(v, inner) for k, v in value.items()}
        return {TAG: "dict", "v": [[encode(k, inner), encode(v, inner)] for k, v in value.items()]}
    if isinstance(value, (bytes, bytearray)):
        return {TAG: "bytes", "v": _b64(value)}
    if isinstance(value, complex):
        return {TAG: "complex", "v": [_float(value.real), _float(value.imag)]}
    if isinstance(value, (set, frozenset)):
        kind = "set" if isinstance(value, set) else "frozenset"
        return {TAG: kind, "v": [encode(v, inner) for v in value]}
    np = sys.modules.get("numpy")
    if np is not None and isinstance(value, (np.ndarray, np.generic)):
        if value.dtype.kind not in NUMERIC_KINDS:
            raise CodecError(f"a numpy value of dtype {value.dtype} cannot cross (only numbers and booleans)")
        if isinstance(value, np.generic):
            return {TAG: "npscalar", "dtype": value.dtype.str, "v": _b64(value.tobytes())}
        array = np.ascontiguousarray(value)
        return {TAG: "ndarray", "dtype": array.dtype.str, "shape": list(array.shape), "v": _b64(array.tobytes())}
    kind = type(value)
    raise CodecError(
        f"a {kind.__module__}.{kind.__qualname__} cannot cross between the evaluator and the sandboxed "
        "program (only None, bool, int, float, complex, str, bytes, lists, tuples, dicts, sets and "
        "numpy numbers and arrays)"
    )


def _raw(text):
    if not isinstance(text, str):
        raise CodecError("expected base64 text")
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except ValueError as e:
        raise CodecError(f"bad base64: {e}") from None


def _numpy_dtype(name):
    import numpy as np

    try:
        dtype = np.dtype(str(name))
    except TypeError as e:
        raise CodecError(f"bad dtype {name!r}: {e}") from None
    if dtype.kind not in NUMERIC_KINDS or dtype.hasobject:
        raise CodecError(f"dtype {name!r} cannot cross")
    return np, dtype


def _decode_tagged(data, inner):
    kind = data.get(TAG)
    items = data.get("v")
    if kind == "float" and items in ("nan", "inf", "-inf"):
        return float(items)
    if kind in ("tuple", "set", "frozenset") and isinstance(items, list):
        values = [decode(v, inner) for v in items]
        return {"tuple": tuple, "set": set, "frozenset": frozenset}[kind](values)
    if kind == "dict" and isinstance(items, list):
        pairs = []
        for pair in items:
            if not (isinstance(pair, list) and len(pair) == 2):
                raise CodecError("a dict entry must be a [key, value] pair")
            pairs.append((decode(pair[0], inner), decode(pair[1], inner)))
        return dict(pairs)
    if kind == "bytes":
        return _raw(items)
    if kind == "complex" and isinstance(items, list) and len(items) == 2:
        return complex(decode(items[0], inner), decode(items[1], inner))
    if kind == "npscalar":
        np, dtype = _numpy_dtype(data.get("dtype"))
        raw = _raw(items)
        if len(raw) != dtype.itemsize:
            raise CodecError("a numpy scalar's bytes do not match its dtype")
        return np.frombuffer(raw, dtype=dtype)[0]
    if kind == "ndarray":
        np, dtype = _numpy_dtype(data.get("dtype"))
        shape = data.get("shape")
        if not (isinstance(shape, list) and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape)):
            raise CodecError("an array's shape must be a list of sizes")
        raw = _raw(items)
        count = math.prod(shape)
        if count * dtype.itemsize != len(raw):
            raise CodecError(f"an array of shape {shape} and dtype {dtype} needs {count * dtype.itemsize} bytes, got {len(raw)}")
        return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
    raise CodecError(f"unknown tagged value {str(kind)[:40]!r}")


def decode(data, depth=0):
    if depth > MAX_DEPTH:
        raise CodecError(f"the value nests more than {MAX_DEPTH} levels deep")
    inner = depth + 1
    if data is None or isinstance(data, (bool, str, int, float)):
        return data
    if isinstance(data, list):
        return [decode(v, inner) for v in data]
    if isinstance(data, dict):
        if TAG in data:
            return _decode_tagged(data, inner)
        return {k: decode(v, inner) for k, v in data.items()}
    raise CodecError(f"not a value: {type(data).__name__}")
