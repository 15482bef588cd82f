extension FileNVM {
    /// Where a test makes a commit stop, as if the process died there (SIGKILL, power cut). The
    /// files are left as the crash would leave them; the instance is then dead.
    public enum CrashPoint: Sendable, Hashable, CaseIterable {
        /// Half of the new image is in the journal, unsynced: the old state must survive.
        case partialJournal
        /// The journal is complete and synced but not yet renamed: the old state survives.
        case journalWritten
        /// The journal was renamed over the image, the directory not yet synced: the new state.
        case renamed
    }
}
