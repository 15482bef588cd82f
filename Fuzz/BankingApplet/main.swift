// libFuzzer target for the banking applet: random APDU sequences with resets, power cuts,
// button presses and time passing, on a token in memory, with the security invariants checked
// after every step (`scripts/fuzz.sh FuzzBankingApplet SECONDS`; a plain build replays a corpus).
import FuzzSupport

runFuzzTarget("FuzzBankingApplet", seeds: AppletSeeds.all) { bytes in
    AppletSession.run(AppletScript(bytes))
}
