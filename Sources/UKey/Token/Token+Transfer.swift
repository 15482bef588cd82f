import ISO7816
import BankingProtocol

extension Token {
    /// Shows `transfer` on the token's screen and, once the holder presses OK on the last page,
    /// returns the token's signature over what it showed (the DTBS) with the token's certificate.
    ///
    /// Waits for the holder for as long as the token does; throws ``TokenError/userDenied`` on
    /// Cancel, ``TokenError/timedOut`` when the token gives up, ``TokenError/removed`` if the
    /// token is pulled out meanwhile. `challenge` is the bank's (8–64 bytes), from
    /// `TransferVerifier.issueChallenge`.
    public func confirmTransfer(_ transfer: Transfer, challenge: [UInt8]) async throws(TokenError) -> SignedTransfer {
        guard (8...64).contains(challenge.count) else { throw .invalidInput("a bank challenge has 8–64 bytes") }
        return try await operation { session throws(TokenError) in
            // The certificate first: a token that cannot prove who signed should not ask the holder.
            let certificate = try await session.certificate(.transfer)
            let response = try await session.send(BankingCommand.confirmTransfer(transfer, challenge: challenge),
                                                  operation: "CONFIRM TRANSFER")
            let dtbs: TLV, signature: TLV
            do {
                let children = try TLV(parsing: response, tag: BankingWire.ConfirmationTag.template).children()
                guard children.count == 2 else { throw TLVError.trailingBytes(offset: 0) }
                dtbs = try children[0].required(BankingWire.DTBSTag.dtbs)
                signature = try children[1].required(BankingWire.ConfirmationTag.signature)
            } catch {
                throw .malformedResponse("CONFIRM TRANSFER did not return 7C { 70 DTBS, 9E signature }")
            }
            let signed: SignedTransfer
            do { signed = try SignedTransfer(dtbs: dtbs.bytes, signature: signature.value, certificate: certificate.der) }
            catch { throw .malformedResponse("\(error)") }
            guard signed.transfer == transfer, signed.challenge == challenge else {
                throw .malformedResponse("the token signed a different transfer than it was sent")
            }
            return signed
        }
    }
}
