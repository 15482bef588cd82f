// libFuzzer target for the card's applets — the banking applet and, selected by the script, the
// PIV applet beside it: random APDU sequences with resets, power cuts, button presses, time
// passing, PIV PIN and 9B authentications, on a token in memory, with the security invariants
// of both applets checked after every step (`scripts/fuzz.sh FuzzBankingApplet SECONDS`; a plain build replays a corpus).
import FuzzSupport

runFuzzTarget("FuzzBankingApplet", seeds: AppletSeeds.all) { bytes in
    AppletSession.run(AppletScript(bytes))
}
