import ISO7816
import BankingProtocol

/// What a token returns for a confirmed transfer, with the certificate the bank needs to check it.
///
/// The token signs the DTBS (data to be signed) with RSA PKCS#1 v1.5 over SHA-256:
///
///     70 { 80 payee account, 81 payee name, 82 amount, 83 currency, [84 reference],
///          85 bank challenge, 86 token serial, 87 signature counter (4 bytes, big-endian) }
///
/// ``dtbs`` is kept exactly as signed; ``transfer``, ``challenge``, ``tokenSerial`` and
/// ``counter`` are read from it, so they can never disagree with the signature. In JSON, byte
/// strings are upper-case hex and the certificate is DER in hex.
public struct SignedTransfer: Hashable, Sendable {
    public let transfer: Transfer
    public let challenge: [UInt8]
    public let tokenSerial: [UInt8]
    public let counter: UInt32
    /// The DER bytes of the `70` object the token signed.
    public let dtbs: [UInt8]
    public let signature: [UInt8]
    /// The token's X.509 certificate (DER).
    public let certificate: [UInt8]

    /// Reads the fields from `dtbs`; throws if it is not a DTBS (tags, order, lengths, UTF-8).
    public init(dtbs: [UInt8], signature: [UInt8], certificate: [UInt8]) throws(SignedTransferError) {
        let fields: [TLV]
        do {
            let object = try TLV(parsing: dtbs, tag: BankingWire.DTBSTag.dtbs)
            guard object.bytes == dtbs else { throw TLVError.missing(tag: BankingWire.DTBSTag.dtbs) }
            fields = try object.children()
        } catch {
            throw .malformedDTBS("not one 70 object")
        }
        var byTag: [UInt32: [UInt8]] = [:]
        var previous: UInt32 = 0
        for field in fields {
            guard (BankingWire.DTBSTag.firstField...BankingWire.DTBSTag.lastField).contains(field.tag.rawValue), field.tag.rawValue > previous else {
                throw .malformedDTBS("tags must be 80…87, ascending, each at most once")
            }
            previous = field.tag.rawValue
            byTag[field.tag.rawValue] = field.value
        }
        func text(_ tag: Tag) throws(SignedTransferError) -> String? {
            guard let value = byTag[tag.rawValue] else { return nil }
            guard let string = String(validating: value, as: UTF8.self) else {
                throw .malformedDTBS("field \(hexByte(UInt8(tag.rawValue))) is not UTF-8")
            }
            return string
        }
        guard let account = try text(BankingWire.DTBSTag.payeeAccount), let name = try text(BankingWire.DTBSTag.payeeName),
              let amount = try text(BankingWire.DTBSTag.amount), let currency = try text(BankingWire.DTBSTag.currency),
              let challenge = byTag[BankingWire.DTBSTag.challenge.rawValue], let serial = byTag[BankingWire.DTBSTag.serial.rawValue],
              let counterBytes = byTag[BankingWire.DTBSTag.counter.rawValue], counterBytes.count == 4
        else { throw .malformedDTBS("a required field (80, 81, 82, 83, 85, 86, 87) is missing or the wrong size") }
        transfer = Transfer(payeeAccount: account, payeeName: name, amount: amount, currency: currency,
                            reference: try text(BankingWire.DTBSTag.reference))
        self.challenge = challenge
        tokenSerial = serial
        counter = counterBytes.reduce(0) { $0 << 8 | UInt32($1) }
        self.dtbs = dtbs
        self.signature = signature
        self.certificate = certificate
    }
}

/// Why bytes are not a ``SignedTransfer``.
public enum SignedTransferError: Error, Hashable, Sendable, CustomStringConvertible {
    case malformedDTBS(String)
    case malformedJSON(String)

    public var description: String {
        switch self {
        case .malformedDTBS(let reason): return "not a transfer DTBS: \(reason)"
        case .malformedJSON(let reason): return "not a signed transfer: \(reason)"
        }
    }
}
