import CardOS
import Synchronization
#if canImport(Foundation)
import Foundation
#endif

/// Non-volatile memory in one file, `DIR/nvm`, crash-safe.
///
/// A commit writes the complete new image (``NVMImage``) to `DIR/nvm.journal` (mode 0600),
/// fsyncs it, renames it over `DIR/nvm` (atomic on POSIX file systems) and fsyncs the directory.
/// A crash at any instant therefore leaves `nvm` holding the old image or the new one; a journal
/// left behind is an unfinished commit and is deleted when the memory is opened.
///
/// The directory belongs to the caller (it creates it, 0700, and locks it); this type only
/// creates the two files in it. `Sendable`: all state sits in a `Mutex`, and file I/O happens
/// under it, so commits of one memory never overlap.
public final class FileNVM: NonVolatileMemory, Sendable {
    /// The image's file name in the directory.
    public static let imageName = "nvm"
    /// The commit journal's file name in the directory.
    public static let journalName = "nvm.journal"

    private enum Health {
        case running
        /// A test's crash point was reached: the "process" is gone.
        case crashed
        /// The directory could not be synced after a rename: whether the last commit is durable
        /// is unknown, so nothing more is written until the memory is opened again.
        case uncertain
    }

    private struct State {
        var records: RecordTransaction
        var crashPoint: CrashPoint? = nil
        var health = Health.running
    }

    /// The directory holding `nvm`.
    public let directory: String
    private let imagePath: String
    private let journalPath: String
    private let state: Mutex<State>

    /// Opens the image in `directory` (which must exist), or starts empty if there is none yet
    /// (nothing is written before the first commit). A leftover journal is deleted; a damaged
    /// image throws.
    public init(directory: String) throws(FileNVMError) {
        self.directory = directory
        imagePath = directory + "/" + FileNVM.imageName
        journalPath = directory + "/" + FileNVM.journalName
        try POSIXFile.checkDirectory(directory)
        try POSIXFile.remove(journalPath)
        let records = try POSIXFile.readAll(imagePath).map { bytes throws(FileNVMError) in try NVMImage.decode(bytes) }
        state = Mutex(State(records: RecordTransaction(committed: records ?? [:])))
    }

    #if canImport(Foundation)
    /// Opens the image in the directory at a file URL; see ``init(directory:)-(String)``.
    public convenience init(directory: URL) throws(FileNVMError) {
        try self.init(directory: directory.path)
    }
    #endif

    // MARK: Inspection and test hooks

    /// The committed records, as a reopen would find them.
    public var committedRecords: [RecordID: [UInt8]] { state.withLock { $0.records.committed } }

    /// Makes the next commit that writes stop at this point, as a crash would; that commit and
    /// every later change then throw ``NVMError/powerLost``. Reopen the directory to go on.
    public var crashPoint: CrashPoint? {
        get { state.withLock { $0.crashPoint } }
        set { state.withLock { $0.crashPoint = newValue } }
    }

    /// Whether a crash point was reached: the "process" is gone until ``powerUp()``.
    public var hasLostPower: Bool { state.withLock { $0.health == .crashed } }

    /// After a crash point (a torn commit, the emulator's `--tear`): opens the directory again in
    /// place, as the next power-up would — a leftover journal is deleted and the image read back,
    /// so the memory holds exactly the last committed state and works again.
    public func powerUp() throws(FileNVMError) {
        try POSIXFile.remove(journalPath)
        let records = try POSIXFile.readAll(imagePath).map { bytes throws(FileNVMError) in try NVMImage.decode(bytes) }
        state.withLock { $0 = State(records: RecordTransaction(committed: records ?? [:])) }
    }

    // MARK: NonVolatileMemory

    public func read(_ record: RecordID) -> [UInt8]? {
        state.withLock { $0.records.read(record) }
    }

    public func beginTransaction() throws(NVMError) {
        try state.withLock { (state: inout State) throws(NVMError) in
            try FileNVM.checkHealth(state.health)
            try state.records.begin()
        }
    }

    public func write(_ record: RecordID, _ value: [UInt8]?) throws(NVMError) {
        try state.withLock { (state: inout State) throws(NVMError) in
            try FileNVM.checkHealth(state.health)
            try state.records.stage(record, value)
        }
    }

    /// Writes the new image through the journal. Whatever the outcome, the transaction is over.
    ///
    /// On ``NVMError/writeFailed`` before the rename, the committed state (memory and file) is
    /// the old one and the memory goes on working. If only the directory fsync after the rename
    /// fails, the file already holds the new image but a power loss might still bring back the
    /// old one: the memory keeps reading the old state and refuses every later change with
    /// `writeFailed` until it is opened again, which finds one of the two whole images.
    public func commitTransaction() throws(NVMError) {
        try state.withLock { (state: inout State) throws(NVMError) in
            try FileNVM.checkHealth(state.health)
            let next = try state.records.pendingState()
            guard state.records.hasStagedWrites else {
                state.records.finishCommit(next)
                return
            }
            let crashPoint = state.crashPoint
            state.crashPoint = nil
            do throws(StoreFailure) {
                try store(NVMImage.encode(next), crashingAt: crashPoint)
            } catch {
                state.records.abort()
                switch error {
                case .crashed: state.health = .crashed; throw .powerLost
                case .beforeRename: throw .writeFailed
                case .afterRename: state.health = .uncertain; throw .writeFailed
                }
            }
            state.records.finishCommit(next)
        }
    }

    public func abortTransaction() {
        state.withLock { $0.records.abort() }
    }

    // MARK: The commit protocol

    private enum StoreFailure: Error {
        case crashed
        case beforeRename
        case afterRename
    }

    private static func checkHealth(_ health: Health) throws(NVMError) {
        switch health {
        case .running: return
        case .crashed: throw .powerLost
        case .uncertain: throw .writeFailed
        }
    }

    /// Journal, fsync, rename, fsync the directory; a failure before the rename removes the
    /// journal, so the file system holds exactly the old image. At a crash point the files stay
    /// as they are.
    private func store(_ image: [UInt8], crashingAt crashPoint: CrashPoint?) throws(StoreFailure) {
        do throws(FileNVMError) {
            if crashPoint == .partialJournal {
                try POSIXFile.writeNew(journalPath, image[..<(image.count / 2)], sync: false)
            } else {
                try POSIXFile.writeNew(journalPath, image[...])
                if crashPoint != .journalWritten { try POSIXFile.move(journalPath, over: imagePath) }
            }
        } catch {
            try? POSIXFile.remove(journalPath)
            throw .beforeRename
        }
        guard crashPoint == nil else { throw .crashed }
        do throws(FileNVMError) {
            try POSIXFile.syncDirectory(directory)
        } catch {
            throw .afterRename
        }
    }
}
