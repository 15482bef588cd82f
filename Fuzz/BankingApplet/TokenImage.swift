import CardOS
import HostPlatform
import TokenDevice
import PIVApplet

/// The NVM records a script starts from, made once per process: a factory-fresh token, and
/// the same token personalized (SELECT, CHANGE from the factory PIN, GENERATE of the three keys
/// RSA-1024).
struct TokenImage {
    let records: [RecordID: [UInt8]]
    /// The PIN in force.
    let pin: [UInt8]

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
}
