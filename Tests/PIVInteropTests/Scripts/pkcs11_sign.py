#!/usr/bin/python3
"""C_Sign through a PKCS#11 module (OpenSC's opensc-pkcs11.so) from one process, with PyKCS11.

Used by PIVInteropTests (coexistence) and scripts/bench-piv.sh (in-process C_Sign per second).
The PIN comes from the environment (PIV_PIN), never from the command line.

  pkcs11_sign.py MODULE hold   sign once, print "signature-1 HEX", wait for a line on stdin,
                               sign again in the same logged-in session, print "signature-2 HEX"
  pkcs11_sign.py MODULE loop N log in once, C_Sign N times, print JSON {"count", "seconds",
                               "per_second"} (one warm-up signature first, not counted)

The key is the private key with CKA_ID 01 (OpenSC's id for PIV slot 9A) on the first slot
with a token; the mechanism CKM_SHA256_RSA_PKCS; the messages "coexistence 1" / "coexistence 2"
(hold) and "bench" (loop).
"""
import json
import os
import sys
import time

import PyKCS11


def session(module):
    lib = PyKCS11.PyKCS11Lib()
    lib.load(module)
    slots = lib.getSlotList(tokenPresent=True)
    if not slots:
        sys.exit("no slot with a token")
    opened = lib.openSession(slots[0], PyKCS11.CKF_SERIAL_SESSION)
    opened.login(os.environ["PIV_PIN"])
    keys = opened.findObjects([(PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY), (PyKCS11.CKA_ID, (0x01,))])
    if not keys:
        sys.exit("no private key with id 01")
    return lib, opened, keys[0]


def sign(opened, key, message):
    mechanism = PyKCS11.Mechanism(PyKCS11.CKM_SHA256_RSA_PKCS, None)
    return bytes(opened.sign(key, message, mechanism))


def main():
    module, mode = sys.argv[1], sys.argv[2]
    lib, opened, key = session(module)
    if mode == "hold":
        print("signature-1", sign(opened, key, b"coexistence 1").hex(), flush=True)
        if not sys.stdin.readline():
            sys.exit("stdin closed before the go-ahead")
        print("signature-2", sign(opened, key, b"coexistence 2").hex(), flush=True)
    elif mode == "loop":
        count = int(sys.argv[3])
        sign(opened, key, b"bench")
        start = time.perf_counter()
        for _ in range(count):
            sign(opened, key, b"bench")
        seconds = time.perf_counter() - start
        print(json.dumps({"count": count, "seconds": seconds, "per_second": count / seconds}), flush=True)
    else:
        sys.exit("unknown mode " + mode)
    opened.logout()
    opened.closeSession()


if __name__ == "__main__":
    main()
