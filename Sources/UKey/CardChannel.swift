/// A way to exchange APDUs with one card: PC/SC through pcscd, or the firmware in this process.
///
/// `transmit` sends one command APDU and returns the whole response APDU (data + SW1 SW2). It
/// may wait for as long as the card does (a holder deciding on a transfer) and never blocks a
/// thread of Swift's cooperative pool.
public protocol CardChannel: AnyObject, Sendable {
    func transmit(_ command: [UInt8]) async throws -> [UInt8]
}
