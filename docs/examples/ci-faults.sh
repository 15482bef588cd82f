#!/bin/sh
# CI example (README, "Testers"): an emulated token behind a private pcscd, one injected fault,
# a client test, and the USB capture kept as an artifact. Needs ukey and pcscd; no root.
set -eu
UKEY=${UKEY:-ukey}
WORK=$(mktemp -d)
ARTIFACTS=${ARTIFACTS:-$WORK/artifacts}
mkdir -p "$ARTIFACTS"
export UKEY_FACTORY_PIN=123456 UKEY_FACTORY_PUK=12345678

"$UKEY" emulator run --state "$WORK/ukey" --listen "unix:$WORK/usbip.sock" --confirm approve \
    --pcap "$ARTIFACTS/token.pcap" >"$ARTIFACTS/emulator.log" 2>&1 &
EMULATOR=$!
cleanup() {
    "$UKEY" pcscd stop --dir "$WORK/pcscd" >/dev/null 2>&1 || true
    kill "$EMULATOR" 2>/dev/null || true
    wait "$EMULATOR" 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 100); do [ -S "$WORK/ukey/control.sock" ] && break; sleep 0.1; done

"$UKEY" pcscd start --state "$WORK/ukey" --dir "$WORK/pcscd"
eval "$("$UKEY" pcscd env --dir "$WORK/pcscd")"
for _ in $(seq 100); do "$UKEY" readers --json | grep -q '"hasCard" : true' && break; sleep 0.2; done

# The fault: the next GET DATA is answered 6F00 without running.
"$UKEY" emulator fault add --state "$WORK/ukey" --token 1-1 --ins CA --respond 6F00

# The client test (yours goes here): the first read must fail cleanly, the retry must work.
if "$UKEY" token info >"$ARTIFACTS/first-try.txt" 2>&1; then
    echo "the client did not see the injected 6F00" >&2
    exit 1
fi
"$UKEY" token info >"$ARTIFACTS/retry.txt"
"$UKEY" emulator fault list --state "$WORK/ukey" --token 1-1 >"$ARTIFACTS/faults.txt"
echo "ok; capture: $ARTIFACTS/token.pcap (tshark -r FILE -V -d usbccid.subdissector,iso7816)"
