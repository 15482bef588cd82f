import UKey
import UKeyArguments

extension TransferOptions {
    /// The transfer, or a ``CLIError`` (`usage`, `badTransfer`, or the file's `noFile`).
    func read() throws -> Transfer {
        do {
            return try read(file: Files.read)
        } catch TransferOptionsError.usage(let message) {
            throw CLIError("usage", message)
        } catch TransferOptionsError.notATransfer(let path, let reason) {
            throw CLIError("badTransfer", "\(path) is not a transfer: \(ErrorText.describe(reason))")
        }
    }
}
