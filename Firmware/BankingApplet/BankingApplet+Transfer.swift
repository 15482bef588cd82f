import CardOS
import ISO7816
import BankingProtocol

extension BankingApplet {
    /// CONFIRM TRANSFER `80 C0 00 00 70{…}`: validates the transfer and asks the holder; the
    /// command completes in ``complete(_:)``.
    func confirmTransfer(_ data: [UInt8]) throws(StatusWord) -> AppletReply {
        guard !data.isEmpty else { throw .wrongLength }
        try requirePersonalizedPIN()
        _ = try requireKey(.transfer)
        let transfer = try TransferRequest(parsing: data)
        guard counter(BankingRecords.transferCounter) < UInt32.max else { throw .referenceDataNotUsable }
        pending = .transfer(transfer)
        return .confirm(transfer.pages)
    }

    /// The holder approved: the transfer counter advances (committed first), then the transfer
    /// key signs the DTBS the card built and showed; the answer is `7C {70 DTBS, 9E signature}`.
    func signTransfer(_ transfer: TransferRequest) throws(StatusWord) -> [UInt8] {
        let key = try requireKey(.transfer)
        let value = try advance(BankingRecords.transferCounter)
        let dtbs = transfer.dataToBeSigned(serial: serial, counter: value)
        let signature = try sign(DigestInfo.sha256(platform.crypto.sha256(dtbs.bytes)), with: key)
        platform.presence.notify(.signed(counter: value))
        return TLV(tag: BankingWire.ConfirmationTag.template,
                   children: [dtbs, TLV(tag: BankingWire.ConfirmationTag.signature, value: signature)]).bytes
    }
}
