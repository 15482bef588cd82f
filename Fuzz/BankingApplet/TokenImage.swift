import CardOS
import HostPlatform
import TokenDevice
import PIVApplet

/// The NVM records a script starts from, made once per process: a factory-fresh token, the
/// same token personalized (SELECT, CHANGE from the factory PIN, GENERATE of the three keys
/// RSA-1024), and a token as firmware 1.x left it.
struct TokenImage {
    let records: [RecordID: [UInt8]]
    /// The PIN in force.
    let pin: [UInt8]
    /// Firmware 1.x's one key (record `0103`), on an outdated token: it must never sign again.
    var retiredKey: KeyRecord? = nil

    static let factory: TokenImage = {
        let memory = MemoryNVM()
        try! TokenFirmware<AppletFuzzPlatform>.manufacture(memory, serial: AppletSession.serial,
                                                           pin: AppletSession.factoryPIN, puk: AppletSession.factoryPUK,
                                                           piv: .wellKnownDefaults)
        return TokenImage(records: memory.committedRecords, pin: AppletSession.factoryPIN)
    }()

    static let personalized: TokenImage = {
        let session = AppletSession(records: factory.records, pin: factory.pin)
        for step in AppletSeeds.personalization { session.perform(step) }
        precondition(session.state.keys == [0x01, 0x01, 0x01] && !session.state.pinMustChange, "the token is personalized")
        return TokenImage(records: session.memory.committedRecords, pin: AppletSession.personalPIN)
    }()

    /// The personalized token as firmware 1.x would have left it: no layout record `0100`, its
    /// transfer key pair in 1.x's single key record `0103` (`0110`–`0112` absent). The banking
    /// applet must answer 6283 to SELECT and never use that key.
    static let outdated: TokenImage = {
        var records = personalized.records
        let key = records[0x0110]
        records[0x0103] = key
        for record: RecordID in [0x0100, 0x0110, 0x0111, 0x0112] { records[record] = nil }
        return TokenImage(records: records, pin: personalized.pin, retiredKey: key.flatMap(KeyRecord.init(bytes:)))
    }()
}
