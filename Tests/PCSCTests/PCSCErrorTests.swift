import CPCSCLite
import PCSC
import Testing

/// `PCSCError`: every pcsclite.h code has its name and meaning, codes map through one function,
/// and the description reads as documented.
@Suite struct PCSCErrorTests {
    /// One row per pcsclite.h macro: the C value (imported from the header), our constant, the name.
    static let codes: [(c: Int, error: PCSCError, name: String)] = [
        (SCARD_F_INTERNAL_ERROR, .internalError, "SCARD_F_INTERNAL_ERROR"),
        (SCARD_E_CANCELLED, .cancelled, "SCARD_E_CANCELLED"),
        (SCARD_E_INVALID_HANDLE, .invalidHandle, "SCARD_E_INVALID_HANDLE"),
        (SCARD_E_INVALID_PARAMETER, .invalidParameter, "SCARD_E_INVALID_PARAMETER"),
        (SCARD_E_INVALID_TARGET, .invalidTarget, "SCARD_E_INVALID_TARGET"),
        (SCARD_E_NO_MEMORY, .noMemory, "SCARD_E_NO_MEMORY"),
        (SCARD_F_WAITED_TOO_LONG, .waitedTooLong, "SCARD_F_WAITED_TOO_LONG"),
        (SCARD_E_INSUFFICIENT_BUFFER, .insufficientBuffer, "SCARD_E_INSUFFICIENT_BUFFER"),
        (SCARD_E_UNKNOWN_READER, .unknownReader, "SCARD_E_UNKNOWN_READER"),
        (SCARD_E_TIMEOUT, .timeout, "SCARD_E_TIMEOUT"),
        (SCARD_E_SHARING_VIOLATION, .sharingViolation, "SCARD_E_SHARING_VIOLATION"),
        (SCARD_E_NO_SMARTCARD, .noSmartCard, "SCARD_E_NO_SMARTCARD"),
        (SCARD_E_UNKNOWN_CARD, .unknownCard, "SCARD_E_UNKNOWN_CARD"),
        (SCARD_E_CANT_DISPOSE, .cantDispose, "SCARD_E_CANT_DISPOSE"),
        (SCARD_E_PROTO_MISMATCH, .protocolMismatch, "SCARD_E_PROTO_MISMATCH"),
        (SCARD_E_NOT_READY, .notReady, "SCARD_E_NOT_READY"),
        (SCARD_E_INVALID_VALUE, .invalidValue, "SCARD_E_INVALID_VALUE"),
        (SCARD_E_SYSTEM_CANCELLED, .systemCancelled, "SCARD_E_SYSTEM_CANCELLED"),
        (SCARD_F_COMM_ERROR, .commError, "SCARD_F_COMM_ERROR"),
        (SCARD_F_UNKNOWN_ERROR, .unknownError, "SCARD_F_UNKNOWN_ERROR"),
        (SCARD_E_INVALID_ATR, .invalidATR, "SCARD_E_INVALID_ATR"),
        (SCARD_E_NOT_TRANSACTED, .notTransacted, "SCARD_E_NOT_TRANSACTED"),
        (SCARD_E_READER_UNAVAILABLE, .readerUnavailable, "SCARD_E_READER_UNAVAILABLE"),
        (SCARD_P_SHUTDOWN, .shutdown, "SCARD_P_SHUTDOWN"),
        (SCARD_E_PCI_TOO_SMALL, .pciTooSmall, "SCARD_E_PCI_TOO_SMALL"),
        (SCARD_E_READER_UNSUPPORTED, .readerUnsupported, "SCARD_E_READER_UNSUPPORTED"),
        (SCARD_E_DUPLICATE_READER, .duplicateReader, "SCARD_E_DUPLICATE_READER"),
        (SCARD_E_CARD_UNSUPPORTED, .cardUnsupported, "SCARD_E_CARD_UNSUPPORTED"),
        (SCARD_E_NO_SERVICE, .noService, "SCARD_E_NO_SERVICE"),
        (SCARD_E_SERVICE_STOPPED, .serviceStopped, "SCARD_E_SERVICE_STOPPED"),
        (SCARD_E_UNEXPECTED, .unexpected, "SCARD_E_UNSUPPORTED_FEATURE"),
        (SCARD_E_UNSUPPORTED_FEATURE, .unsupportedFeature, "SCARD_E_UNSUPPORTED_FEATURE"),
        (SCARD_E_ICC_INSTALLATION, .iccInstallation, "SCARD_E_ICC_INSTALLATION"),
        (SCARD_E_ICC_CREATEORDER, .iccCreateOrder, "SCARD_E_ICC_CREATEORDER"),
        (SCARD_E_DIR_NOT_FOUND, .dirNotFound, "SCARD_E_DIR_NOT_FOUND"),
        (SCARD_E_FILE_NOT_FOUND, .fileNotFound, "SCARD_E_FILE_NOT_FOUND"),
        (SCARD_E_NO_DIR, .noDir, "SCARD_E_NO_DIR"),
        (SCARD_E_NO_FILE, .noFile, "SCARD_E_NO_FILE"),
        (SCARD_E_NO_ACCESS, .noAccess, "SCARD_E_NO_ACCESS"),
        (SCARD_E_WRITE_TOO_MANY, .writeTooMany, "SCARD_E_WRITE_TOO_MANY"),
        (SCARD_E_BAD_SEEK, .badSeek, "SCARD_E_BAD_SEEK"),
        (SCARD_E_INVALID_CHV, .invalidCHV, "SCARD_E_INVALID_CHV"),
        (SCARD_E_UNKNOWN_RES_MNG, .unknownResourceManager, "SCARD_E_UNKNOWN_RES_MNG"),
        (SCARD_E_NO_SUCH_CERTIFICATE, .noSuchCertificate, "SCARD_E_NO_SUCH_CERTIFICATE"),
        (SCARD_E_CERTIFICATE_UNAVAILABLE, .certificateUnavailable, "SCARD_E_CERTIFICATE_UNAVAILABLE"),
        (SCARD_E_NO_READERS_AVAILABLE, .noReadersAvailable, "SCARD_E_NO_READERS_AVAILABLE"),
        (SCARD_E_COMM_DATA_LOST, .commDataLost, "SCARD_E_COMM_DATA_LOST"),
        (SCARD_E_NO_KEY_CONTAINER, .noKeyContainer, "SCARD_E_NO_KEY_CONTAINER"),
        (SCARD_E_SERVER_TOO_BUSY, .serverTooBusy, "SCARD_E_SERVER_TOO_BUSY"),
        (SCARD_W_UNSUPPORTED_CARD, .unsupportedCard, "SCARD_W_UNSUPPORTED_CARD"),
        (SCARD_W_UNRESPONSIVE_CARD, .unresponsiveCard, "SCARD_W_UNRESPONSIVE_CARD"),
        (SCARD_W_UNPOWERED_CARD, .unpoweredCard, "SCARD_W_UNPOWERED_CARD"),
        (SCARD_W_RESET_CARD, .resetCard, "SCARD_W_RESET_CARD"),
        (SCARD_W_REMOVED_CARD, .removedCard, "SCARD_W_REMOVED_CARD"),
        (SCARD_W_SECURITY_VIOLATION, .securityViolation, "SCARD_W_SECURITY_VIOLATION"),
        (SCARD_W_WRONG_CHV, .wrongCHV, "SCARD_W_WRONG_CHV"),
        (SCARD_W_CHV_BLOCKED, .chvBlocked, "SCARD_W_CHV_BLOCKED"),
        (SCARD_W_EOF, .endOfFile, "SCARD_W_EOF"),
        (SCARD_W_CANCELLED_BY_USER, .cancelledByUser, "SCARD_W_CANCELLED_BY_USER"),
        (SCARD_W_CARD_NOT_AUTHENTICATED, .cardNotAuthenticated, "SCARD_W_CARD_NOT_AUTHENTICATED"),
    ]

