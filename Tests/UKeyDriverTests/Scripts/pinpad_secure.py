#!/usr/bin/python3
"""Part 10 secure PIN entry from a stock PC/SC client (pyscard; run with /usr/bin/python3)
against whatever driver pcscd loaded for READER (here stock libccid under umockdev): the
features from CM_IOCTL_GET_FEATURE_REQUEST, SELECT of the banking applet, then one
SCardControl per operation, all in one connection. The holder types on the token's keypad;
the script never knows a PIN. After each operation a GET DATA checks that the connection (and,
at TPDU level, libccid's T=1 sequence numbers) still works.

Operations:
  verify  FEATURE_VERIFY_PIN_DIRECT for `00 20 00 81`: ASCII, block size 0 (Lc = the digits
          typed), 6-16 digits, OK ends the entry
  change  FEATURE_MODIFY_PIN_DIRECT for the keypad CHANGE `00 24 10 81`: BCD in two 8-byte
          blocks at 0 and 8, current PIN then the new one twice, three messages

Prints: PROTOCOL T0|T1, FEATURES <hex tags>, then per operation `SW <op> <hex>` and `AFTER <hex
of GET DATA's SW>` (on T=0 GET DATA with Le 00 answers 6Cxx, which shows the channel works as well).

Usage: pinpad_secure.py READER_PREFIX OP [OP ...]   (the first reader whose name starts so)
"""
import struct
import sys

from smartcard.scard import (SCARD_CTL_CODE, SCARD_PROTOCOL_T0, SCARD_PROTOCOL_T1, SCARD_SCOPE_USER, SCARD_SHARE_SHARED,
                             SCARD_UNPOWER_CARD, SCardConnect, SCardControl, SCardDisconnect,
                             SCardEstablishContext, SCardListReaders, SCardReleaseContext, SCardTransmit)

FEATURE_VERIFY_PIN_DIRECT = 0x06
FEATURE_MODIFY_PIN_DIRECT = 0x07
SELECT_BANKING = [0x00, 0xA4, 0x04, 0x00, 0x06, 0xF0, 0x55, 0x4B, 0x45, 0x59, 0x01, 0x00]
GET_DATA = [0x00, 0xCA, 0x01, 0x00, 0x00]


def le32(value):
    return struct.pack("<I", value)


def verify_structure():
    apdu = bytes([0x00, 0x20, 0x00, 0x81])
    return bytes([0x00, 0x00, 0x82, 0x00, 0x00, 0x10, 0x06, 0x02, 0x01, 0x09, 0x04, 0x00,
                  0x00, 0x00, 0x00]) + le32(len(apdu)) + apdu


def change_structure():
    apdu = bytes([0x00, 0x24, 0x10, 0x81, 0x10]) + b"\xFF" * 16
    return bytes([0x00, 0x00, 0x81, 0x08, 0x00, 0x00, 0x08, 0x10, 0x06, 0x03, 0x02, 0x03, 0x09, 0x04,
                  0x00, 0x01, 0x02, 0x00, 0x00, 0x00]) + le32(len(apdu)) + apdu


OPERATIONS = {
    "verify": (FEATURE_VERIFY_PIN_DIRECT, verify_structure),
    "change": (FEATURE_MODIFY_PIN_DIRECT, change_structure),
}


def check(rv, what):
    if rv != 0:
        raise SystemExit("%s failed: 0x%08X" % (what, rv & 0xFFFFFFFF))


def main():
    prefix, operations = sys.argv[1], sys.argv[2:]
    rv, context = SCardEstablishContext(SCARD_SCOPE_USER)
    check(rv, "SCardEstablishContext")
    rv, readers = SCardListReaders(context, [])
    check(rv, "SCardListReaders")
    reader = next((name for name in readers if name.startswith(prefix)), None)
    if reader is None:
        raise SystemExit("no reader named %s...: %s" % (prefix, readers))
    rv, card, protocol = SCardConnect(context, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1)
    check(rv, "SCardConnect")
    print("PROTOCOL " + ("T1" if protocol == SCARD_PROTOCOL_T1 else "T0"))
    try:
        rv, answer = SCardControl(card, SCARD_CTL_CODE(3400), [])
        check(rv, "CM_IOCTL_GET_FEATURE_REQUEST")
        found = {}
        for at in range(0, len(answer), 6):
            found[answer[at]] = struct.unpack(">I", bytes(answer[at + 2:at + 6]))[0]
        print("FEATURES " + " ".join("%02X" % tag for tag in sorted(found)))
        sys.stdout.flush()
        rv, response = SCardTransmit(card, protocol, SELECT_BANKING)
        check(rv, "SELECT")
        for name in operations:
            feature, structure = OPERATIONS[name]
            if feature not in found:
                raise SystemExit("the reader does not offer feature %02X" % feature)
            rv, response = SCardControl(card, found[feature], list(structure()))
            check(rv, "SCardControl " + name)
            print("SW %s %s" % (name, bytes(response).hex().upper()))
            rv, response = SCardTransmit(card, protocol, GET_DATA)
            check(rv, "GET DATA after " + name)
            print("AFTER " + bytes(response[-2:]).hex().upper())
            sys.stdout.flush()
    finally:
        SCardDisconnect(card, SCARD_UNPOWER_CARD)
        SCardReleaseContext(context)


if __name__ == "__main__":
    main()
