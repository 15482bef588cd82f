#!/bin/bash
# Fails when a build log has a warning: `make test` runs it on the log of its
# `swift build --build-tests` (DEVELOPERS.md, "Build and test"). Prints each warning once.
#
# A warning is a line `FILE:LINE:COL: warning: …` (the compiler; its source excerpt below it,
# indented, is skipped) or `…warning: …` from another tool (SwiftPM, the linker). The only
# warnings allowed are the toolchain's lines in ALLOWED below, each with the reason it cannot be
# fixed here. Dependencies' sources (.build/checkouts) are built with -suppress-warnings by
# SwiftPM and print none.
#
# Usage: scripts/check-warnings.sh BUILD_LOG
set -euo pipefail

log=${1:?usage: $0 BUILD_LOG}

ALLOWED=(
    # SwiftPM drops -pthread from libpcsclite's pkg-config flags (DEVELOPERS.md, "The PCSC module"):
    # harmless, and printed by SwiftPM itself, not the compiler.
    'warning: prohibited flag(s): -pthread'
    # swift-distributed-tracing (Hummingbird's dependency, for the bank service) ships a file its
    # own manifest does not declare; SwiftPM says so while loading that manifest, not ours.
    "warning: 'swift-distributed-tracing': found 1 file(s) which are unhandled; explicitly declare them as resources or exclude from the target"
)

patterns=()
for allowed in "${ALLOWED[@]}"; do patterns+=(-e "$allowed"); done
warnings=$(grep -E '^[^[:space:]|].*warning: ' "$log" | grep -vF "${patterns[@]}" | sort -u || true)
if [ -n "$warnings" ]; then
    echo "$warnings" >&2
    echo "check-warnings: $(echo "$warnings" | wc -l) warning(s) in $log; fix them (the build must stay at zero)" >&2
    exit 1
fi
echo "check-warnings: no warnings in $log"
