#!/usr/bin/env bash
# The UKey demo (`make demo`): an emulated token behind a private pcscd with our driver, used
# only through the `ukey` command line, as a bank client and the bank would:
#   1. start the emulator and a private pcscd;  2. create the bank's test CA;
#   3. personalize the token (new PIN, transfer key made on the card, the bank records it,
#      card-built CSR -> transfer certificate -> token);
#   4. the bank issues a challenge, the holder confirms the transfer on the token;
#   5. the bank verifies it, and rejects a replayed copy;  6. stop everything.
#
#   scripts/demo.sh BIN_DIR     (BIN_DIR holds ukey and libifd-ukey.so)
#
# With a terminal the holder presses OK on the token's drawn screen; without one (CI) the
# emulator approves. PINs travel in environment variables of single commands, never in argv.
#
# For tests: UKEY_DEMO_TRACE=1 adds --trace to the emulator, the private pcscd (driver trace in
# pcscd.log) and every ukey command that takes it; UKEY_DEMO_DIR=DIR (new or empty, 0700) is
# used instead of a temporary directory and kept afterwards, with emulator.log and pcscd/pcscd.log
# in it. UKEY_FACTORY_PIN / UKEY_FACTORY_PUK / UKEY_NEW_PIN replace the demo's secrets.
set -euo pipefail

BIN=${1:?usage: scripts/demo.sh BIN_DIR}
UKEY="$BIN/ukey"
if [[ -n ${UKEY_DEMO_DIR:-} ]]; then
    WORK=$UKEY_DEMO_DIR
    mkdir -p "$WORK"
else
    WORK=$(mktemp -d /tmp/ukey-demo.XXXXXX)
fi
chmod 700 "$WORK"
EMULATOR_PID=""
TRACE=()
if [[ ${UKEY_DEMO_TRACE:-} == 1 ]]; then TRACE=(--trace); fi

cleanup() {
    "$UKEY" pcscd stop --dir "$WORK/pcscd" >/dev/null 2>&1 || true
    if [[ -n "$EMULATOR_PID" ]]; then
        kill "$EMULATOR_PID" 2>/dev/null || true
        wait "$EMULATOR_PID" 2>/dev/null || true
    fi
    if [[ -z ${UKEY_DEMO_DIR:-} ]]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT

step() { printf '\n\033[1m%s\033[0m\n' "$*"; }
# Prints the command (arguments with spaces in quotes) and SUFFIX after it.
print_command() {
    local suffix=$1 shown="" arg prefix=" $UKEY"
    shift
    for arg in "$@"; do [[ $arg == *" "* ]] && shown+=" \"$arg\"" || shown+=" $arg"; done
    # (No quotes inside ${…/…/…} here: bash 5.2 cannot parse them within double quotes.)
    if [[ $shown == "$prefix"* ]]; then shown=" ukey${shown:${#prefix}}"; fi
    printf '  $%s%s\n' "$shown" "$suffix"
}
# Prints the command, runs it, indents its output.
show() {
    print_command "" "$@"
    "$@" 2>&1 | sed 's/^/    /'
}
# show_into FILE COMMAND...: like show, but the command's standard output goes to FILE.
show_into() {
    local file=$1
    shift
    print_command " > $file" "$@"
    "$@" 2>&1 >"$file" | sed 's/^/    /'
}

FACTORY_PIN=${UKEY_FACTORY_PIN:-123456} FACTORY_PUK=${UKEY_FACTORY_PUK:-12345678} PIN=${UKEY_NEW_PIN:-24681357}
unset UKEY_PIN UKEY_NEW_PIN UKEY_PUK

if [[ -t 0 && -t 1 ]]; then CONFIRM=ask; else CONFIRM=approve; fi

step "1. An emulated UKey token (USB/IP on a private socket) behind a private pcscd with our driver"
emulator() {
    UKEY_FACTORY_PIN=$FACTORY_PIN UKEY_FACTORY_PUK=$FACTORY_PUK \
        exec "$UKEY" emulator run --state "$WORK/emulator" --listen "unix:$WORK/usbip.sock" --confirm "$CONFIRM" \
        "${TRACE[@]}"
}
if [[ $CONFIRM == ask ]]; then
    # The token's screen and its OK key are this terminal.
    emulator </dev/tty >/dev/tty 2>"$WORK/emulator.log" &
else
    emulator </dev/null >"$WORK/emulator.log" 2>&1 &
fi
EMULATOR_PID=$!
for _ in $(seq 100); do [[ -S "$WORK/emulator/control.sock" ]] && break; sleep 0.1; done
"$UKEY" pcscd start --state "$WORK/emulator" --dir "$WORK/pcscd" "${TRACE[@]}"
eval "$("$UKEY" pcscd env --dir "$WORK/pcscd")"
show "$UKEY" readers "${TRACE[@]}"
show "$UKEY" token info "${TRACE[@]}"

step "2. The bank's test CA"
show "$UKEY" ca init --dir "$WORK/bank"

step "3. Personalize: change the factory PIN, generate the RSA-1024 transfer key on the card (the holder approves), card-built CSR -> certificate -> token"
UKEY_PIN=$FACTORY_PIN UKEY_NEW_PIN=$PIN show "$UKEY" token pin change "${TRACE[@]}"
if [[ $CONFIRM == ask ]]; then
    echo "  The token asks for OK before it makes a new transfer key: press Enter (OK) on each page."
fi
UKEY_PIN=$PIN show "$UKEY" token keygen --key transfer "${TRACE[@]}"
echo "  The bank records the transfer key read from the card: it certifies a transfer CSR only for this key."
show_into "$WORK/transfer-key.pem" "$UKEY" token pubkey --key transfer "${TRACE[@]}"
UKEY_PIN=$PIN show "$UKEY" token csr --key transfer --subject "CN=Zhang San, O=UKey Test Bank" --out "$WORK/token.csr" "${TRACE[@]}"
show openssl req -verify -noout -in "$WORK/token.csr"
show "$UKEY" ca issue --dir "$WORK/bank" --transfer --transfer-key "$WORK/transfer-key.pem" --csr "$WORK/token.csr" \
    --out "$WORK/token.pem"
UKEY_PIN=$PIN show "$UKEY" token cert put --key transfer "$WORK/token.pem" "${TRACE[@]}"
show "$UKEY" token info "${TRACE[@]}"

step "4. The bank asks for 1234.56 CNY to Li Si; the holder confirms it on the token"
show "$UKEY" transfer challenge --bank "$WORK/bank" --payee-account 6222020200112233 --payee-name "李四 Li Si" \
    --amount 1234.56 --currency CNY --reference "Invoice 42" --out "$WORK/challenge.json"
if [[ $CONFIRM == ask ]]; then
    echo "  The token shows the transfer below: read it, then press Enter (OK) on each page."
fi
UKEY_PIN=$PIN show "$UKEY" transfer sign "$WORK/challenge.json" --out "$WORK/signed.json" "${TRACE[@]}"
sed 's/^/    /' "$WORK/signed.json" | cut -c1-110

step "5. The bank verifies the signed transfer"
show "$UKEY" transfer verify --bank "$WORK/bank" "$WORK/signed.json"
echo "  ...and a replayed copy is rejected:"
if "$UKEY" transfer verify --bank "$WORK/bank" "$WORK/signed.json" >"$WORK/replay.txt" 2>&1; then
    echo "  FAILED: the replay was accepted"; exit 1
fi
sed 's/^/    /' "$WORK/replay.txt"

step "6. Done: stopping pcscd and the emulator"
