#!/usr/bin/env bash
# Runs a libFuzzer target for SECONDS on a scratch copy of its seed corpus.
#
#   scripts/fuzz.sh FuzzDriverReplies 60
#
# TARGET is an executable target FuzzX whose sources are Fuzz/X/ (main.swift defines
# LLVMFuzzerTestOneInput under `#if FUZZING`), seeds in Fuzz/X/corpus/. It is built with
# `-sanitize=fuzzer,address -D FUZZING` in its own scratch path
# (.build-fuzz/sanitizer, never .build). If Package.swift does not declare TARGET yet, the
# build runs in an overlay package (symlinks to this checkout + a Package.swift with the
# target added) under .build-fuzz/, so the repository is never modified.
#
# The corpus is copied to a temporary directory (new inputs land there, not in the repo); a
# crash, leak-free OOM or hang (-timeout) leaves its input in $FUZZ_ARTIFACTS (default: a
# temporary directory, printed) and exits non-zero. Prints `TARGET: N execs, no crash`.
# Environment: FUZZ_ARTIFACTS, FUZZ_JOBS (default 2), FUZZ_MAX_LEN (default 2048).
set -euo pipefail

TARGET=${1:?usage: scripts/fuzz.sh TARGET SECONDS}
SECONDS_TO_RUN=${2:?usage: scripts/fuzz.sh TARGET SECONDS}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SOURCE_DIR="Fuzz/${TARGET#Fuzz}"
[[ -f "$ROOT/$SOURCE_DIR/main.swift" ]] || { echo "$TARGET: no $SOURCE_DIR/main.swift" >&2; exit 2; }
SCRATCH="$ROOT/.build-fuzz/sanitizer"

PACKAGE="$ROOT"
if ! grep -q "\"$TARGET\"" "$ROOT/Package.swift"; then
    PACKAGE="$ROOT/.build-fuzz/overlay-package"
    mkdir -p "$PACKAGE"
    for entry in "$ROOT"/* "$ROOT/Package.resolved"; do
        name=$(basename "$entry")
        [[ "$name" == Package.swift ]] && continue
        ln -sfn "$entry" "$PACKAGE/$name"
    done
    python3 - "$ROOT/Package.swift" "$PACKAGE/Package.swift" "$TARGET" "$SOURCE_DIR" <<'PY'
import sys
source, dest, target, path = sys.argv[1:]
text = open(source).read()
line = (f'        .executableTarget(name: "{target}", dependencies: ["UKeyDriver"], path: "{path}",\n'
        f'                          exclude: ["corpus"]),\n')
marker = "    targets: [\n"
assert marker in text, "Package.swift has no 'targets: [' line"
new = text.replace(marker, marker + line, 1)
try:
    if open(dest).read() == new:
        sys.exit(0)
except FileNotFoundError:
    pass
open(dest, "w").write(new)
PY
fi

BUILD_LOG=$(mktemp)
if ! swift build -c debug --package-path "$PACKAGE" --scratch-path "$SCRATCH" --product "$TARGET" \
        -j "${FUZZ_JOBS:-2}" -Xswiftc -sanitize=fuzzer,address -Xswiftc -D -Xswiftc FUZZING \
        >"$BUILD_LOG" 2>&1; then
    grep -v "Cannot export local symbol" "$BUILD_LOG" | tail -40 >&2
    echo "$TARGET: build failed" >&2
    exit 2
fi
rm -f "$BUILD_LOG"
BINARY="$SCRATCH/debug/$TARGET"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/fuzz-$TARGET.XXXXXX")
ARTIFACTS=${FUZZ_ARTIFACTS:-$WORK/artifacts}
mkdir -p "$WORK/corpus" "$ARTIFACTS"
cp "$ROOT/$SOURCE_DIR/corpus/"* "$WORK/corpus/" 2>/dev/null || true

# Leak checking off: the Swift runtime's metadata caches are reported as leaks at exit.
set +e
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0} "$BINARY" "$WORK/corpus" \
    -max_total_time="$SECONDS_TO_RUN" -timeout=10 -rss_limit_mb=2048 -max_len="${FUZZ_MAX_LEN:-2048}" \
    -print_final_stats=1 -artifact_prefix="$ARTIFACTS/" >"$WORK/fuzz.log" 2>&1
STATUS=$?
set -e
EXECS=$(sed -n 's/^stat::number_of_executed_units: *//p' "$WORK/fuzz.log" | tail -1)
if [[ $STATUS -ne 0 ]]; then
    tail -60 "$WORK/fuzz.log" >&2
    echo "$TARGET: CRASH after ${EXECS:-?} execs (exit $STATUS); inputs in $ARTIFACTS: $(ls "$ARTIFACTS" | tr '\n' ' ')"
    exit 1
fi
echo "$TARGET: ${EXECS:-?} execs, no crash"
rm -rf "$WORK"
