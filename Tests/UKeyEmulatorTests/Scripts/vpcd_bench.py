#!/usr/bin/python3
"""APDU round trips through PC/SC (pyscard → pcscd → reader driver → token): p50 / p99 latency
and APDUs per second, for a trivial APDU (GET DATA token info) and for RSA-1024 SIGN.

    UKEY_READER='UKey vpcd 00 00' UKEY_PIN=… [UKEY_NEW_PIN=…] vpcd_bench.py [--mode trivial|sign|all]
        [--count N] [--warmup N]

Prints one JSON object: {"trivial": {...}, "sign": {...}} with count, p50_ms, p99_ms, mean_ms,
max_ms, apdus_per_second. SIGN needs the PIN: UKEY_PIN is verified (or, while the factory PIN
must still change, changed to UKEY_NEW_PIN); a token without a key gets an RSA-1024 key first.
"""
import argparse
import hashlib
import json
import os
import time

import ukey_pcsc as card


def measure(connection, command, count, warmup, what):
    for _ in range(warmup):
        card.transmit(connection, command, what=what)
    samples = []
    started = time.perf_counter()
    for _ in range(count):
        t0 = time.perf_counter()
        card.transmit(connection, command, what=what)
        samples.append(time.perf_counter() - t0)
    total = time.perf_counter() - started
    samples.sort()

    def percentile(p):
        return samples[min(len(samples) - 1, max(0, int(round(p / 100.0 * len(samples) + 0.5)) - 1))] * 1000

    return {"count": count, "p50_ms": round(percentile(50), 3), "p99_ms": round(percentile(99), 3),
            "mean_ms": round(sum(samples) / count * 1000, 3), "max_ms": round(samples[-1] * 1000, 3),
            "apdus_per_second": round(count / total, 1)}


def prepare_signing(connection):
    info = card.token_info(connection)
    if info.get(0xC7, b"\x00")[0] == 1:
        card.change_pin(connection, card.secret("UKEY_PIN"), card.secret("UKEY_NEW_PIN"))
    else:
        card.verify_pin(connection, card.secret("UKEY_PIN"))
    if info.get(0xC8, b"\x00")[0] == 0:   # no authentication key (SIGN's) yet
        card.transmit(connection, card.apdu(0x00, 0x47, 0x80, 0x02, bytes([0x80, 0x01, 0x01]), 0x00),
                      what="GENERATE KEY")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["trivial", "sign", "all"], default="all")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--sign-count", type=int, default=None, help="SIGN round trips (default: --count)")
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args()
    result = {}
    connection = card.connect()
    try:
        card.select(connection)
        if args.mode in ("trivial", "all"):
            result["trivial"] = measure(connection, card.apdu(0x00, 0xCA, 0x01, 0x00, le=0x00),
                                        args.count, args.warmup, "GET DATA")
        if args.mode in ("sign", "all"):
            prepare_signing(connection)
            digest_info = card.SHA256_DIGESTINFO_PREFIX + hashlib.sha256(b"ukey bench").digest()
            result["sign"] = measure(connection, card.apdu(0x00, 0x2A, 0x9E, 0x9A, digest_info, 0x00),
                                     args.sign_count or args.count, min(args.warmup, 5), "SIGN")
    finally:
        connection.disconnect()
    print(json.dumps(result))


if __name__ == "__main__":
    card.run(main)
