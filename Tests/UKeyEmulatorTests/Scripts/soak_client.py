#!/usr/bin/python3
"""One soak client (issue 7): PC/SC transactions against one UKey token, every answer checked.

    UKEY_PIN=… UKEY_SOAK_SERIAL=HEX UKEY_SOAK_AUTH_MODULUS=HEX UKEY_SOAK_AUTH_EXPONENT=HEX \\
        UKEY_SOAK_TRANSFER_MODULUS=HEX UKEY_SOAK_TRANSFER_EXPONENT=HEX \\
        soak_client.py --reader 'UKey 1-1 00 00' --apdus 20000 --seed 1

Each transaction (SCardBeginTransaction … SCardEndTransaction) sends SELECT, VERIFY PIN,
VERIFY with no data (the PIN state: 9000 only while the PIN stays verified), then SIGN of a
random SHA-256 DigestInfo (two in three) or CONFIRM TRANSFER of a random transfer (the emulator
approves). One transaction in eight ends with SCARD_RESET_CARD, which logs the card out: a
client sharing the token that ran outside a transaction would then see SIGN answer 6982. The
other client's next SCardBeginTransaction sees SCARD_W_RESET_CARD and reconnects (counted, not
an error). The last transaction is cut short so that exactly --apdus APDUs are sent.

pcscd looks at a held transaction lock only every 100 ms (PCSCLITE_LOCK_POLL_RATE), so a client
that locks again at once would keep its token to itself until it is done; after every
--pause-every transactions the client pauses for longer than that (--pause, 120 ms), so that the
two clients of a token take turns (the test checks from the CONFIRM counters that they did).

Checked for every APDU: the PC/SC result, the status word, the response length and its bytes
where they are known (the FCI, the DTBS), every signature against the token's public key
(PKCS#1 v1.5, computed here), and CONFIRM TRANSFER counters strictly increasing. Prints
"progress N" lines while it runs and one JSON line at the end: counts, wrong answers (the first
few described, never a PIN), the CONFIRM counters seen, and a sample of signatures for an
independent check by the test.
"""
import argparse
import hashlib
import json
import os
import random
import sys
import time

from smartcard import scard

import ukey_pcsc as card

SW_OK = (0x90, 0x00)


def tlv(tag, value):
    """BER-TLV with a one- or two-byte tag and a definite length."""
    n = len(value)
    if n < 0x80:
        length = bytes([n])
    elif n < 0x100:
        length = bytes([0x81, n])
    else:
        length = bytes([0x82, n >> 8, n & 0xFF])
    return (tag.to_bytes(2, "big") if tag > 0xFF else bytes([tag])) + length + value


class Verifier:
    """PKCS#1 v1.5 signature check with the token's public key (RFC 8017 §8.2.2)."""

    def __init__(self, modulus, exponent):
        self.n = int.from_bytes(modulus, "big")
        self.e = int.from_bytes(exponent, "big")
        self.k = len(modulus)

    def verify(self, signature, digest_info):
        if len(signature) != self.k:
            return False
        em = pow(int.from_bytes(signature, "big"), self.e, self.n).to_bytes(self.k, "big")
        return em == b"\x00\x01" + b"\xff" * (self.k - 3 - len(digest_info)) + b"\x00" + digest_info


