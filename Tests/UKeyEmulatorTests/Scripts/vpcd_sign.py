#!/usr/bin/python3
"""Interop check through PC/SC: select the banking applet, change the factory PIN, generate an
RSA-1024 key, sign a SHA-256 DigestInfo, and write what `openssl` needs to verify it.

Environment: UKEY_READER (reader name), UKEY_PIN (factory PIN), UKEY_NEW_PIN, UKEY_OUT (a
directory that receives pubkey.hex (the 7F49 template), message.bin and signature.bin).
"""
import hashlib
import json
import os

import ukey_pcsc as card


def main():
    out = os.environ["UKEY_OUT"]
    old, new = card.secret("UKEY_PIN"), card.secret("UKEY_NEW_PIN")
    connection = card.connect()
    try:
        fci = card.select(connection)
        card.change_pin(connection, old, new)
        # SIGN uses the authentication key (02); it is generated without the holder's OK.
        template = card.transmit(connection, card.apdu(0x00, 0x47, 0x80, 0x02, bytes([0x80, 0x01, 0x01]), 0x00),
                                 what="GENERATE KEY")
        message = b"UKey vpcd interop " + os.urandom(16).hex().encode()
        digest_info = card.SHA256_DIGESTINFO_PREFIX + hashlib.sha256(message).digest()
        signature = card.transmit(connection, card.apdu(0x00, 0x2A, 0x9E, 0x9A, digest_info, 0x00), what="SIGN")
        info = card.token_info(connection)
    finally:
        connection.disconnect()
    with open(os.path.join(out, "pubkey.hex"), "w") as f:
        f.write(template.hex())
    with open(os.path.join(out, "message.bin"), "wb") as f:
        f.write(message)
    with open(os.path.join(out, "signature.bin"), "wb") as f:
        f.write(signature)
    print(json.dumps({"fci": fci.hex(), "signature_length": len(signature),
                      "counter": int.from_bytes(info.get(0xCA, b""), "big"),
                      "transfer_counter": int.from_bytes(info.get(0xC5, b""), "big"),
                      "must_change": info.get(0xC7, b"\x01")[0]}))


if __name__ == "__main__":
    card.run(main)
