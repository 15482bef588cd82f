// libFuzzer target for CCID messages in both directions, their stream reassembly, and the
// token's bulk-OUT endpoint that consumes them (`scripts/fuzz.sh FuzzCCID SECONDS`; a plain
// build replays a corpus).
import FuzzSupport

runFuzzTarget("FuzzCCID", seeds: ccidSeeds, fuzzCCID)