class Client:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.pin = card.secret("UKEY_PIN")
        self.serial = bytes.fromhex(os.environ["UKEY_SOAK_SERIAL"])
        # SIGN uses the authentication key, CONFIRM TRANSFER the transfer key (firmware 2.0).
        self.authentication = Verifier(bytes.fromhex(os.environ["UKEY_SOAK_AUTH_MODULUS"]),
                                       bytes.fromhex(os.environ["UKEY_SOAK_AUTH_EXPONENT"]))
        self.transfer = Verifier(bytes.fromhex(os.environ["UKEY_SOAK_TRANSFER_MODULUS"]),
                                 bytes.fromhex(os.environ["UKEY_SOAK_TRANSFER_EXPONENT"]))
        self.fci = tlv(0x6F, tlv(0x84, card.AID) + tlv(0xA5, tlv(0xC0, self.serial) + tlv(0xC1, b"\x02\x00")))
        self.sent = 0
        self.counts = {"SELECT": 0, "VERIFY": 0, "VERIFY-STATE": 0, "SIGN": 0, "CONFIRM": 0}
        self.transactions = 0
        self.resets_seen = 0
        self.resets_made = 0
        self.signatures_checked = 0
        self.wrong = 0
        self.problems = []
        self.counters = []
        self.samples = []
        self.context = None
        self.card = None

    # PC/SC

    def check(self, result, what):
        if result != scard.SCARD_S_SUCCESS:
            raise RuntimeError("%s: %s" % (what, scard.SCardGetErrorMessage(result)))

    def connect(self):
        result, self.context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        self.check(result, "SCardEstablishContext")
        result, self.card, _ = scard.SCardConnect(self.context, self.args.reader, scard.SCARD_SHARE_SHARED,
                                                  scard.SCARD_PROTOCOL_T1)
        self.check(result, "SCardConnect")

    def begin(self):
        """SCardBeginTransaction; a card reset by the other client is reconnected and retried."""
        for _ in range(20):
            result = scard.SCardBeginTransaction(self.card)
            if result == scard.SCARD_S_SUCCESS:
                return
            if result != scard.SCARD_W_RESET_CARD:
                self.check(result, "SCardBeginTransaction")
            self.resets_seen += 1
            result, _ = scard.SCardReconnect(self.card, scard.SCARD_SHARE_SHARED, scard.SCARD_PROTOCOL_T1,
                                             scard.SCARD_LEAVE_CARD)
            self.check(result, "SCardReconnect")
        raise RuntimeError("SCardBeginTransaction: the card kept being reset")

    def transmit(self, apdu, what):
        result, response = scard.SCardTransmit(self.card, scard.SCARD_PCI_T1, list(apdu))
        self.check(result, "SCardTransmit(%s)" % what)
        self.sent += 1
        self.counts[what] += 1
        if self.sent % self.args.progress == 0:
            print("progress %d" % self.sent, flush=True)
        if len(response) < 2:
            raise RuntimeError("%s: a response of %d bytes" % (what, len(response)))
        return bytes(response[:-2]), (response[-2], response[-1])

    # Checks

    def wrong_answer(self, text):
        self.wrong += 1
        if len(self.problems) < 20:
            self.problems.append("APDU %d: %s" % (self.sent, text))

    def expect(self, what, data, sw, want_sw=SW_OK, want_data=b""):
        """Whether the answer is exactly `want_data` `want_sw`; records a wrong answer if not."""
        if sw != want_sw:
            self.wrong_answer("%s answered %02X%02X, expected %02X%02X" % (what, sw[0], sw[1], want_sw[0], want_sw[1]))
            return False
        if want_data is not None and data != want_data:
            self.wrong_answer("%s answered %d bytes %s, expected %d bytes" % (what, len(data), data[:24].hex(), len(want_data)))
            return False
        return True

    # Steps

    def select(self):
        data, sw = self.transmit(card.apdu(0x00, 0xA4, 0x04, 0x00, card.AID, 0x00), "SELECT")
        self.expect("SELECT", data, sw, want_data=self.fci)

    def verify(self):
        data, sw = self.transmit(card.apdu(0x00, 0x20, 0x00, 0x81, self.pin), "VERIFY")
        self.expect("VERIFY", data, sw)

    def verify_state(self):
        data, sw = self.transmit(card.apdu(0x00, 0x20, 0x00, 0x81), "VERIFY-STATE")
        self.expect("VERIFY (state)", data, sw)

    def sample(self, kind, signed, signature):
        if self.signatures_checked % self.args.sample_every == 1:
            self.samples.append({"kind": kind, "signed": signed.hex(), "signature": signature.hex()})

    def sign(self):
        digest_info = card.SHA256_DIGESTINFO_PREFIX + hashlib.sha256(self.rng.randbytes(32)).digest()
        data, sw = self.transmit(card.apdu(0x00, 0x2A, 0x9E, 0x9A, digest_info, 0x00), "SIGN")
        if not self.expect("SIGN", data, sw, want_data=None):
            return
        if len(data) != self.authentication.k:
            return self.wrong_answer("SIGN: a signature of %d bytes" % len(data))
        self.signatures_checked += 1
        if not self.authentication.verify(data, digest_info):
            return self.wrong_answer("SIGN: the signature does not verify with the token's authentication key")
        if self.transfer.k == len(data) and self.transfer.verify(data, digest_info):
            return self.wrong_answer("SIGN: the signature verifies with the token's transfer key")
        self.sample("sign", digest_info, data)

    def confirm(self):
        amount = "%d.%02d" % (self.rng.randint(1, 99999), self.rng.randint(0, 99))
        fields = (tlv(0x80, b"6222020200112233") + tlv(0x81, b"Soak Payee") + tlv(0x82, amount.encode())
                  + tlv(0x83, b"CNY") + tlv(0x85, self.rng.randbytes(32)))
        data, sw = self.transmit(card.apdu(0x80, 0xC0, 0x00, 0x00, tlv(0x70, fields), 0x00), "CONFIRM")
        if not self.expect("CONFIRM TRANSFER", data, sw, want_data=None):
            return
        # 7C { 70 { the fields, 86 serial, 87 counter }, 9E signature }: everything but the
        # counter and the signature is known; the counter is 4 bytes near the end of the DTBS.
        prefix = tlv(0x70, fields + tlv(0x86, self.serial) + tlv(0x87, b"\0\0\0\0"))
        k = self.transfer.k
        if len(data) != len(tlv(0x7C, prefix + tlv(0x9E, bytes(k)))):
            return self.wrong_answer("CONFIRM TRANSFER: %d bytes" % len(data))
        body_start = len(data) - len(prefix) - len(tlv(0x9E, bytes(k)))
        dtbs = data[body_start:body_start + len(prefix)]
        counter_bytes = dtbs[-4:]
        if dtbs[:-4] != prefix[:-4] or data[:body_start] != tlv(0x7C, prefix + tlv(0x9E, bytes(k)))[:body_start]:
            return self.wrong_answer("CONFIRM TRANSFER: the DTBS is not the transfer sent")
        counter = int.from_bytes(counter_bytes, "big")
        if self.counters and counter <= self.counters[-1]:
            self.wrong_answer("CONFIRM TRANSFER: counter %d after %d" % (counter, self.counters[-1]))
        self.counters.append(counter)
        signature = data[-k:]
        if data[body_start + len(prefix):-k] != tlv(0x9E, bytes(k))[:-k]:
            return self.wrong_answer("CONFIRM TRANSFER: no 9E signature")
        self.signatures_checked += 1
        digest_info = card.SHA256_DIGESTINFO_PREFIX + hashlib.sha256(dtbs).digest()
        if not self.transfer.verify(signature, digest_info):
            return self.wrong_answer("CONFIRM TRANSFER: the signature does not verify with the token's transfer key")
        self.sample("confirm", dtbs, signature)

    def run(self):
        self.connect()
        try:
            while self.sent < self.args.apdus:
                operation = self.confirm if self.rng.randrange(3) == 0 else self.sign
                steps = [self.select, self.verify, self.verify_state, operation][:self.args.apdus - self.sent]
                reset = self.rng.randrange(8) == 0
                self.begin()
                try:
                    for step in steps:
                        step()
                finally:
                    result = scard.SCardEndTransaction(self.card, scard.SCARD_RESET_CARD if reset else scard.SCARD_LEAVE_CARD)
                    self.check(result, "SCardEndTransaction")
                self.transactions += 1
                self.resets_made += reset
                if self.transactions % self.args.pause_every == 0:
                    time.sleep(self.args.pause)
        finally:
            scard.SCardDisconnect(self.card, scard.SCARD_LEAVE_CARD)
            scard.SCardReleaseContext(self.context)

    def report(self, error=None):
        return {"reader": self.args.reader, "apdus": self.sent, "counts": self.counts, "transactions": self.transactions,
                "resets_made": self.resets_made, "resets_seen": self.resets_seen,
                "signatures_checked": self.signatures_checked, "wrong": self.wrong + (1 if error else 0),
                "problems": self.problems + (["stopped: %s" % error] if error else []),
                "counters": self.counters, "samples": self.samples}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--reader", required=True, help="the exact PC/SC reader name")
    parser.add_argument("--apdus", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--progress", type=int, default=100, help="print 'progress N' every N APDUs")
    parser.add_argument("--pause-every", type=int, default=8, help="pause after every N transactions")
    parser.add_argument("--pause", type=float, default=0.12, help="seconds to pause (outside a transaction)")
    parser.add_argument("--sample-every", type=int, default=50, help="report every Nth checked signature")
    args = parser.parse_args()
    client = Client(args)
    error = None
    try:
        client.run()
    except (RuntimeError, scard.error) as problem:
        error = str(problem)
    print(json.dumps(client.report(error)), flush=True)
    sys.exit(0 if error is None else 1)


if __name__ == "__main__":
    main()
