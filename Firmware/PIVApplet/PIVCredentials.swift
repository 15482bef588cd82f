import CardOS
import PIVProtocol

/// A token's PIV secrets as set at manufacture: PIN (6–8 digits), PUK (8 digits) and the 24-byte
/// 3DES management key (9B). Not `CustomStringConvertible`: nothing prints it by accident.
public struct PIVCredentials: Sendable {
    public var pin: [UInt8]
    public var puk: [UInt8]
    public var managementKey: [UInt8]

    public init(pin: [UInt8], puk: [UInt8], managementKey: [UInt8]) {
        self.pin = pin
        self.puk = puk
        self.managementKey = managementKey
    }

    /// Whether every value has its format: PIN 6–8 digits, PUK 8 digits, management key 24 bytes.
    public var isValid: Bool {
        PIVCredentials.isValidPIN(pin) && PIVCredentials.isValidPUK(puk) && managementKey.count == 24
    }

    /// PIV PIN: 6–8 ASCII digits (SP 800-73-4 part 2, §3.2.1).
    public static func isValidPIN(_ pin: [UInt8]) -> Bool {
        (6...8).contains(pin.count) && pin.allSatisfy { (0x30...0x39).contains($0) }
    }

    /// PIV PUK: 6–8 bytes, none of them FF (the padding byte). The factory PUK is 8 digits;
    /// a holder may change it to other bytes, as the standard allows.
    public static func isValidPUK(_ puk: [UInt8]) -> Bool {
        (6...8).contains(puk.count) && !puk.contains(0xFF)
    }

    /// The NVM records of the PIV applet: PIN and PUK with 3 tries each, the management key.
    /// The caller commits them in one transaction.
    public var records: [(RecordID, [UInt8]?)] {
        [
            (PIVRecords.pin, PINRecord(value: pin, maxTries: 3, mustChange: false).bytes),
            (PIVRecords.puk, PINRecord(value: puk, maxTries: 3, mustChange: false).bytes),
            (PIVRecords.managementKey, managementKey),
        ]
    }

    /// Overwrites the values (best effort: arrays may have been copied before).
    public mutating func wipe() {
        for index in pin.indices { pin[index] = 0 }
        for index in puk.indices { puk[index] = 0 }
        for index in managementKey.indices { managementKey[index] = 0 }
    }
}

extension PIVCredentials {
    /// PIN 123456, PUK 12345678 and management key 010203…0708 ×3: the values yubico-piv-tool
    /// assumes on a factory card. For in-memory test and demo tokens only; the emulator gives each
    /// token random ones unless the environment names others (UKEY_FACTORY_PIV_PIN, …).
    public static var wellKnownDefaults: PIVCredentials {
        PIVCredentials(pin: Array("123456".utf8), puk: Array("12345678".utf8),
                       managementKey: [1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8])
    }
}
