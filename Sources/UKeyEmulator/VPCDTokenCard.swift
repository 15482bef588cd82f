import Dispatch
import HostPlatform
import TokenDevice

/// The emulator's token as a ``VPCDCard``: vpcd's frames become CCID messages on the token's
/// USB device through its ``TokenCardPort`` (IccPowerOn, IccPowerOff, XfrBlock), so the card
/// behaves as it does over USB/IP — confirmations, the control socket's `press`, time-outs.
///
/// ``TokenCardPort`` blocks its caller until the reactor answers (a CONFIRM TRANSFER until the
/// holder decides), so the calls run in order on a serial queue of their own and the link thread
/// stays free to notice vpcd going away or a stop request.
public final class VPCDTokenCard: VPCDCard {
    private let port: TokenCardPort
    private let queue: DispatchQueue

    public init(port: TokenCardPort) {
        self.port = port
        queue = DispatchQueue(label: "vpcd card \(port.busid)")
    }

    /// The token's ATR (the firmware's constant; IccPowerOn answers the same bytes).
    public var atr: [UInt8] { TokenFirmware<HostPlatform<MemoryNVM, SystemClock>>.atr }

    public func powerOn() {
        queue.async { [port] in _ = port.powerOn() }
    }

    public func powerOff() {
        queue.async { [port] in port.powerOff() }
    }

    public func reset() {
        queue.async { [port] in
            port.powerOff()
            _ = port.powerOn()
        }
    }

    /// Answers 6F00 when the port has no answer (emulator stopping, card absent or unpowered).
    public func transmit(_ apdu: [UInt8], reply: @escaping @Sendable ([UInt8]) -> Void) {
        queue.async { [port] in reply(port.transmit(apdu) ?? [0x6F, 0x00]) }
    }
}

extension VPCDLink: CardLink {
    /// The emulator's `makeCardLink`: a started link from token `port` to the vpcd at `address`
    /// (`HOST:PORT`, as given to `--vpcd`).
    public static func cardLink(address: String, port: TokenCardPort,
                                trace: TraceHandler? = nil) throws(VPCDLinkError) -> VPCDLink {
        let link = VPCDLink(endpoint: try VPCDEndpoint(parsing: address), card: VPCDTokenCard(port: port), trace: trace)
        link.start()
        return link
    }
}
