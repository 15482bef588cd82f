import CardOS
import HostPlatform
import ISO7816
import TokenDevice
import USBIP

/// One token of the emulator: its bus id, its firmware as a USB device over its NVM file, and
/// who is using it (the USB/IP session that imported it, or a card port such as vpcd's).
///
/// Reactor thread only.
final class EmulatedToken {
    typealias TokenPlatform = HostPlatform<FileNVM, SystemClock>

    /// 1 for bus id 1-1.
    let index: Int
    let busid: String
    let serial: [UInt8]
    let platform: TokenPlatform
    let device: TokenDevice<TokenPlatform>
    /// The USB/IP session that imported the device, if any.
    var session: USBIPSession?
    /// A card port (vpcd) serves this token: it is not offered for import.
    var cardPort: TokenCardPort?
    /// The faults a tester injects (`ukey emulator fault add`).
    let faults = FaultTable()
    /// A `tear` fault fired: the memory's next commit loses power, if the command makes one.
    var tearArmed = false
    /// The running capture (`--pcap`, `capture-start`), shared by all tokens.
    var capture: USBCapture?

    init(index: Int, serial: [UInt8], platform: TokenPlatform, exchange: ExchangeLevel) {
        self.index = index
        busid = "1-\(index)"
        self.serial = serial
        self.platform = platform
        device = TokenDevice(firmware: TokenFirmware(platform: platform), serial: serial, exchange: exchange)
    }

    /// busnum 1, devnum = index.
    var busnum: UInt32 { 1 }
    var devnum: UInt32 { UInt32(index) }
    /// The devid of USB/IP headers for this device: busnum << 16 | devnum.
    var devid: UInt32 { busnum << 16 | devnum }

    /// Whether the card waits for the holder (a confirmation, or a PIN on the keypad).
    var isWaiting: Bool { device.firmware.card.isWaiting || device.isWaitingForPIN }

    /// The page on the screen, if any.
    var screen: Screen? { platform.presence.currentScreen }

    /// The serial as upper-case hex.
    var serialHex: String { serial.hexString }

    /// The record of OP_REP_DEVLIST / OP_REP_IMPORT: bus 1, device `index`, full speed, the IDs
    /// and classes from the device's own descriptors.
    var exportedDevice: USBIPExportedDevice {
        USBIPExportedDevice(path: "/sys/devices/ukey/\(busid)", busid: busid, busnum: busnum, devnum: devnum,
                            speed: .full, device: device.descriptors.device,
                            configuration: device.descriptors.configuration)
    }

    /// Presses `button` once, or — OK with `throughEveryPage` — until the card stops waiting
    /// (every page shown, then approved). Returns whether the card was waiting.
    @discardableResult
    func press(_ button: Button, throughEveryPage: Bool) -> Bool {
        // A PIN entry takes keys (`keys`), never OK pressed for the holder.
        guard device.firmware.card.isWaiting, !device.isWaitingForPIN else { return false }
        var presses = 0
        repeat {
            device.press(button)
            presses += 1
        } while throughEveryPage && button == .ok && device.firmware.card.isWaiting && presses < 1_000
        return true
    }
}
