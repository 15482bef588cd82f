import CardOS
import HostPlatform
import ISO7816
import PIVApplet
import Testing

/// GENERATE, GENERAL AUTHENTICATE with the slot keys, the slots' PIN rules, certificates.
@Suite("PIV applet: keys, signatures and certificates")
struct KeyTests {
    /// SHA-256 DigestInfo of an arbitrary 32-byte digest.
    static let digestInfo: [UInt8] = [0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
                                      0x05, 0x00, 0x04, 0x20] + [UInt8](repeating: 0xAB, count: 32)

    /// A token with a management-key session and a key of `algorithm` in `slot`.
    static func token(slot: UInt8, algorithm: UInt8) throws -> (PIVHarness, PublicKey) {
        let token = PIVHarness()
        _ = token.selectPIV()
        #expect(token.authenticate() == .success)
        let generated = token.generate(slot: slot, algorithm: algorithm)
        #expect(generated.statusWord == .success)
        return (token, try PublicKey(object: generated.data))
    }

    @Test("RSA-1024 and RSA-2048 in 9A: the raw signature opens to the block the host padded",
          arguments: [(UInt8(0x06), 128), (UInt8(0x07), 256)])
    func sign(algorithm: UInt8, size: Int) throws {
        let (token, key) = try Self.token(slot: 0x9A, algorithm: algorithm)
        #expect(key.modulus.count == size)
        #expect(key.exponent == [0x01, 0x00, 0x01])
        #expect(token.verify() == .success)
        let block = key.pkcs1Block(Self.digestInfo)
        let answer = token.sign(slot: 0x9A, algorithm: algorithm, block: block)
        #expect(answer.statusWord == .success)
        let template = try TLV(parsing: answer.data)
        #expect(template.tag == 0x7C)
        let signature = try TLV.sequence(parsing: template.value).first(0x82)!.value
        #expect(key.open(signature) == block)
    }

    @Test("9A: PIN once; 9C: one VERIFY per signature; 9E: no PIN")
    func pinRules() throws {
        let (token, key) = try Self.token(slot: 0x9C, algorithm: 0x06)
        #expect(token.generate(slot: 0x9A, algorithm: 0x06).statusWord == .success)
        #expect(token.generate(slot: 0x9E, algorithm: 0x06).statusWord == .success)
        let block = key.pkcs1Block(Self.digestInfo)
        #expect(token.sign(slot: 0x9E, algorithm: 0x06, block: block).statusWord == .success)
        #expect(token.sign(slot: 0x9A, algorithm: 0x06, block: block).statusWord == .securityStatusNotSatisfied)
        #expect(token.sign(slot: 0x9C, algorithm: 0x06, block: block).statusWord == .securityStatusNotSatisfied)
        #expect(token.verify() == .success)
        _ = token.getData([0x7E])                 // OpenSC reads discovery at each transaction
        #expect(token.sign(slot: 0x9C, algorithm: 0x06, block: block).statusWord == .success)
        #expect(token.sign(slot: 0x9C, algorithm: 0x06, block: block).statusWord == .securityStatusNotSatisfied)
        #expect(token.sign(slot: 0x9A, algorithm: 0x06, block: block).statusWord == .success)
        #expect(token.sign(slot: 0x9A, algorithm: 0x06, block: block).statusWord == .success)
        #expect(token.verify() == .success)
        #expect(token.sign(slot: 0x9C, algorithm: 0x06, block: block).statusWord == .success)
    }

    @Test("An empty slot is 6A88; a wrong algorithm 6A86; a block of the wrong size or above n 6A80")
    func signErrors() throws {
        let (token, key) = try Self.token(slot: 0x9A, algorithm: 0x06)
        #expect(token.verify() == .success)
        let block = key.pkcs1Block(Self.digestInfo)
        #expect(token.sign(slot: 0x9D, algorithm: 0x06, block: block).statusWord == .referencedDataNotFound)
        #expect(token.sign(slot: 0x9A, algorithm: 0x07, block: block).statusWord == .wrongP1P2)
        #expect(token.sign(slot: 0x9A, algorithm: 0x06, block: Array(block.dropFirst())).statusWord == .wrongData)
        #expect(token.sign(slot: 0x9A, algorithm: 0x06, block: [UInt8](repeating: 0xFF, count: 128)).statusWord == .wrongData)
        #expect(token.sign(slot: 0x9B, algorithm: 0x06, block: block).statusWord == .wrongP1P2)
        #expect(token.sign(slot: 0x9A, algorithm: 0x11, block: block).statusWord == .wrongP1P2)
        #expect(token.sign(slot: 0x9A, algorithm: 0x06, block: block).statusWord == .success)
    }

