import BankingProtocol

/// The key GENERATE KEY makes on the card (`80 01 algo`): RSA-1024, the banking default, or RSA-2048.
public enum KeyAlgorithm: String, CaseIterable, Codable, Hashable, Sendable {
    case rsa1024 = "RSA-1024"
    case rsa2048 = "RSA-2048"

    /// The algorithm byte of GENERATE KEY.
    var reference: UInt8 {
        switch self {
        case .rsa1024: return BankingWire.Algorithm.rsa1024
        case .rsa2048: return BankingWire.Algorithm.rsa2048
        }
    }
}

/// The banking applet's three key pairs, each generated on the card for one purpose
/// (docs/ARCHITECTURE.md, "Three keys, one purpose each"):
///
/// - ``transfer`` signs only what the card built: a transfer the holder approved on the device
///   (``Token/confirmTransfer(_:challenge:)``) or its own certification request;
/// - ``authentication`` answers SIGN and INTERNAL AUTHENTICATE (logging in, signing documents);
/// - ``decryption`` answers DECIPHER.
public enum TokenKey: String, CaseIterable, Codable, Hashable, Sendable {
    case transfer
    case authentication
    case decryption

    /// The key reference in GENERATE / READ PUBLIC KEY (`00 47 80|81 kk`) and the card-built
    /// request (`80 50 00 kk`).
    var reference: UInt8 {
        switch self {
        case .transfer: return BankingWire.KeyReference.transfer
        case .authentication: return BankingWire.KeyReference.authentication
        case .decryption: return BankingWire.KeyReference.decryption
        }
    }

    /// GET / PUT CERTIFICATE's P2 (`01 1k`).
    var certificateP2: UInt8 { UInt8(truncatingIfNeeded: BankingWire.P1P2.certificate(reference)) }
}
