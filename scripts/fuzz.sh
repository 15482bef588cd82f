#!/usr/bin/env bash
# Runs a libFuzzer target for SECONDS on a scratch copy of its seed corpus.
#
#   scripts/fuzz.sh FuzzTLV 60
#   scripts/fuzz.sh --build-only
#
# The targets are the executable targets FuzzX of Package.swift, sources in Fuzz/X/ (main.swift
# calls FuzzSupport's runFuzzTarget), seeds in Fuzz/X/corpus/. All of them are built at once by
# one `swift build` of the whole package in its own scratch path (.build-fuzz/sanitizer, never
# .build), so that every run after the first costs no compiling: AddressSanitizer, libFuzzer's
# coverage instrumentation (what `-sanitize=fuzzer` turns on) and `-D FUZZING` everywhere, and
# libFuzzer's runtime without its `main` (libclang_rt.fuzzer_no_main) at the end of every link
# line. Only the fuzz targets use it (FuzzSupport calls LLVMFuzzerRunDriver); the other
# executables and libifd-ukey.so link nothing from it, which `-sanitize=fuzzer` cannot do (it
# would make them all need LLVMFuzzerTestOneInput).
#
# The corpus is copied to a temporary directory (new inputs land there, not in the repo); a
# crash, a broken invariant (fatalError), a leak-free OOM or a hang (-timeout) leaves its input
# in $FUZZ_ARTIFACTS (default: a temporary directory, printed) and exits 1. Prints
# `TARGET: N execs, no crash`. Replay an input with the plain build: `.build/debug/FuzzX FILE`.
# Environment: FUZZ_ARTIFACTS, FUZZ_JOBS (build jobs, default 2), FUZZ_MAX_LEN (default 2048),
# FUZZ_NO_BUILD=1 (skip the build: `make fuzz` builds once, then runs each target).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SCRATCH="$ROOT/.build-fuzz/sanitizer"

build() {
    local log swift_bin fuzzer_runtime
    swift_bin=$(dirname "$(readlink -f "$(command -v swift)")")
    fuzzer_runtime=$(ls "$swift_bin"/../lib/clang/*/lib/linux/libclang_rt.fuzzer_no_main-"$(uname -m)".a 2>/dev/null | tail -1)
    [[ -n "$fuzzer_runtime" ]] || { echo "fuzz targets: no libclang_rt.fuzzer_no_main in the Swift toolchain" >&2; exit 2; }
    log=$(mktemp)
    if ! swift build -c debug --package-path "$ROOT" --scratch-path "$SCRATCH" -j "${FUZZ_JOBS:-2}" \
            -Xswiftc -sanitize=address \
            -Xswiftc -sanitize-coverage=edge,indirect-calls,trace-cmp,pc-table,inline-8bit-counters \
            -Xswiftc -D -Xswiftc FUZZING -Xlinker "$fuzzer_runtime" -Xlinker -lstdc++ >"$log" 2>&1; then
        grep -v "Cannot export local symbol" "$log" | tail -40 >&2
        rm -f "$log"
        echo "fuzz targets: build failed" >&2
        exit 2
    fi
    rm -f "$log"
}

if [[ "${1:-}" == --build-only ]]; then
    build
    exit 0
fi

TARGET=${1:?usage: scripts/fuzz.sh TARGET SECONDS | --build-only}
SECONDS_TO_RUN=${2:?usage: scripts/fuzz.sh TARGET SECONDS | --build-only}
SOURCE_DIR="$ROOT/Fuzz/${TARGET#Fuzz}"
[[ -f "$SOURCE_DIR/main.swift" ]] || { echo "$TARGET: no $SOURCE_DIR/main.swift" >&2; exit 2; }
[[ "${FUZZ_NO_BUILD:-}" == 1 ]] || build
BINARY="$SCRATCH/debug/$TARGET"
[[ -x "$BINARY" ]] || { echo "$TARGET: $BINARY was not built" >&2; exit 2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/fuzz-$TARGET.XXXXXX")
ARTIFACTS=${FUZZ_ARTIFACTS:-$WORK/artifacts}
mkdir -p "$WORK/corpus" "$ARTIFACTS"
cp "$SOURCE_DIR/corpus/"* "$WORK/corpus/" 2>/dev/null || true

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
