#!/bin/sh
# vpcd + pcscd benchmark around any card process (for `make bench`): starts a private pcscd
# (own mount namespace; the system pcscd is never touched) with one stock vpcd reader on a free
# port, starts the card command with @PORT@ replaced by that port, waits for the card, runs
# vpcd_bench.py (p50 / p99 / APDUs per second, trivial APDU and RSA-1024 SIGN) and stops
# everything, also on failure or Ctrl-C.
#
#   UKEY_PIN=… UKEY_NEW_PIN=… vpcd_bench.sh [vpcd_bench.py options] -- ukey emulator run --vpcd 127.0.0.1:@PORT@ …
#
# PINs come from the environment only. Needs root or unprivileged user namespaces (unshare -rm).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bench_args=""
while [ $# -gt 0 ] && [ "$1" != "--" ]; do bench_args="$bench_args $1"; shift; done
[ $# -gt 0 ] && shift
[ $# -gt 0 ] || { echo "usage: $0 [vpcd_bench.py options] -- CARD_COMMAND (with @PORT@)" >&2; exit 2; }

port=$(/usr/bin/python3 -c '
import socket
while True:
    a = socket.socket(); a.bind(("0.0.0.0", 0)); p = a.getsockname()[1]
    b = socket.socket()
    try:
        b.bind(("0.0.0.0", p + 1)); print(p); break
    except OSError:
        pass
    finally:
        a.close(); b.close()
')
dir=$(mktemp -d /tmp/ukey-vpcd-bench.XXXXXX)
mkdir "$dir/run" "$dir/reader.conf.d"
cat > "$dir/reader.conf.d/vpcd" <<CONF
FRIENDLYNAME "UKey bench"
DEVICENAME /dev/null:$port
LIBPATH /usr/lib/pcsc/drivers/serial/libifdvpcd.so
CONF
pcscd_pid=""; card_pid=""
cleanup() {
    [ -n "$card_pid" ] && kill -TERM "-$card_pid" 2>/dev/null || true
    [ -n "$pcscd_pid" ] && kill -TERM "-$pcscd_pid" 2>/dev/null || true
    sleep 0.2
    [ -n "$card_pid" ] && kill -KILL "-$card_pid" 2>/dev/null || true
    [ -n "$pcscd_pid" ] && kill -KILL "-$pcscd_pid" 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT INT TERM

if [ "$(id -u)" -eq 0 ]; then ns="-m"; else ns="-rm"; fi
setsid unshare $ns --propagation private sh -c \
    'mount -n -t tmpfs tmpfs /run && mkdir /run/pcscd && mount -n --bind "$0" /run/pcscd && exec pcscd -f -c "$1"' \
    "$dir/run" "$dir/reader.conf.d" >"$dir/pcscd.log" 2>&1 &
pcscd_pid=$!
export PCSCLITE_CSOCK_NAME="$dir/run/pcscd.comm"
export UKEY_READER="UKey bench 00 00"

for arg do
    shift
    set -- "$@" "$(printf '%s' "$arg" | sed "s/@PORT@/$port/g")"
done
setsid "$@" >"$dir/card.log" 2>&1 &
card_pid=$!

tries=0
until opensc-tool -r "$UKEY_READER" -a >/dev/null 2>&1; do
    tries=$((tries + 1))
    if [ $tries -gt 150 ]; then
        echo "no card in $UKEY_READER after 15 s; pcscd log:" >&2; cat "$dir/pcscd.log" >&2
        echo "card log:" >&2; cat "$dir/card.log" >&2
        exit 1
    fi
    sleep 0.1
done
# shellcheck disable=SC2086
/usr/bin/python3 "$here/vpcd_bench.py" $bench_args
