import CardOS
import ISO7816

extension BankingApplet {
    /// CONFIRM TRANSFER `80 C0 00 00 70{…}`: validates the transfer and asks the holder; the
    /// command completes in ``completeTransfer(_:)``.
    func confirmTransfer(_ data: [UInt8]) throws(StatusWord) -> AppletReply {
        guard !data.isEmpty else { throw .wrongLength }
        try requirePersonalizedPIN()
        _ = try requireKey()
        let transfer = try TransferRequest(parsing: data)
        guard counter < UInt32.max else { throw .referenceDataNotUsable }
        pendingTransfer = transfer
        return .confirm(transfer.pages)
    }

    /// The holder's decision: on OK the counter advances (committed first), then the card signs
    /// the DTBS and answers `7C {70 DTBS, 9E signature}`; Cancel is 6985, timeout 6401.
    func completeTransfer(_ decision: HolderDecision) throws(StatusWord) -> [UInt8] {
        guard let transfer = pendingTransfer else { throw .noPreciseDiagnosis }
        pendingTransfer = nil
        switch decision {
        case .approved: break
        case .denied: throw .conditionsNotSatisfied
        case .timedOut: throw .timeout
        case .aborted: throw .noPreciseDiagnosis
        }
        let key = try requireKey()
        let value = try advanceCounter()
        let dtbs = transfer.dataToBeSigned(serial: serial, counter: value)
        let signature = try sign(DigestInfo.sha256(platform.crypto.sha256(dtbs.bytes)), with: key)
        platform.presence.notify(.signed(counter: value))
        return TLV(tag: 0x7C, children: [dtbs, TLV(tag: 0x9E, value: signature)]).bytes
    }
}
