#!/usr/bin/env python3
"""Writes the seed corpus of FuzzDriverReplies (Fuzz/DriverReplies/corpus/): device replies
the driver parses. Raw files are CCID bulk/interrupt messages, USB/IP server messages and
descriptors; `session_*` files use parseDeviceReply's session format (a mode byte, then
segments of one length byte + bytes: descriptors first, an empty segment ends them, then the
bulk IN replies)."""
import os, struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "DriverReplies", "corpus")
ATR = bytes.fromhex("3B8B800180F9A00000030800001000C8")

def ccid(t, data=b"", seq=0, status=0, err=0, b9=0, slot=0):
    return bytes([t]) + struct.pack("<I", len(data)) + bytes([slot, seq, status, err, b9]) + data

def seg(b): return bytes([len(b)]) + b

def t1(nad, pcb, inf=b""):
    b = bytes([nad, pcb, len(inf)]) + inf
    x = 0
    for c in b: x ^= c
    return b + bytes([x])

def ret_submit(seq, data, status=0):
    return struct.pack(">IIIII", 3, seq, 0, 0, 0) + struct.pack(">iIIII", status, len(data), 0, 0, 0) + b"\0" * 8 + data

def sd(text):
    u = text.encode("utf-16-le")
    return bytes([2 + len(u), 3]) + u

files = {}
files["datablock_atr"] = ccid(0x80, ATR)
files["slotstatus"] = ccid(0x81)
files["time_extension_then_datablock"] = ccid(0x80, status=0x80, err=2) + ccid(0x80, b"\x90\x00")
files["parameters_t1"] = ccid(0x82, bytes([0x11, 0x10, 0xFE, 0x55, 0x00, 0xFE, 0x00]), b9=1)
files["notify_slot_change"] = bytes([0x50, 0x03])
files["hardware_error"] = bytes([0x51, 0x00, 0x01, 0x01])
dev = (b"/sys/devices/ukey/1-1".ljust(256, b"\0") + b"1-1".ljust(32, b"\0") + struct.pack(">III", 1, 2, 2)
       + struct.pack(">HHH", 0x1209, 1, 0x100) + bytes([0, 0, 0, 1, 1, 1]))
files["op_rep_import"] = struct.pack(">HHI", 0x0111, 0x0003, 0) + dev
files["ret_submit_datablock"] = ret_submit(1, ccid(0x80, b"\x90\x00"))
files["ret_submit_wrong_seqnum"] = ret_submit(7, ccid(0x80, b"\x90\x00"))
files["ret_unlink"] = struct.pack(">IIIII", 4, 3, 0, 0, 0) + struct.pack(">i", -104) + b"\0" * 24
files["truncated_datablock"] = ccid(0x80, ATR)[:14]
files["dwlength_too_long"] = b"\x80" + struct.pack("<I", 0x7FFFFFFF) + bytes(5) + b"\x90\x00"
files["unknown_message_type"] = ccid(0x99, b"\x01\x02")
files["chained_datablock"] = ccid(0x80, b"\x01" * 20, b9=1) + ccid(0x80, b"\x90\x00", seq=1, b9=2)

cls = (bytes([54, 0x21]) + struct.pack("<HBBI", 0x0110, 0, 0x01, 2) + struct.pack("<II", 4000, 4000) + bytes([0])
       + struct.pack("<II", 10752, 10752) + bytes([0]) + struct.pack("<III", 254, 0, 0)
       + struct.pack("<II", 0x000400FE, 271) + bytes([0xFF, 0xFF]) + struct.pack("<H", 0) + bytes([0, 1]))
assert len(cls) == 54
body = (bytes([9, 4, 0, 0, 3, 0x0B, 0, 0, 0]) + cls
        + bytes([7, 5, 0x01, 2, 64, 0, 0, 7, 5, 0x82, 2, 64, 0, 0, 7, 5, 0x83, 3, 8, 0, 16]))
conf = bytes([9, 2]) + struct.pack("<H", 9 + len(body)) + bytes([1, 1, 0, 0x80, 50]) + body
files["configuration_descriptor"] = conf
devdesc = bytes([18, 1, 0, 2, 0, 0, 0, 64, 0x09, 0x12, 0x01, 0x00, 0x00, 0x01, 1, 2, 3, 1])

files["session_extended_apdu"] = bytes([0x00]) + b"".join(seg(x) for x in [
    devdesc, conf[:9], conf, bytes([4, 3, 9, 4]), sd("UKey"), sd("Token"), sd("01"),
    ccid(0x80, ATR, seq=0), ccid(0x80, status=0x80, err=1, seq=1), ccid(0x80, b"\x6a\x82", seq=1),
    ccid(0x81, seq=2), bytes([0x50, 0x02])])
files["session_tpdu_t1"] = bytes([0x02]) + b"".join(seg(x) for x in [
    b"", ccid(0x80, ATR, seq=0), ccid(0x82, bytes([0x11, 0x10, 0xFE, 0x45, 0x00, 0xFE, 0x00]), seq=1, b9=1),
    ccid(0x80, t1(0, 0xE1, b"\xFE"), seq=2), ccid(0x80, t1(0, 0x00, b"\x90\x00"), seq=3), ccid(0x81, seq=4)])

os.makedirs(OUT, exist_ok=True)
for name, data in files.items():
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
print(f"{len(files)} seeds in {OUT}")
