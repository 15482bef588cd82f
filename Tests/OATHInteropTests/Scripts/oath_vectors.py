"""Drives the token's OATH applet with yubikit (the library under ykman) at fixed times: the
RFC 6238 appendix B vectors (8 digits, SHA-1/256/512 with their seeds) and the RFC 4226
appendix D HOTP values. Prints one line per code: "KIND TIME-OR-COUNT CODE"."""
import sys
from ykman.pcsc import list_devices
from yubikit.core.smartcard import SmartCardConnection
from yubikit.oath import OathSession, CredentialData, OATH_TYPE, HASH_ALGORITHM

SEEDS = {
    HASH_ALGORITHM.SHA1: b"12345678901234567890",
    HASH_ALGORITHM.SHA256: b"12345678901234567890123456789012",
    HASH_ALGORITHM.SHA512: b"1234567890" * 6 + b"1234",
}
TIMES = [59, 1111111109, 1111111111, 1234567890, 2000000000, 20000000000]

devices = list_devices(sys.argv[1])
if len(devices) != 1:
    sys.exit("expected one reader matching %r, found %d" % (sys.argv[1], len(devices)))
with devices[0].open_connection(SmartCardConnection) as connection:
    session = OathSession(connection)
    for algorithm, seed in SEEDS.items():
        credential = session.put_credential(
            CredentialData("rfc6238-" + algorithm.name, OATH_TYPE.TOTP, algorithm, seed, digits=8))
        for time in TIMES:
            print(algorithm.name, time, session.calculate_code(credential, time).value)
        session.delete_credential(credential.id)
    credential = session.put_credential(
        CredentialData("rfc4226", OATH_TYPE.HOTP, HASH_ALGORITHM.SHA1, SEEDS[HASH_ALGORITHM.SHA1], digits=6))
    for count in range(10):
        print("HOTP", count, session.calculate_code(credential).value)
    session.delete_credential(credential.id)
