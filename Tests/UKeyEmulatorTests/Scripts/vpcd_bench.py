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


OATH_AID = bytes([0xA0, 0x00, 0x00, 0x05, 0x27, 0x21, 0x01])


def calculate_all(connection, command):
    """OATH CALCULATE ALL as ykman sends it: the answer's parts follow 61xx with SEND REMAINING (A5)."""
    data, sw1, sw2 = connection.transmit(list(command))
    answer = bytes(data)
    while sw1 == 0x61:
        data, sw1, sw2 = connection.transmit([0x00, 0xA5, 0x00, 0x00])
        answer += bytes(data)
    if (sw1, sw2) != (0x90, 0x00):
        raise card.CardError("CALCULATE ALL answered %02X%02X" % (sw1, sw2))
    return answer


def measure_oath(connection, count, warmup, credentials):
    """RESET the OATH applet, PUT `credentials` TOTP credentials (SHA-1, 6 digits, ykman's
    encoding), then time CALCULATE ALL (truncated) with SEND REMAINING as one round trip."""
    card.transmit(connection, card.apdu(0x00, 0xA4, 0x04, 0x00, OATH_AID), what="SELECT OATH")
    card.transmit(connection, card.apdu(0x00, 0x04, 0xDE, 0xAD), what="OATH RESET")
    card.transmit(connection, card.apdu(0x00, 0xA4, 0x04, 0x00, OATH_AID), what="SELECT OATH")
    for index in range(credentials):
        name = ("Bench:account%02d" % index).encode()
        key = hashlib.sha1(name).digest()
        data = bytes([0x71, len(name)]) + name + bytes([0x73, 2 + len(key), 0x21, 6]) + key
        card.transmit(connection, card.apdu(0x00, 0x01, 0x00, 0x00, data), what="OATH PUT")
    challenge = bytes([0x74, 0x08]) + int(time.time() // 30).to_bytes(8, "big")
    command = card.apdu(0x00, 0xA4, 0x00, 0x01, challenge)
    answer = calculate_all(connection, command)
    objects, i = 0, 0
    while i + 2 <= len(answer):
        objects, i = objects + 1, i + 2 + answer[i + 1]
    if objects != 2 * credentials:
        raise card.CardError("CALCULATE ALL answered %d objects for %d credentials" % (objects, credentials))
    for _ in range(warmup):
        calculate_all(connection, command)
    samples = []
    started = time.perf_counter()
    for _ in range(count):
        t0 = time.perf_counter()
        calculate_all(connection, command)
        samples.append(time.perf_counter() - t0)
    total = time.perf_counter() - started
    samples.sort()
    return {"count": count, "p50_ms": round(samples[len(samples) // 2] * 1000, 3),
            "p99_ms": round(samples[min(len(samples) - 1, int(len(samples) * 0.99))] * 1000, 3),
            "apdus_per_second": round(count / total, 1), "answer_bytes": len(answer)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["trivial", "sign", "all", "oath"], default="all")
    parser.add_argument("--credentials", type=int, default=32, help="OATH credentials for --mode oath")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--sign-count", type=int, default=None, help="SIGN round trips (default: --count)")
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args()
    result = {}
    connection = card.connect()
    try:
        if args.mode == "oath":
            result["oath"] = measure_oath(connection, args.count, args.warmup, args.credentials)
            print(json.dumps(result))
            return
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