    @Test("9D decrypts: a raw RSA encryption comes back")
    func decrypt() throws {
        let (token, key) = try Self.token(slot: 0x9D, algorithm: 0x06)
        #expect(token.verify() == .success)
        let message = [0x00, 0x02] + [UInt8](repeating: 0x5A, count: 125) + [0x00]
        let ciphertext = key.open(message)          // m^e mod n: raw RSA encryption with the public key
        let answer = token.sign(slot: 0x9D, algorithm: 0x06, block: ciphertext)
        #expect(answer.statusWord == .success)
        #expect(try TLV.sequence(parsing: TLV(parsing: answer.data).value).first(0x82)?.value == message)
    }

    @Test("Certificates: PUT DATA (chained), GET DATA, delete with 53 00; GENERATE clears the slot's")
    func certificates() throws {
        let (token, _) = try Self.token(slot: 0x9A, algorithm: 0x06)
        let der = [0x30, 0x82, 0x02, 0x00] + [UInt8](repeating: 0x77, count: 0x200)
        let object = TLV(tag: 0x70, value: der).bytes + [0x71, 0x01, 0x00, 0xFE, 0x00]
        #expect(token.putData([0x5F, 0xC1, 0x05], object).statusWord == .success)
        #expect(token.getData([0x5F, 0xC1, 0x05]).data == TLV(tag: 0x53, value: object).bytes)
        #expect(token.getData([0x5F, 0xC1, 0x0A]).statusWord == .fileNotFound)
        token.powerCycle()
        _ = token.selectPIV()
        #expect(token.getData([0x5F, 0xC1, 0x05]).data == TLV(tag: 0x53, value: object).bytes)
        #expect(token.putData([0x5F, 0xC1, 0x05], object).statusWord == .securityStatusNotSatisfied)
        #expect(token.authenticate() == .success)
        #expect(token.putData([0x5F, 0xC1, 0x05], []).statusWord == .success)
        #expect(token.getData([0x5F, 0xC1, 0x05]).statusWord == .fileNotFound)
        #expect(token.putData([0x5F, 0xC1, 0x05], object).statusWord == .success)
        #expect(token.generate(slot: 0x9A, algorithm: 0x06).statusWord == .success)
        #expect(token.getData([0x5F, 0xC1, 0x05]).statusWord == .fileNotFound)
    }

    @Test("Objects the card writes itself are 6A81; unknown tags and bad containers 6A80; too big 6A84")
    func putDataRules() throws {
        let token = PIVHarness()
        _ = token.selectPIV()
        #expect(token.authenticate() == .success)
        let object = TLV(tag: 0x70, value: [0x30, 0x00]).bytes
        #expect(token.putData([0x5F, 0xC1, 0x02], object).statusWord == .functionNotSupported)
        #expect(token.putData([0x5F, 0xC1, 0x07], object).statusWord == .functionNotSupported)
        #expect(token.putData([0x5F, 0xC1, 0x0C], object).statusWord == .wrongData)
        #expect(token.putData([0x5F, 0xC1, 0x05], [0x71, 0x01, 0x00]).statusWord == .wrongData)
        #expect(token.putData([0x5F, 0xC1, 0x05], TLV(tag: 0x70, value: []).bytes).statusWord == .wrongData)
        #expect(token.putData([0x5F, 0xC1, 0x05], object + [0x70, 0x00]).statusWord == .wrongData)
        let huge = TLV(tag: 0x70, value: [UInt8](repeating: 1, count: 5000)).bytes
        #expect(token.putData([0x5F, 0xC1, 0x05], huge).statusWord == .notEnoughMemory)
        #expect(token.getData([0x5F, 0xC1, 0x05]).statusWord == .fileNotFound)
    }

    @Test("No key import, ever: yubico's IMPORT (FE) is 6D00; GENERATE refuses policy tags it would ignore")
    func noImport() {
        let token = PIVHarness()
        _ = token.selectPIV()
        #expect(token.authenticate() == .success)
        #expect(token.send(token.apdu("00FE069A", [0x01, 0x80] + [UInt8](repeating: 1, count: 128))).statusWord == .insNotSupported)
        #expect(token.send(token.apdu("0047009A", [0xAC, 0x06, 0x80, 0x01, 0x06, 0xAA, 0x01, 0x01], le: true)).statusWord
                == .wrongData)
        #expect(token.send(token.apdu("0047009A", [0xAC, 0x03, 0x80, 0x01, 0x11], le: true)).statusWord == .wrongData)
        #expect(token.send(token.apdu("0047009B", [0xAC, 0x03, 0x80, 0x01, 0x06], le: true)).statusWord == .wrongP1P2)
    }
}
