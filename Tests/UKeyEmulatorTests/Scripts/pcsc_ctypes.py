"""A PC/SC client on libpcsclite through ctypes (no pyscard needed); run with /usr/bin/python3.

Finds pcscd through PCSCLITE_CSOCK_NAME like every libpcsclite client. Never prints a PIN.

  readers                          one reader name per line
  loop READER COUNT [transaction|plain] [PAUSE] [START]
                                   COUNT rounds of SELECT + GET DATA + VERIFY-status; every answer
                                   is checked (same serial every time, 9000, same VERIFY status);
                                   with `transaction` each round runs inside SCardBeginTransaction
                                   and prints "T START END" (CLOCK_MONOTONIC); last line "OK N SERIAL SW";
                                   PAUSE between rounds, outside the transaction: MS, or MS/LONG_MS@EVERY
                                   for a pause of LONG_MS after every EVERY-th round (a client waiting
                                   in SCardBeginTransaction asks pcscd again only every 100 ms,
                                   PCSCLITE_LOCK_POLL_RATE, so only a pause longer than that is sure
                                   to let it in); START a common start: barrier:DIR:N (after
                                   connecting, wait until N clients have connected, each leaving a
                                   file in DIR) or a time.time() value
  transmit READER HEX              one APDU; prints "RC 0x… SECONDS" or "RESPONSE HEX SECONDS"
  serve READER                     a line server: hex APDU in, "R HEX" or "E 0x…" out (a CardChannel);
                                   the line "WAIT-REMOVED SECONDS" waits (SCardGetStatusChange) until
                                   pcscd's event thread has seen the card go since the connect (the
                                   reader empty and its event counter changed): "W OK" or "W TIMEOUT …"
"""
import ctypes
import os
import sys
import time

lib = ctypes.CDLL("libpcsclite.so.1")
LONG = ctypes.c_long
DWORD = ctypes.c_ulong
SCARD_SCOPE_USER = 0
SCARD_SHARE_SHARED = 2
SCARD_PROTOCOL_T0, SCARD_PROTOCOL_T1 = 1, 2
SCARD_LEAVE_CARD = 0


class IORequest(ctypes.Structure):
    _fields_ = [("dwProtocol", DWORD), ("cbPciLength", DWORD)]


class ReaderState(ctypes.Structure):
    _fields_ = [("szReader", ctypes.c_char_p), ("pvUserData", ctypes.c_void_p), ("dwCurrentState", DWORD),
                ("dwEventState", DWORD), ("cbAtr", DWORD), ("rgbAtr", ctypes.c_ubyte * 33)]


SCARD_STATE_UNAWARE, SCARD_STATE_CHANGED, SCARD_STATE_EMPTY = 0x0000, 0x0002, 0x0010
SCARD_E_TIMEOUT = 0x8010000A


class PCSCError(Exception):
    def __init__(self, what, rc):
        super().__init__("%s: 0x%08X" % (what, rc & 0xFFFFFFFF))
        self.rc = rc & 0xFFFFFFFF


def check(what, rc):
    if rc != 0:
        raise PCSCError(what, rc)


def context():
    handle = LONG()
    check("SCardEstablishContext", lib.SCardEstablishContext(SCARD_SCOPE_USER, None, None, ctypes.byref(handle)))
    return handle


def reader_names(ctx):
    size = DWORD(0)
    rc = lib.SCardListReaders(ctx, None, None, ctypes.byref(size))
    if rc == 0x8010002E:  # SCARD_E_NO_READERS_AVAILABLE
        return []
    check("SCardListReaders", rc)
    buffer = ctypes.create_string_buffer(size.value)
    check("SCardListReaders", lib.SCardListReaders(ctx, None, buffer, ctypes.byref(size)))
    return [n.decode() for n in buffer.raw[:size.value].split(b"\0") if n]


def connect(ctx, wanted):
    names = reader_names(ctx)
    chosen = [n for n in names if n == wanted] or [n for n in names if wanted in n]
    if not chosen:
        raise SystemExit("no reader %r among %r" % (wanted, names))
    card, protocol = LONG(), DWORD()
    check("SCardConnect", lib.SCardConnect(ctx, chosen[0].encode(), SCARD_SHARE_SHARED,
                                           SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, ctypes.byref(card), ctypes.byref(protocol)))
    return card, protocol.value


def transmit(card, protocol, apdu):
    pci = IORequest(protocol, ctypes.sizeof(IORequest))
    out = ctypes.create_string_buffer(65538)
    length = DWORD(len(out))
    check("SCardTransmit", lib.SCardTransmit(card, ctypes.byref(pci), bytes(apdu), len(apdu), None, out, ctypes.byref(length)))
    return out.raw[:length.value]


SELECT = bytes.fromhex("00A4040006F0554B45590100")
GET_DATA = bytes.fromhex("00CA010000")
VERIFY_STATUS = bytes.fromhex("00200081")


def parse_pause(text):
    """MS or MS/LONG_MS@EVERY -> (seconds, long seconds, every)."""
    short, _, long_part = text.partition("/")
    long_ms, _, every = long_part.partition("@")
    return float(short) / 1000, float(long_ms or 0) / 1000, int(every or 0)


