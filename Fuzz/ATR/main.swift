// libFuzzer target for answer-to-reset parsing and its byte-by-byte explanation (`scripts/fuzz.sh
// FuzzATR SECONDS`; a plain build replays a corpus).
import FuzzSupport

runFuzzTarget("FuzzATR", seeds: atrSeeds, fuzzATR)
