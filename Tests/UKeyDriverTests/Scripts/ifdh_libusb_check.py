#!/usr/bin/python3
"""Drives libifd-ukey.so directly through its IFDH entry points (no pcscd), for a device name such
as `usb:1209/0001:libudev:0:/dev/bus/usb/001/002`. Run under the umockdev preload to reach the
emulated token through LibUSBTransport.

    ifdh_libusb_check.py LIBRARY DEVICENAME [ROUNDTRIPS]

Prints `ATR <hex>`, `SELECT <hex>`, `GETDATA <hex>`, then `roundtrips N seconds S per_second R`.
Exits non-zero on the first failing call (printing the IFD_* code).
"""
import ctypes
import sys
import time

IFD_POWER_UP = 500
LUN = 0


class SCARD_IO_HEADER(ctypes.Structure):
    _fields_ = [("Protocol", ctypes.c_ulong), ("Length", ctypes.c_ulong)]


def main():
    library, name = sys.argv[1], sys.argv[2]
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    driver = ctypes.CDLL(library)
    rc = driver.IFDHCreateChannelByName(ctypes.c_ulong(LUN), name.encode())
    if rc != 0:
        print("IFDHCreateChannelByName", rc, flush=True)
        return 1
    atr = (ctypes.c_ubyte * 33)()
    length = ctypes.c_ulong(33)
    rc = driver.IFDHPowerICC(ctypes.c_ulong(LUN), ctypes.c_ulong(IFD_POWER_UP), atr, ctypes.byref(length))
    if rc != 0:
        print("IFDHPowerICC", rc, flush=True)
        return 1
    print("ATR", bytes(atr[:length.value]).hex(), flush=True)

    def transmit(apdu):
        command = (ctypes.c_ubyte * len(apdu)).from_buffer_copy(apdu)
        response = (ctypes.c_ubyte * 65538)()
        size = ctypes.c_ulong(65538)
        header = SCARD_IO_HEADER(1, 0)
        code = driver.IFDHTransmitToICC(ctypes.c_ulong(LUN), header, command, ctypes.c_ulong(len(apdu)),
                                        response, ctypes.byref(size), None)
        if code != 0:
            raise RuntimeError("IFDHTransmitToICC %d" % code)
        return bytes(response[:size.value])

    print("SELECT", transmit(bytes.fromhex("00A4040006F0554B455901")).hex(), flush=True)
    print("GETDATA", transmit(bytes.fromhex("00CA010000")).hex(), flush=True)
    if rounds:
        started = time.monotonic()
        for _ in range(rounds):
            transmit(bytes.fromhex("00CA010000"))
        elapsed = time.monotonic() - started
        print("roundtrips %d seconds %.3f per_second %.0f" % (rounds, elapsed, rounds / elapsed), flush=True)
    driver.IFDHCloseChannel(ctypes.c_ulong(LUN))
    return 0


if __name__ == "__main__":
    sys.exit(main())