    @Test("each constant has the value of its pcsclite.h macro and that macro's name", arguments: codes)
    func constantMatchesHeader(row: (c: Int, error: PCSCError, name: String)) {
        #expect(row.error.rawValue == row.c, "\(row.name)")
        #expect(PCSCError(rawValue: row.c) == row.error)
        #expect(row.error.name == row.name)
        #expect(row.error.isKnown)
        #expect(!row.error.meaning.isEmpty && !row.error.meaning.hasSuffix("."), "meaning of \(row.name)")
    }

    @Test("every known code is in the table once, and every name is unique")
    func tableIsComplete() {
        let known = PCSCError.allKnown
        #expect(known.count == Set(Self.codes.map(\.c)).count, "one entry per distinct pcsclite.h value")
        #expect(Set(known.map(\.name)).count == known.count)
        #expect(Set(known) == Set(Self.codes.map(\.error)))
    }

    @Test("description: name, code in hex, meaning")
    func descriptionFormat() {
        #expect(PCSCError.noSmartCard.description
            == "SCARD_E_NO_SMARTCARD (0x8010000C): the operation requires a smart card, but no smart card is currently in the device")
        #expect(PCSCError.removedCard.description
            == "SCARD_W_REMOVED_CARD (0x80100069): the smart card has been removed, so further communication is not possible")
    }

    @Test("a code pcsclite.h does not define keeps its value and gets a generic name")
    func unknownCode() {
        let odd = PCSCError(rawValue: 0x8010_0042)
        #expect(!odd.isKnown)
        #expect(odd.name == "SCARD_UNKNOWN_0x80100042")
        #expect(odd.description == "SCARD_UNKNOWN_0x80100042 (0x80100042): an error code that pcsc-lite does not define")
        #expect(PCSCError(rawValue: 1).description.hasPrefix("SCARD_UNKNOWN_0x00000001 (0x00000001)"))
    }

    @Test("a sign-extended code equals the 32-bit one")
    func signExtension() {
        let signExtended = Int(Int32(bitPattern: 0x8010_000C))
        #expect(signExtended < 0)
        #expect(PCSCError(rawValue: signExtended) == .noSmartCard)
        #expect(PCSCError(rawValue: signExtended).rawValue == 0x8010_000C)
    }

    @Test("check: SCARD_S_SUCCESS passes, any other code throws that code")
    func check() {
        #expect(PCSCError.success == SCARD_S_SUCCESS)
        #expect(throws: Never.self) { try PCSCError.check(SCARD_S_SUCCESS) }
        #expect(throws: PCSCError.removedCard) { try PCSCError.check(SCARD_W_REMOVED_CARD) }
        #expect(throws: PCSCError(rawValue: 0x1234)) { try PCSCError.check(0x1234) }
    }

    @Test("errors match in a catch clause by constant")
    func catchByConstant() {
        func fail() throws(PCSCError) { throw .sharingViolation }
        var matched = false
        do {
            try fail()
        } catch .sharingViolation {
            matched = true
        } catch {
            Issue.record("unexpected \(error)")
        }
        #expect(matched)
    }
}
