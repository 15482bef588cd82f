"""The stock pinpad path from a PC/SC client (pyscard; run with /usr/bin/python3): features from
CM_IOCTL_GET_FEATURE_REQUEST, the TLV properties, then SCardControl(FEATURE_VERIFY_PIN_DIRECT)
with part 10's PIN_VERIFY_STRUCTURE for the banking VERIFY (ASCII, block size 0, 6-16 digits):
the holder types on the token's keypad. The script never knows the PIN. Prints one line per
result: FEATURES <hex tags>, PROPERTIES <hex>, SW <status word>.

Usage: pinpad_verify.py READER [TIMEOUT_SECONDS]
"""
import struct
import sys

from smartcard.scard import (SCARD_CTL_CODE, SCARD_PROTOCOL_T1, SCARD_SCOPE_USER, SCARD_SHARE_SHARED,
                             SCARD_UNPOWER_CARD, SCardConnect, SCardControl, SCardDisconnect,
                             SCardEstablishContext, SCardReleaseContext, SCardTransmit)

FEATURE_VERIFY_PIN_DIRECT = 0x06
FEATURE_GET_TLV_PROPERTIES = 0x12
SELECT_BANKING = [0x00, 0xA4, 0x04, 0x00, 0x06, 0xF0, 0x55, 0x4B, 0x45, 0x59, 0x01, 0x00]


def check(rv, what):
    if rv != 0:
        raise SystemExit("%s failed: 0x%08X" % (what, rv & 0xFFFFFFFF))


def features(card):
    rv, answer = SCardControl(card, SCARD_CTL_CODE(3400), [])
    check(rv, "CM_IOCTL_GET_FEATURE_REQUEST")
    found = {}
    for at in range(0, len(answer), 6):
        found[answer[at]] = struct.unpack(">I", bytes(answer[at + 2:at + 6]))[0]
    return found


def main():
    reader = sys.argv[1]
    timeout = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    rv, context = SCardEstablishContext(SCARD_SCOPE_USER)
    check(rv, "SCardEstablishContext")
    rv, card, _ = SCardConnect(context, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1)
    check(rv, "SCardConnect")
    try:
        found = features(card)
        print("FEATURES " + " ".join("%02X" % tag for tag in sorted(found)))
        rv, properties = SCardControl(card, found[FEATURE_GET_TLV_PROPERTIES], [])
        check(rv, "FEATURE_GET_TLV_PROPERTIES")
        print("PROPERTIES " + bytes(properties).hex().upper())
        rv, response = SCardTransmit(card, SCARD_PROTOCOL_T1, SELECT_BANKING)
        check(rv, "SELECT")
        apdu = [0x00, 0x20, 0x00, 0x81]
        structure = bytes([timeout, 0x00, 0x82, 0x00, 0x00, 0x10, 0x06, 0x02, 0x01, 0x09, 0x04, 0x00, 0x00, 0x00, 0x00])
        structure += struct.pack("<I", len(apdu)) + bytes(apdu)
        rv, response = SCardControl(card, found[FEATURE_VERIFY_PIN_DIRECT], list(structure))
        check(rv, "FEATURE_VERIFY_PIN_DIRECT")
        print("SW " + bytes(response).hex().upper())
        sys.stdout.flush()
    finally:
        SCardDisconnect(card, SCARD_UNPOWER_CARD)
        SCardReleaseContext(context)


if __name__ == "__main__":
    main()
