// libFuzzer target for the vpcd (vsmartcard) framing the emulator's card link decodes
// (`scripts/fuzz.sh FuzzVPCDFraming SECONDS`; a plain build replays a corpus).
import FuzzSupport

runFuzzTarget("FuzzVPCDFraming", seeds: vpcdSeeds, fuzzVPCDFraming)
