// libFuzzer target for the ISO 7816 transmission units: command APDUs, response APDUs and
// T=1 blocks (`scripts/fuzz.sh FuzzCommandAPDU SECONDS`; a plain build replays a corpus).
import FuzzSupport

runFuzzTarget("FuzzCommandAPDU", seeds: commandAPDUSeeds, fuzzCommandAPDU)
