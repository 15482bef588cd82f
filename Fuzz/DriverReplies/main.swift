// libFuzzer target for everything the UKey driver parses from a device (CCID bulk and
// interrupt replies, the CCID host layer and a whole reader session, the USB/IP client stream,
// USB descriptors, ATRs and T=1 blocks): `parseDeviceReply` in DeviceReplies.swift, through the
// driver's `package` API
// (`scripts/fuzz.sh FuzzDriverReplies SECONDS`; a plain build replays a corpus; the seeds come
// from Fuzz/make_corpus.py).
import FuzzSupport

runFuzzTarget("FuzzDriverReplies", parseDeviceReply)
