// libFuzzer target for USB/IP messages in both directions and the stream decoders of both
// roles (`scripts/fuzz.sh FuzzUSBIP SECONDS`; a plain build replays a corpus).
import FuzzSupport

runFuzzTarget("FuzzUSBIP", seeds: usbipSeeds, fuzzUSBIP)
