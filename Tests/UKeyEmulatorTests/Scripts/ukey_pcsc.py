"""Shared helpers for the UKey PC/SC test scripts (pyscard; run with /usr/bin/python3).

The reader comes from UKEY_READER (its exact PC/SC name); PINs only ever come from the
environment and are never printed. Every script disconnects before it exits: stock vpcd does
not present a restarted card while a client still holds a connection to it.
"""
import os
import sys

from smartcard.System import readers

AID = bytes.fromhex("F0554B455901")
SHA256_DIGESTINFO_PREFIX = bytes.fromhex("3031300d060960864801650304020105000420")


class CardError(Exception):
    pass


def connect():
    """Connects to the reader named by UKEY_READER (exact name, else the first whose name contains it)."""
    wanted = os.environ.get("UKEY_READER", "")
    available = readers()
    chosen = [r for r in available if str(r) == wanted] or [r for r in available if wanted in str(r)]
    if not chosen:
        raise CardError("no reader %r among %r" % (wanted, [str(r) for r in available]))
    connection = chosen[0].createConnection()
    connection.connect()
    return connection


def transmit(connection, apdu, expect=(0x90, 0x00), what="command"):
    """Sends `apdu` (bytes); returns the response data; raises unless SW equals `expect` (None: any)."""
    data, sw1, sw2 = connection.transmit(list(apdu))
    if expect is not None and (sw1, sw2) != expect:
        raise CardError("%s answered %02X%02X" % (what, sw1, sw2))
    return bytes(data)


def apdu(cla, ins, p1, p2, data=b"", le=None):
    """A short command APDU."""
    out = bytes([cla, ins, p1, p2])
    if data:
        out += bytes([len(data)]) + bytes(data)
    if le is not None:
        out += bytes([le])
    return out


def tlv_items(data):
    """Flat BER-TLV with one-byte tags and short lengths (the token info of GET DATA 01 00)."""
    items, i = {}, 0
    while i + 2 <= len(data):
        tag, length = data[i], data[i + 1]
        items[tag] = data[i + 2:i + 2 + length]
        i += 2 + length
    return items


def select(connection):
    return transmit(connection, apdu(0x00, 0xA4, 0x04, 0x00, AID, 0x00), what="SELECT")


def token_info(connection):
    return tlv_items(transmit(connection, apdu(0x00, 0xCA, 0x01, 0x00, le=0x00), what="GET DATA"))


def change_pin(connection, old, new):
    body = bytes([len(old)]) + old + bytes([len(new)]) + new
    transmit(connection, apdu(0x00, 0x24, 0x00, 0x81, body), what="CHANGE PIN")


def verify_pin(connection, pin):
    transmit(connection, apdu(0x00, 0x20, 0x00, 0x81, pin), what="VERIFY PIN")


def secret(name):
    value = os.environ.get(name)
    if not value:
        raise CardError("%s is not set" % name)
    return value.encode("ascii")


def run(main):
    """Runs main(); exits 1 with a one-line message (never a secret) on a card error."""
    try:
        main()
    except CardError as error:
        print("error: %s" % error, file=sys.stderr)
        sys.exit(1)
