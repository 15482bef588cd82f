import FuzzSupport
import UKeyEmulator

/// One decoder fed `chunks`, taking every message after each chunk, until the first error;
/// then `finish()` as at the end of the connection.
struct VPCDStreamRun: Equatable {
    private(set) var messages: [VPCDMessage] = []
    private(set) var error: VPCDFrameError? = nil
    private(set) var leftover = 0

    init(_ chunks: [ArraySlice<UInt8>]) {
        var decoder = VPCDFrameDecoder()
        do throws(VPCDFrameError) {
            for chunk in chunks {
                decoder.append(chunk)
                while let message = try decoder.next() {
                    VPCDStreamRun.checkReframing(message)
                    messages.append(message)
                }
                fuzzRequire(decoder.bufferedCount < 2 + VPCDMessage.maxPayload,
                            "the decoder never holds a whole frame it has not handed out")
            }
            leftover = decoder.bufferedCount
            try decoder.finish()
            fuzzRequire(leftover == 0, "finish() accepts only a stream that ends between frames")
        } catch {
            self.error = error
        }
    }

    private static func checkReframing(_ message: VPCDMessage) {
        var decoder = VPCDFrameDecoder()
        guard let frame = try? VPCDMessage.frame(message.payload) else {
            fuzzRequire(false, "a decoded payload fits a frame")
            return
        }
        decoder.append(frame)
        fuzzRequire((try? decoder.next()) == message && decoder.bufferedCount == 0, "a message framed again decodes to itself")
    }
}
