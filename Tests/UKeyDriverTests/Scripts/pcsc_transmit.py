#!/usr/bin/python3
"""One APDU to one reader through pcscd, touching no other reader (unlike opensc-tool, which
opens every reader while it enumerates them): SCardConnect, SCardTransmit, SCardDisconnect.

    pcsc_transmit.py READER-NAME-PART APDU-HEX [APDU-HEX ...]
    pcsc_transmit.py --readers

Sends each APDU in turn in one connection, as it is (no 61xx or 6Cxx handling). Prints
`RESPONSE <hex>` for each and exits 0, or `ERROR <call> 0x<code>` and exits 1. The pcscd is
the one `PCSCLITE_CSOCK_NAME` names. `--readers` lists the readers, one name a line, connecting
to none (SCardListReaders; no readers: no lines).
"""
import sys

from smartcard import scard


def check(call, result):
    if result != scard.SCARD_S_SUCCESS:
        print("ERROR %s 0x%08X" % (call, result & 0xFFFFFFFF))
        sys.exit(1)


def list_readers():
    result, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    check("SCardEstablishContext", result)
    result, readers = scard.SCardListReaders(context, [])
    if result != scard.SCARD_E_NO_READERS_AVAILABLE:
        check("SCardListReaders", result)
        for name in readers:
            print(name)
    scard.SCardReleaseContext(context)


def main():
    if sys.argv[1] == "--readers":
        list_readers()
        return
    part, apdus = sys.argv[1], [list(bytes.fromhex(text)) for text in sys.argv[2:]]
    result, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    check("SCardEstablishContext", result)
    result, readers = scard.SCardListReaders(context, [])
    check("SCardListReaders", result)
    names = [name for name in readers if part in name]
    if not names:
        print("ERROR no reader matches %r in %r" % (part, readers))
        sys.exit(1)
    result, card, protocol = scard.SCardConnect(context, names[0], scard.SCARD_SHARE_SHARED,
                                                scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1)
    check("SCardConnect", result)
    for apdu in apdus:
        result, response = scard.SCardTransmit(card, protocol, apdu)
        check("SCardTransmit", result)
        print("RESPONSE " + bytes(response).hex().upper())
    scard.SCardDisconnect(card, scard.SCARD_LEAVE_CARD)
    scard.SCardReleaseContext(context)


if __name__ == "__main__":
    main()
