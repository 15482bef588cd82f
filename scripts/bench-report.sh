#!/usr/bin/env bash
# `make bench`: runs ukey-bench (its output also on the terminal) and writes one Markdown report:
# the machine, the versions, the headline ratios, then every section as ukey-bench printed it
# (each figure next to its reference from the same run, with the ratio).
#
#   scripts/bench-report.sh BIN_DIR REPORT [ukey-bench options…]
#
# BIN_DIR holds ukey-bench, ukey and libifd-ukey.so (a release build). SWIFT names the swift
# used for the build (for its version). The report is replaced only when ukey-bench succeeds.
# scripts/bench_piv.py adds the PIV section (stock OpenSC through our driver vs stock vpcd) and
# its headline rows; it reports a missing tool as a skipped section instead of failing.
set -euo pipefail

BIN=${1:?usage: scripts/bench-report.sh BIN_DIR REPORT [ukey-bench options]}
REPORT=${2:?usage: scripts/bench-report.sh BIN_DIR REPORT [ukey-bench options]}
shift 2
SWIFT=${SWIFT:-swift}
OUT=$(mktemp /tmp/ukey-bench-out.XXXXXX)
PIV_OUT=$(mktemp /tmp/ukey-bench-piv.XXXXXX)
PIV_HEADLINES=$(mktemp /tmp/ukey-bench-piv-headlines.XXXXXX)
trap 'rm -f "$OUT" "$PIV_OUT" "$PIV_HEADLINES" "$REPORT.tmp"' EXIT

started=$(date -u '+%Y-%m-%d %H:%M UTC')
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
t0=$(date +%s)
"$BIN/ukey-bench" "$@" | tee "$OUT"
/usr/bin/python3 "$(dirname "$0")/bench_piv.py" "$BIN" "$PIV_HEADLINES" | tee "$PIV_OUT"
seconds=$(( $(date +%s) - t0 ))
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# The first line of a command's output, or "unknown".
first() { local text; text=$("$@" 2>/dev/null | head -n 1) || true; echo "${text:-unknown}"; }
lscpu_field() { lscpu 2>/dev/null | sed -n "s/^$1:[[:space:]]*//p" | head -n 1; }
deb() { first dpkg-query -W -f '${Version}' "$1"; }

cpu=$(lscpu_field 'Model name')
sockets=$(lscpu_field 'Socket(s)')
cores=$(lscpu_field 'Core(s) per socket')
threads=$(lscpu_field 'Thread(s) per core')
memory=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
commit=$(first git -C "$(dirname "$0")/.." describe --always --dirty --abbrev=12)

{
    echo "# UKey benchmark report"
    echo
    echo "Written by \`make bench\` (\`scripts/bench-report.sh\`, release build), regenerated on every run;"
    echo "run of $started, ${seconds} s, commit \`$commit\`. Absolute figures depend on the machine and"
    echo "its neighbours (these machines are shared); each figure sits next to a reference measured in"
    echo "the same run, in interleaved rounds, and the ratios are what to compare."
    echo
    echo "## Machine"
    echo
    echo "| | |"
    echo "|---|---|"
    echo "| CPU | ${cpu:-unknown} |"
    echo "| cores | $(nproc) online (${sockets:-?} socket(s) × ${cores:-?} core(s) × ${threads:-?} thread(s)) |"
    echo "| memory | $memory |"
    echo "| kernel | $(uname -srm) |"
    echo "| OS | $(first sed -n 's/^PRETTY_NAME="\(.*\)"$/\1/p' /etc/os-release) |"
    echo "| load average (1, 5, 15 min) | before $load_before; after $load_after |"
    echo
    echo "## Versions"
    echo
    echo "| | |"
    echo "|---|---|"
    echo "| Swift | $(first "$SWIFT" --version) |"
    echo "| OpenSSL (libcrypto the build links) | $(first pkg-config --modversion libcrypto) ($(first openssl version)) |"
    echo "| pcsc-lite (libpcsclite, pcscd) | $(first pkg-config --modversion libpcsclite), pcscd $(deb pcscd) |"
    echo "| vsmartcard-vpcd (reference driver) | $(deb vsmartcard-vpcd) |"
    echo "| python3-pyscard (pcscd paths' client) | $(deb python3-pyscard) |"
    echo "| OpenSC (opensc-pkcs11, pkcs11-tool), python3-pykcs11 (PIV section) | $(deb opensc-pkcs11), $(deb python3-pykcs11) |"
    # The headline table (printed last by ukey-bench) comes first here.
    echo
    sed -n '/^## Headline ratios$/,$p' "$OUT"
    cat "$PIV_HEADLINES"
    echo
    echo "## Sections"
    echo
    sed '/^## Headline ratios$/,$d' "$OUT" | sed 's/^## /### /'
    sed 's/^## /### /' "$PIV_OUT"
} > "$REPORT.tmp"
mv "$REPORT.tmp" "$REPORT"
echo
echo "bench: report written to $REPORT"
