#!/usr/bin/python3
"""A stock PC/SC client's view of the emulator's faults (issue 20), with pyscard's low-level API.

    fault_client.py --reader 'UKey 1-1 00 00' 00A4040006F0554B455901 00CA010000 reconnect ...

Connects (shared, T=0 or T=1), then for each argument: a hex APDU is transmitted, `reconnect`
does SCardReconnect(SCARD_RESET_CARD), `status` reads SCardStatus, `wait-present SECONDS` waits
until a new connection's SELECT of the banking applet answers 9000 (after a disconnect or a tear). One JSON
line per step: {"step", "result" (the SCARD_* name), "sw" (hex, on success), "ms" (elapsed)}.
No argument carries a PIN; the PIN-carrying APDUs the tests send are built from the factory PIN
the emulator was given in its environment (UKEY_FACTORY_PIN), never printed.
"""
import argparse
import json
import os
import sys
import time

from smartcard import scard


def name(code):
    for key, value in vars(scard).items():
        if key.startswith(("SCARD_E_", "SCARD_W_", "SCARD_F_", "SCARD_S_")) and value == code:
            return key
    return hex(code & 0xFFFFFFFF)


def connect(context, reader):
    result, card, protocol = scard.SCardConnect(context, reader, scard.SCARD_SHARE_SHARED,
                                                scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1)
    return result, card, protocol


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--reader", required=True)
    parser.add_argument("steps", nargs="*")
    args = parser.parse_args()
    pin = os.environ.get("UKEY_FACTORY_PIN", "")
    result, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if result != scard.SCARD_S_SUCCESS:
        print(json.dumps({"step": "context", "result": name(result)}))
        return 1
    # The token may be coming back (after a tear or a disconnect): try for up to 20 s.
    deadline = time.monotonic() + 20
    result, card, protocol = connect(context, args.reader)
    while result != scard.SCARD_S_SUCCESS and time.monotonic() < deadline:
        time.sleep(0.2)
        result, card, protocol = connect(context, args.reader)
    print(json.dumps({"step": "connect", "result": name(result)}), flush=True)
    if result != scard.SCARD_S_SUCCESS:
        return 1
    steps = list(args.steps)
    while steps:
        step = steps.pop(0)
        start = time.monotonic()
        line = {"step": step}
        if step == "reconnect":
            result, protocol = scard.SCardReconnect(card, scard.SCARD_SHARE_SHARED,
                                                    scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1,
                                                    scard.SCARD_RESET_CARD)
        elif step == "status":
            result, _, state, _, atr = scard.SCardStatus(card)
            line["atr"] = bytes(atr).hex().upper() if result == scard.SCARD_S_SUCCESS else ""
        elif step == "wait-present":
            seconds = float(steps.pop(0))
            deadline = time.monotonic() + seconds
            result = scard.SCARD_E_TIMEOUT
            scard.SCardDisconnect(card, scard.SCARD_LEAVE_CARD)
            while time.monotonic() < deadline:
                result, card, protocol = connect(context, args.reader)
                if result == scard.SCARD_S_SUCCESS:
                    # pcscd may still hold the old card for a moment: the token is back once a
                    # SELECT of the banking applet answers.
                    result, response = scard.SCardTransmit(card, protocol, list(bytes.fromhex("00A4040006F0554B455901")))
                    if result == scard.SCARD_S_SUCCESS and bytes(response[-2:]) == b"\x90\x00":
                        break
                    result = result if result != scard.SCARD_S_SUCCESS else scard.SCARD_E_NOT_READY
                    scard.SCardDisconnect(card, scard.SCARD_LEAVE_CARD)
                time.sleep(0.2)
        else:
            # VERIFY of the factory PIN: the PIN goes in from the environment, never argv.
            hexed = step.replace("@PIN@", pin.encode().hex()).replace("@PINLEN@", "%02X" % len(pin))
            apdu = list(bytes.fromhex(hexed))
            result, response = scard.SCardTransmit(card, protocol, apdu)
            if result == scard.SCARD_S_SUCCESS:
                line["sw"] = bytes(response[-2:]).hex().upper()
                line["length"] = len(response)
            if "@PIN@" in step:
                line["step"] = "VERIFY (PIN redacted)"
        line["result"] = name(result)
        line["ms"] = round((time.monotonic() - start) * 1000, 1)
        print(json.dumps(line), flush=True)
    scard.SCardDisconnect(card, scard.SCARD_LEAVE_CARD)
    scard.SCardReleaseContext(context)
    return 0


if __name__ == "__main__":
    sys.exit(main())