def start_together(start):
    """Returns once every client may start: a barrier of N clients in DIR, or a wall-clock time."""
    if start.startswith("barrier:"):
        _, directory, clients = start.split(":")
        open(os.path.join(directory, "connected.%d" % os.getpid()), "w").close()
        while len([n for n in os.listdir(directory) if n.startswith("connected.")]) < int(clients):
            time.sleep(0.001)
    elif float(start or 0) > time.time():
        time.sleep(float(start) - time.time())


def loop(name, count, use_transaction, pause, start):
    ctx = context()
    card, protocol = connect(ctx, name)
    start_together(start)
    pause, long_pause, every = parse_pause(pause)
    serial, status = None, None
    for round_ in range(count):
        if use_transaction:
            check("SCardBeginTransaction", lib.SCardBeginTransaction(card))
            start = time.monotonic()
        selected = transmit(card, protocol, SELECT)
        info = transmit(card, protocol, GET_DATA)
        verify = transmit(card, protocol, VERIFY_STATUS)
        if use_transaction:
            end = time.monotonic()
            check("SCardEndTransaction", lib.SCardEndTransaction(card, SCARD_LEAVE_CARD))
            print("T %.6f %.6f" % (start, end))
        if selected[-2:] != b"\x90\x00" or b"\x84\x06\xf0\x55\x4b\x45\x59\x01" not in selected:
            raise SystemExit("round %d: SELECT answered %s" % (round_, selected.hex()))
        if info[-2:] != b"\x90\x00" or info[:2] != b"\xc0\x08":
            raise SystemExit("round %d: GET DATA answered %s" % (round_, info.hex()))
        serial = serial or info[2:10]
        if info[2:10] != serial:
            raise SystemExit("round %d: serial changed to %s" % (round_, info[2:10].hex()))
        status = status or verify
        if verify != status or len(verify) != 2:
            raise SystemExit("round %d: VERIFY status %s after %s" % (round_, verify.hex(), status.hex()))
        if every and (round_ + 1) % every == 0:
            time.sleep(long_pause)
        elif pause:
            time.sleep(pause)
    lib.SCardDisconnect(card, SCARD_LEAVE_CARD)
    print("OK %d %s %s" % (count, serial.hex().upper(), status.hex().upper()))


def one(name, hex_apdu):
    ctx = context()
    card, protocol = connect(ctx, name)
    start = time.monotonic()
    try:
        response = transmit(card, protocol, bytes.fromhex(hex_apdu))
        print("RESPONSE %s %.3f" % (response.hex().upper(), time.monotonic() - start))
    except PCSCError as error:
        print("RC 0x%08X %.3f" % (error.rc, time.monotonic() - start))
    sys.stdout.flush()
    lib.SCardDisconnect(card, SCARD_LEAVE_CARD)


def reader_state(ctx, state, timeout_ms):
    """One SCardGetStatusChange; True if it answered (False on SCARD_E_TIMEOUT)."""
    rc = lib.SCardGetStatusChange(ctx, DWORD(timeout_ms), ctypes.byref(state), DWORD(1)) & 0xFFFFFFFF
    if rc == SCARD_E_TIMEOUT:
        return False
    check("SCardGetStatusChange", rc)
    return True


def wait_removed(ctx, name, counter, seconds):
    """Until the reader is empty with an event counter other than `counter` (the upper 16 bits of
    dwEventState: pcscd's event thread counts each insertion and removal it sees; a failed
    SCardTransmit marks the reader absent without counting)."""
    state = ReaderState(name.encode(), None, SCARD_STATE_UNAWARE, 0, 0)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        # dwEventState is filled in also when the call times out: with a counter of 0 in
        # dwCurrentState libpcsclite does not count a counter change as a change, so a reader
        # first seen empty (a failed transmit) with counter 0 ends no wait when the counter moves.
        answered = reader_state(ctx, state, 1000)
        event = state.dwEventState
        if event & SCARD_STATE_EMPTY and (event >> 16) != counter:
            return "OK"
        if answered:
            state.dwCurrentState = event & ~SCARD_STATE_CHANGED
    return "TIMEOUT (counter at connect %d, reader state 0x%08X)" % (counter, state.dwEventState)


def serve(name):
    ctx = context()
    card, protocol = connect(ctx, name)
    names = reader_names(ctx)
    reader = ([n for n in names if n == name] or [n for n in names if name in n])[0]
    state = ReaderState(reader.encode(), None, SCARD_STATE_UNAWARE, 0, 0)
    reader_state(ctx, state, 0)
    counter = state.dwEventState >> 16
    print("READY", flush=True)
    for line in sys.stdin:
        line = line.strip()
        if not line:
            break
        if line.startswith("WAIT-REMOVED "):
            print("W " + wait_removed(ctx, reader, counter, float(line.split()[1])), flush=True)
            continue
        try:
            print("R " + transmit(card, protocol, bytes.fromhex(line)).hex().upper(), flush=True)
        except PCSCError as error:
            print("E 0x%08X" % error.rc, flush=True)
    lib.SCardDisconnect(card, SCARD_LEAVE_CARD)


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "readers":
        print("\n".join(reader_names(context())))
    elif command == "loop":
        loop(sys.argv[2], int(sys.argv[3]), len(sys.argv) > 4 and sys.argv[4] == "transaction",
             sys.argv[5] if len(sys.argv) > 5 else "0", sys.argv[6] if len(sys.argv) > 6 else "")
    elif command == "transmit":
        one(sys.argv[2], sys.argv[3])
    elif command == "serve":
        serve(sys.argv[2])
