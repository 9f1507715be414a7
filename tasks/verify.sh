#!/usr/bin/env bash
# Verify every task of a suite natively.
#   tasks/verify.sh rust-core            (or a path to a suite folder; several suites allowed)
#   tasks/verify.sh rust-core roman-numerals   (only the named tasks of one suite)
# For each task, in a scratch copy:
#   1. static checks: layout, task.toml, Cargo.toml, `use <crate>::*;`, the `#[test]` line rule,
#      no should_panic/ignore, unique test names, stub bodies exactly `todo!()`, forbidden items;
#   2. stub + visible + hidden tests: must compile and every test must fail;
#   3. reference + visible + hidden tests: every test must pass.
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/tmp/clade-tasks-target}"
WORK="${CLADE_TASKS_WORK:-/tmp/clade-tasks-work}"
[ $# -ge 1 ] || { echo "usage: $0 SUITE [TASK...]" >&2; exit 2; }

suite="$1"; shift
if [ -d "$suite" ]; then SUITE_DIR="$(cd "$suite" && pwd)"; else SUITE_DIR="$HERE/$suite"; fi
[ -d "$SUITE_DIR" ] || { echo "no suite $suite" >&2; exit 2; }
SUITE_NAME="$(basename "$SUITE_DIR")"
if [ $# -ge 1 ]; then TASKS=("$@"); else TASKS=($(ls "$SUITE_DIR" | sort)); fi

FAILS=0
SUMMARY=()
declare -A PER
fail() { echo "  FAIL [$TASK]: $*"; TASK_OK=0; }

# sum "passed"/"failed" over all `test result:` lines of a cargo test log
count() { grep -E '^test result:' "$1" | sed -E "s/.* ([0-9]+) $2.*/\1/" | awk '{s+=$1} END {print s+0}'; }

static_checks() {
  local d="$1" crate="$2"
  for f in task.toml TASK.md Cargo.toml src/lib.rs tests/visible.rs hidden/tests.rs reference/lib.rs; do
    [ -f "$d/$f" ] || fail "missing $f"
  done
  [ "$TASK_OK" = 1 ] || return
  local extra; extra="$(cd "$d" && find . -type f ! -path ./task.toml ! -path ./TASK.md ! -path ./Cargo.toml \
      ! -path ./src/lib.rs ! -path ./tests/visible.rs ! -path ./hidden/tests.rs ! -path ./reference/lib.rs)"
  [ -z "$extra" ] || fail "unexpected files: $extra"
  grep -qx "id = \"$TASK\"" "$d/task.toml" || fail "task.toml id"
  grep -qxE 'tier = [123]' "$d/task.toml" || fail "task.toml tier"
  grep -qxE 'split = "(train|validate|heldout)"' "$d/task.toml" || fail "task.toml split"
  grep -qx "name = \"$TASK\"" "$d/Cargo.toml" || fail "Cargo.toml name"
  grep -qx 'edition = "2024"' "$d/Cargo.toml" || fail "Cargo.toml edition"
  grep -qx 'publish = false' "$d/Cargo.toml" || fail "Cargo.toml publish"
  grep -q 'dependencies' "$d/Cargo.toml" && fail "Cargo.toml has dependencies"
  [ "$(grep -v '^[[:space:]]*$' "$d/Cargo.toml" | tail -n1)" = "[workspace]" ] || fail "Cargo.toml must end with [workspace]"
  grep -q '```rust' "$d/TASK.md" || fail "TASK.md has no rust block"
  for t in tests/visible.rs hidden/tests.rs; do
    [ "$(head -n1 "$d/$t")" = "use $crate::*;" ] || fail "$t must start with 'use $crate::*;'"
    # every #[test] alone on its line, followed directly by `fn name() {`
    awk -v F="$t" '
      prev == 1 { if ($0 !~ /^[ \t]*fn [a-z_][a-z0-9_]*\(\) \{[ \t]*$/) { print "  bad line after #[test] in " F ": " $0; bad=1 } }
      { prev = 0 }
      /#\[test\]/ { if ($0 !~ /^[ \t]*#\[test\][ \t]*$/) { print "  #[test] not alone in " F ": " $0; bad=1 } ; prev = 1 }
      /^[ \t]*#\[/ && $0 !~ /^[ \t]*#\[test\][ \t]*$/ { print "  other attribute in " F ": " $0; bad=1 }
      END { exit bad }' "$d/$t" || fail "test attribute rule in $t"
    grep -nE 'should_panic|#\[ignore|\bmod |#\[cfg|#!\[cfg|include!|std::process|std::thread|thread::spawn|std::fs|std::time|Instant|SystemTime|\bunsafe\b|catch_unwind' "$d/$t" \
      && fail "forbidden construct in $t"
  done
  local n_vis n_hid
  n_vis=$(grep -c '^[[:space:]]*#\[test\]' "$d/tests/visible.rs")
  n_hid=$(grep -c '^[[:space:]]*#\[test\]' "$d/hidden/tests.rs")
  { [ "$n_vis" -ge 2 ] && [ "$n_vis" -le 3 ]; } || fail "visible tests: $n_vis (want 2-3)"
  { [ "$n_hid" -ge 6 ] && [ "$n_hid" -le 12 ]; } || fail "hidden tests: $n_hid (want 6-12)"
  local dups
  dups=$(cat "$d/tests/visible.rs" "$d/hidden/tests.rs" | grep -A1 '^[[:space:]]*#\[test\]' \
         | sed -nE 's/^[[:space:]]*fn ([a-z0-9_]+)\(\).*/\1/p' | sort | uniq -d)
  [ -z "$dups" ] || fail "duplicate test names: $dups"
  for f in src/lib.rs reference/lib.rs; do
    grep -nE '\bunsafe\b|#\[cfg|#!\[cfg|\bextern crate\b|std::process|std::fs' "$d/$f" && fail "forbidden construct in $f"
  done
  # stub: every fn body is exactly todo!()
  python3 - "$d/src/lib.rs" <<'PY' || fail "stub bodies must be exactly todo!()"
import re, sys
src = open(sys.argv[1]).read()
code = re.sub(r"//[^\n]*", "", src)
bad = 0
for m in re.finditer(r"\bfn\s+\w+[^;{]*\{", code):
    depth, i = 1, m.end()
    while depth:
        c = code[i]; depth += (c == "{") - (c == "}"); i += 1
    body = code[m.end():i-1].strip()
    if body != "todo!()":
        print("  stub body not todo!():", m.group(0).strip()[:60]); bad = 1
if "todo!()" not in code:
    print("  stub has no todo!()"); bad = 1
sys.exit(bad)
PY
}

run_tests() { # dir log -> sets PASSED FAILED BUILD_OK
  if ( cd "$1" && cargo test -q -j 1 --tests --no-run ) >"$2" 2>&1; then BUILD_OK=1; else BUILD_OK=0; fi
  ( cd "$1" && cargo test -q -j 1 --tests --no-fail-fast ) >>"$2" 2>&1
  PASSED=$(count "$2" passed); FAILED=$(count "$2" failed)
}

for TASK in "${TASKS[@]}"; do
  d="$SUITE_DIR/$TASK"
  [ -d "$d" ] || { echo "no task $TASK"; FAILS=$((FAILS+1)); continue; }
  TASK_OK=1
  crate="${TASK//-/_}"
  echo "== $SUITE_NAME/$TASK"
  static_checks "$d" "$crate"
  tier=$(sed -nE 's/^tier = ([0-9]+)/\1/p' "$d/task.toml")
  split=$(sed -nE 's/^split = "(.*)"/\1/p' "$d/task.toml")
  n_vis=$(grep -c '^[[:space:]]*#\[test\]' "$d/tests/visible.rs" 2>/dev/null || echo 0)
  n_hid=$(grep -c '^[[:space:]]*#\[test\]' "$d/hidden/tests.rs" 2>/dev/null || echo 0)
  total=$((n_vis + n_hid))
  if [ "$TASK_OK" = 1 ]; then
    w="$WORK/$SUITE_NAME/$TASK"; rm -rf "$w"; mkdir -p "$w"
    cp -r "$d/Cargo.toml" "$d/src" "$d/tests" "$w/"
    cp "$d/hidden/tests.rs" "$w/tests/hidden.rs"
    run_tests "$w" "$w/stub.log"
    if [ "$BUILD_OK" != 1 ]; then fail "stub does not compile (see $w/stub.log)"
    elif [ "$PASSED" != 0 ] || [ "$FAILED" != "$total" ]; then fail "stub: $PASSED passed, $FAILED failed, want 0/$total (see $w/stub.log)"; fi
    cp "$d/reference/lib.rs" "$w/src/lib.rs"
    run_tests "$w" "$w/ref.log"
    if [ "$BUILD_OK" != 1 ]; then fail "reference does not compile (see $w/ref.log)"
    elif [ "$PASSED" != "$total" ] || [ "$FAILED" != 0 ]; then fail "reference: $PASSED passed, $FAILED failed, want $total/0 (see $w/ref.log)"; fi
  fi
  if [ "$TASK_OK" = 1 ]; then st=ok; else st=FAIL; FAILS=$((FAILS+1)); fi
  SUMMARY+=("$(printf '%-4s %-28s tier %s  %-8s visible %s  hidden %2s' "$st" "$TASK" "$tier" "$split" "$n_vis" "$n_hid")")
  PER["$split/$tier"]=$(( ${PER["$split/$tier"]:-0} + 1 ))
done

echo
echo "== summary: $SUITE_NAME"
printf '%s\n' "${SUMMARY[@]}"
echo
for s in train validate heldout; do
  printf '%-8s tier1 %s  tier2 %s  tier3 %s\n' "$s" "${PER[$s/1]:-0}" "${PER[$s/2]:-0}" "${PER[$s/3]:-0}"
done
echo "tasks: ${#SUMMARY[@]}  failed: $FAILS"
[ "$FAILS" = 0 ]
