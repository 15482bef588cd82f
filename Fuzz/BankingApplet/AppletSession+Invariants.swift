import FuzzSupport
import ISO7816

/// The banking applet's invariants, checked after every step:
///
/// - no response holds 16 consecutive bytes of a private key's d, p, q, dP, dQ or qInv;
/// - nothing but CONFIRM TRANSFER's 9E and the card-built request's signature verifies under
///   the transfer key, and no request's signing input parses as a DTBS (``TransferKeyWatch``);
/// - the transfer counter (C5) never goes down and rises by exactly the number of CONFIRM
///   TRANSFER signatures, with nothing else — across resets and power cuts too; a confirmed
///   transfer's DTBS carries the new value and the token's serial;
/// - the authentication counter (CA) never goes down, rises with every SIGN and INTERNAL
///   AUTHENTICATE signature, and only in a step that sent one of them;
/// - a key changes only with a successful GENERATE of that key, the transfer key only after the
///   holder pressed OK; CONFIRM TRANSFER signs only after OK;
/// - the PIN tries (C3) go up only in a step where a VERIFY, CHANGE or UNBLOCK succeeded, the
///   PUK tries (C4) only where an UNBLOCK did;
/// - no use of a private key, GENERATE, the request or PUT CERTIFICATE succeeds unless a VERIFY,
///   CHANGE or UNBLOCK succeeded since the last reset or power-up, and all but PUT CERTIFICATE
///   never while the factory PIN is in force;
/// - a DECIPHER that answers 9000 answers exactly Ne bytes: Le when the command has one, else the
///   last data byte (`00‖cryptogram‖Ne`), whatever the padding.
extension AppletSession {
    func check(_ exchanges: [AppletExchange], before: TokenState, after: TokenState, keysBefore: [[UInt8]]) {
        var transferSignatures: UInt32 = 0
        var authenticationSignatures: UInt32 = 0
        var generated: Set<UInt8> = []
        for exchange in exchanges {
            fuzzRequire(!PoolKey.leaksPrivateKey(exchange.data),
                        "a response holds private-key bytes: \(exchange.response.hexString)")
            transferKeyWatch.check(exchange)
            guard exchange.succeeded else { continue }
            let operation = exchange.operation
            fuzzRequire(!operation.needsPIN || exchange.pinVerified,
                        "\(operation) answered \(exchange.statusWord) without a verified PIN")
            fuzzRequire(!operation.needsPersonalizedPIN || !exchange.factoryPIN,
                        "\(operation) answered \(exchange.statusWord) under the factory PIN")
            if operation.waitsForHolder {
                fuzzRequire(exchange.approvedOnDevice, "\(operation) succeeded without the holder's OK")
            }
            switch operation {
            case .confirmTransfer:
                transferSignatures += 1
                if exchange.statusWord == .success { checkSignedTransfer(exchange.data, counter: after.transferCounter) }
            case .sign, .internalAuthenticate:
                authenticationSignatures += 1
            case .generate(let key):
                generated.insert(key)
            case .decipher where exchange.statusWord == .success:
                let ne = exchange.command?.ne ?? exchange.command?.data.last.map(Int.init)
                fuzzRequire(exchange.data.count == ne, "DECIPHER answered \(exchange.data.count) bytes, Ne \(ne.map(String.init) ?? "none")")
            default:
                break
            }
        }
        fuzzRequire(after.transferCounter >= before.transferCounter,
                    "the transfer counter went down: \(before.transferCounter) → \(after.transferCounter)")
        fuzzRequire(after.transferCounter - before.transferCounter == transferSignatures,
                    "\(transferSignatures) transfer signature(s) but the transfer counter went "
                    + "\(before.transferCounter) → \(after.transferCounter)")
        fuzzRequire(after.authenticationCounter >= before.authenticationCounter,
                    "the authentication counter went down: \(before.authenticationCounter) → \(after.authenticationCounter)")
        fuzzRequire(after.authenticationCounter - before.authenticationCounter >= authenticationSignatures,
                    "\(authenticationSignatures) authentication signature(s) but the authentication counter went "
                    + "\(before.authenticationCounter) → \(after.authenticationCounter)")
        let authenticationSent = exchanges.contains { $0.isFinal && $0.operation.advancesAuthenticationCounter }
        fuzzRequire(after.authenticationCounter == before.authenticationCounter || authenticationSent,
                    "the authentication counter rose without a SIGN or INTERNAL AUTHENTICATE")
        for (index, modulus) in publicKeys.map(\.modulus).enumerated() where modulus != keysBefore[index] {
            fuzzRequire(generated.contains(UInt8(index + 1)), "key \(index + 1) changed without a successful GENERATE of it")
        }
        let pinChecked = exchanges.contains { $0.succeeded && $0.operation.checksPIN }
        fuzzRequire(after.pinTries <= before.pinTries || pinChecked,
                    "PIN tries went up \(before.pinTries) → \(after.pinTries) without a successful VERIFY, CHANGE or UNBLOCK")
        let unblocked = exchanges.contains { $0.succeeded && $0.operation == .unblock }
        fuzzRequire(after.pukTries <= before.pukTries || unblocked,
                    "PUK tries went up \(before.pukTries) → \(after.pukTries) without a successful UNBLOCK")
    }

    /// On a token of firmware 1.x, SELECT of the banking applet answers 6283 and no banking
    /// operation succeeds (its old key is never used, and never becomes the transfer key).
    func checkOutdated(_ exchanges: [AppletExchange]) {
        for exchange in exchanges where !exchange.toPIV {
            if let command = exchange.command, command.ins == 0xA4, command.data == Array(AppletSession.selectBanking.suffix(6)) {
                fuzzRequire(exchange.statusWord == .applicationDeactivated,
                            "an outdated token's banking applet answered SELECT with \(exchange.statusWord)")
            }
            fuzzRequire(exchange.operation == .other || !exchange.succeeded,
                        "an outdated token's banking applet carried out \(exchange.operation)")
        }
        fuzzRequire(keyRecords == [nil, nil, nil], "an outdated token got a key of the three-key layout")
    }

    /// `7C {70 DTBS, 9E signature}`; the DTBS ends with 86 serial and 87 the counter value.
    private func checkSignedTransfer(_ data: [UInt8], counter: UInt32) {
        let fields = (try? TLV(parsing: data)).flatMap { try? $0.children() }
        let dtbs = fields?.first(0x70).flatMap { try? $0.children() }
        fuzzRequire(fields?.first(0x9E) != nil && dtbs != nil, "a confirmed transfer answers 7C {70, 9E}")
        fuzzRequire(dtbs?.first(0x86)?.value == AppletSession.serial, "the DTBS carries the token serial")
        let signed = dtbs?.first(0x87)?.value
        fuzzRequire(signed == [UInt8(counter >> 24), UInt8(counter >> 16 & 0xFF), UInt8(counter >> 8 & 0xFF),
                               UInt8(counter & 0xFF)], "the DTBS carries the counter value the token committed")
    }
}
