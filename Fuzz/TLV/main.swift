// libFuzzer target for BER-TLV (ISO/IEC 7816-4 §6.3) (`scripts/fuzz.sh FuzzTLV SECONDS`; a plain
// build replays a corpus).
import FuzzSupport

runFuzzTarget("FuzzTLV", seeds: tlvSeeds, fuzzTLV)
