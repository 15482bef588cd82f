import BankingApplet
import CardOS
import ISO7816
import OATHApplet
import PIVApplet

/// The token's card firmware as flashed: the card OS with its applets installed, plus the
/// manufacturing step that writes a new token's factory state.
public final class TokenFirmware<P: Platform> {
    /// `3B 8B 80 01 80 F9 A0 00 00 03 08 00 00 10 00 C8`: direct convention; TD1 = 80, TD2 = 01
    /// offer T=1 with the default IFSC 32 and BWI 4; the historical bytes are compact-TLV `80`
    /// then `F9` and the PIV AID prefix, so OpenSC can type the card without workarounds.
    public static var atr: [UInt8] {
        [0x3B, 0x8B, 0x80, 0x01, 0x80, 0xF9, 0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0xC8]
    }

    public let card: CardOS<P>
    public let banking: BankingApplet<P>
    public let piv: PIVApplet<P>
    public let oath: OATHApplet<P>

    /// The card OS with the banking applet, the PIV applet, then the OATH applet (SELECT
    /// matches in that order). The OATH applet needs no factory state: no credential, no access key.
    public init(platform: P) {
        card = CardOS(platform: platform)
        banking = BankingApplet(platform: platform)
        piv = PIVApplet(platform: platform)
        oath = OATHApplet(platform: platform)
        card.install(banking)
        card.install(piv)
        card.install(oath)
    }

    /// Whether `memory` already holds a manufactured token.
    public static func isManufactured(_ memory: some NonVolatileMemory) -> Bool {
        memory.read(CardRecords.serial)?.count == 8
    }

    /// Writes a new token's factory state in one transaction: the 8-byte serial; the banking
    /// applet's layout, PIN-entry policy (`keypadOnly`: the PIN only from the token's keypad; by
    /// default keypad or computer), factory PIN (6–16 digits, must change) and PUK (8–16 digits), 3 tries each,
    /// both counters 0, no keys; the PIV applet's PIN, PUK and management key, no keys.
    public static func manufacture(_ memory: some NonVolatileMemory, serial: [UInt8], pin: [UInt8],
                                   puk: [UInt8], piv: PIVCredentials,
                                   keypadOnly: Bool = false) throws(ManufactureError) {
        guard serial.count == 8 else { throw .invalidSerial }
        guard BankingApplet<P>.isValidPIN(pin) else { throw .invalidPIN }
        guard BankingApplet<P>.isValidPUK(puk) else { throw .invalidPUK }
        guard piv.isValid else { throw .invalidPIVCredentials }
        guard !isManufactured(memory) else { throw .alreadyManufactured }
        do {
            try memory.commit([(CardRecords.serial, serial)] + BankingApplet<P>.factoryRecords(pin: pin, puk: puk, pinEntry: keypadOnly ? .keypadOnly : .both)
                              + piv.records)
        } catch {
            throw .memory(error)
        }
    }

    /// Whether a manufactured token was made by firmware 1.x, whose one banking key answered
    /// SIGN, DECIPHER and CONFIRM TRANSFER alike. Such a token cannot be upgraded (its key may
    /// have been exposed to a DECIPHER padding oracle): its banking applet refuses SELECT with
    /// 6283, and it must be re-personalized as a new token.
    public static func isOutdated(_ memory: some NonVolatileMemory) -> Bool {
        isManufactured(memory) && BankingApplet<P>.isOutdated(memory)
    }

    /// Whether a manufactured token lacks the PIV applet's secrets: it was made by a firmware
    /// without the applet. ``installPIV(_:credentials:)`` completes it.
    public static func needsPIV(_ memory: some NonVolatileMemory) -> Bool {
        isManufactured(memory) && !PIVRecords.areInstalled(in: memory)
    }

    /// Gives a token made before the PIV applet existed its PIV secrets, in one transaction.
    /// Nothing of the banking applet changes.
    public static func installPIV(_ memory: some NonVolatileMemory, credentials: PIVCredentials) throws(ManufactureError) {
        guard credentials.isValid else { throw .invalidPIVCredentials }
        guard needsPIV(memory) else { throw .alreadyManufactured }
        do {
            try memory.commit(credentials.records)
        } catch {
            throw .memory(error)
        }
    }
}

/// Why a token could not be manufactured.
public enum ManufactureError: Error, Equatable, Sendable {
    case invalidSerial
    /// The factory PIN is not 6–16 ASCII digits.
    case invalidPIN
    /// The factory PUK is not 8–16 ASCII digits.
    case invalidPUK
    /// The PIV PIN is not 6–8 digits, the PUK not 6–8 bytes, or the management key not 24 bytes.
    case invalidPIVCredentials
    case alreadyManufactured
    case memory(NVMError)
}
