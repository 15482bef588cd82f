#!/usr/bin/python3
"""`make bench`, PIV section (issue 8): signatures through stock OpenSC's PKCS#11 module.

    scripts/bench_piv.py BIN_DIR HEADLINES_FILE [--rounds N] [--processes N] [--signatures N]

Two stacks stay up side by side, each an `ukey emulator run` process (BIN_DIR/ukey, release)
with one token and a private pcscd:
  driver: opensc-pkcs11 → pcscd → libifd-ukey.so (BIN_DIR) → USB/IP unix socket → emulator
  vpcd:   opensc-pkcs11 → pcscd → stock vsmartcard vpcd → TCP → emulator (`--vpcd`), the reference
Each token gets an RSA-2048 key in PIV slot 9A (yubico-piv-tool, factory management key on its
standard input) and a certificate for it (openssl CLI, a throwaway CA), since OpenSC shows a key
only once its slot holds a certificate. Then, in interleaved rounds so that the shared machine's
noise hits both paths alike:
  per process: `pkcs11-tool --login --sign` (SHA256-RSA-PKCS), a new process each time (the
               process start, OpenSC's card detection, PIN VERIFY and one signature)
  in process:  C_Sign per second in one logged-in PyKCS11 session
                (Tests/PIVInteropTests/Scripts/pkcs11_sign.py loop)
Prints a Markdown section on stdout; writes the headline rows (driver ÷ vpcd) to HEADLINES_FILE.
PINs and keys go through the environment and standard input, never on a command line.
"""
import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PKCS11_SCRIPT = os.path.join(ROOT, "Tests", "PIVInteropTests", "Scripts", "pkcs11_sign.py")
OPENSC_PKCS11 = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"
VPCD_DRIVERS = ["/usr/lib/pcsc/drivers/serial/libifdvpcd.so",
                "/usr/lib/x86_64-linux-gnu/pcsc/drivers/serial/libifdvpcd.so"]
TOOLS = ["/usr/sbin/pcscd", "/usr/bin/unshare", "/usr/bin/opensc-tool", "/usr/bin/pkcs11-tool",
         "/usr/bin/yubico-piv-tool", "/usr/bin/openssl", OPENSC_PKCS11, PKCS11_SCRIPT,
         "/usr/lib/python3/dist-packages/PyKCS11/__init__.py"]
PIV_PIN = "123456"
MANAGEMENT_KEY = "010203040506070801020304050607080102030405060708"
FACTORY = {"UKEY_FACTORY_PIN": "123456", "UKEY_FACTORY_PUK": "87654321", "UKEY_FACTORY_PIV_PIN": PIV_PIN,
           "UKEY_FACTORY_PIV_PUK": "12345678", "UKEY_FACTORY_MGMKEY": MANAGEMENT_KEY}


class BenchError(Exception):
    pass


def free_port_pair():
    """A port P with P and P + 1 free on all interfaces (one vpcd entry listens on both)."""
    for _ in range(50):
        first = socket.socket()
        try:
            first.bind(("0.0.0.0", 0))
            port = first.getsockname()[1]
            second = socket.socket()
            try:
                second.bind(("0.0.0.0", port + 1))
                return port
            except OSError:
                continue
            finally:
                second.close()
        finally:
            first.close()
    raise BenchError("no free pair of TCP ports")


class Path:
    """One emulator + one private pcscd, with the driver or with stock vpcd."""

    def __init__(self, bin_dir, kind):
        self.kind = kind
        bin_dir = os.path.abspath(bin_dir)
        self.directory = tempfile.mkdtemp(prefix="ukey-bench-piv-")
        self.processes = []
        run, config = self.file("run"), self.file("reader.conf.d")
        os.makedirs(run)
        os.makedirs(config)
        os.makedirs(self.file("home"))
        usbip = self.file("usbip.sock")
        emulator = [os.path.join(bin_dir, "ukey"), "emulator", "run", "--state", self.file("state"),
                    "--listen", "unix:" + usbip, "--tokens", "1", "--confirm", "approve"]
        if kind == "driver":
            self.reader = "UKey bench PIV driver 00 00"
            entry = 'FRIENDLYNAME "UKey bench PIV driver"\nDEVICENAME usbip:unix:%s/1-1\nLIBPATH %s\n' % (
                usbip, os.path.join(bin_dir, "libifd-ukey.so"))
        else:
            vpcd = next((path for path in VPCD_DRIVERS if os.path.exists(path)), None)
            if vpcd is None:
                raise BenchError("stock vpcd (vsmartcard-vpcd) is missing")
            port = free_port_pair()
            self.reader = "UKey bench PIV vpcd 00 00"
            entry = 'FRIENDLYNAME "UKey bench PIV vpcd"\nDEVICENAME /dev/null:%d\nLIBPATH %s\n' % (port, vpcd)
            emulator += ["--vpcd", "127.0.0.1:%d" % port]
        with open(os.path.join(config, "reader"), "w") as handle:
            handle.write(entry)
        self.socket = os.path.join(run, "pcscd.comm")
        self.environment = {"PATH": "/usr/bin:/bin:/usr/sbin:/sbin", "LANG": "C", "HOME": self.file("home"),
                            "XDG_CACHE_HOME": self.file("home/.cache"), "PCSCLITE_CSOCK_NAME": self.socket}
        try:
            # The token must listen before pcscd opens our driver's reader; vpcd waits for the card.
            self.start(emulator, dict(self.environment, **FACTORY), "emulator.log")
            self.wait(lambda: os.path.exists(usbip), "the emulator's USB/IP socket")
            script = ('mount -n -t tmpfs tmpfs /run && mkdir /run/pcscd && mount -n --bind "$0" /run/pcscd'
                      ' && exec /usr/sbin/pcscd -f -c "$1"')
            unshare = ["/usr/bin/unshare", "-m"] if os.getuid() == 0 else ["/usr/bin/unshare", "-r", "-m"]
            self.start(unshare + ["--propagation", "private", "/bin/sh", "-c", script, run, config],
                       dict(os.environ), "pcscd.log")
            self.wait(lambda: self.tool(["/usr/bin/opensc-tool", "-r", self.reader, "-a"], check=False).returncode == 0,
                      "a card in " + self.reader)
            self.provision()
        except BaseException:
            self.stop()
            raise

    def file(self, name):
        return os.path.join(self.directory, name)

    def start(self, arguments, environment, log):
        with open(self.file(log), "w") as output:
            self.processes.append(subprocess.Popen(arguments, env=environment, stdin=subprocess.DEVNULL,
                                                   stdout=output, stderr=subprocess.STDOUT, start_new_session=True))

    def wait(self, ready, what, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(process.poll() is not None for process in self.processes):
                raise BenchError("%s path: a process ended while waiting for %s" % (self.kind, what))
            if ready():
                return
            time.sleep(0.1)
        raise BenchError("%s path: no %s after %d s" % (self.kind, what, timeout))

    def tool(self, arguments, stdin=None, extra=None, check=True):
        result = subprocess.run(arguments, input=stdin, env=dict(self.environment, **(extra or {})),
                                capture_output=True, text=True, timeout=180)
        if check and result.returncode != 0:
            raise BenchError("%s path: %s failed (%d): %s%s" % (self.kind, " ".join(arguments[:3]), result.returncode,
                                                                 result.stdout, result.stderr))
        return result

    def provision(self):
        """RSA-2048 in 9A and a certificate for it (OpenSC lists a key only with its certificate)."""
        key = MANAGEMENT_KEY + "\n"
        self.tool(["/usr/bin/yubico-piv-tool", "-r", self.reader, "-k", "-a", "generate", "-s", "9a", "-A", "RSA2048",
                   "-o", self.file("9a.pub.pem")], stdin=key)
        self.tool(["/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", self.file("ca.key"),
                   "-out", self.file("ca.pem"), "-subj", "/CN=UKey bench CA", "-days", "1"])
        self.tool(["/usr/bin/openssl", "x509", "-new", "-force_pubkey", self.file("9a.pub.pem"), "-subj", "/CN=UKey bench",
                   "-CA", self.file("ca.pem"), "-CAkey", self.file("ca.key"), "-days", "1", "-out", self.file("9a.pem")])
        self.tool(["/usr/bin/yubico-piv-tool", "-r", self.reader, "-k", "-a", "import-certificate", "-s", "9a",
                   "-i", self.file("9a.pem")], stdin=key)
        with open(self.file("data"), "w") as handle:
            handle.write("bench\n")

    def per_process(self, count):
        """`pkcs11-tool --login --sign` `count` times; signatures per second (process start included)."""
        arguments = ["/usr/bin/pkcs11-tool", "--module", OPENSC_PKCS11, "--login", "--pin", "env:PIV_PIN", "--sign",
                     "--id", "01", "-m", "SHA256-RSA-PKCS", "-i", self.file("data"), "-o", self.file("sig")]
        start = time.perf_counter()
        for _ in range(count):
            self.tool(arguments, extra={"PIV_PIN": PIV_PIN})
        return count / (time.perf_counter() - start)

    def in_process(self, count):
        """C_Sign per second in one PyKCS11 session."""
        result = self.tool(["/usr/bin/python3", PKCS11_SCRIPT, OPENSC_PKCS11, "loop", str(count)], extra={"PIV_PIN": PIV_PIN})
        return json.loads(result.stdout)["per_second"]

    def stop(self):
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        if os.environ.get("UKEY_BENCH_KEEP"):
            print("kept " + self.directory, file=sys.stderr)
        else:
            shutil.rmtree(self.directory, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("bin_dir")
    parser.add_argument("headlines")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--processes", type=int, default=15, help="pkcs11-tool runs per path and round")
    parser.add_argument("--signatures", type=int, default=200, help="C_Sign calls per path and round")
    options = parser.parse_args()
    title = "## PIV through stock OpenSC: opensc-pkcs11 → pcscd → our driver vs stock vpcd → emulator (RSA-2048, slot 9A)"
    open(options.headlines, "w").close()
    missing = [tool for tool in TOOLS if not os.path.exists(tool)]
    if missing:
        print("\n%s\n\nskipped: missing %s (make deps installs them)" % (title, ", ".join(missing)))
        return
    paths = {}
    try:
        for kind in ("driver", "vpcd"):
            paths[kind] = Path(options.bin_dir, kind)
        results = {kind: {"process": [], "session": []} for kind in paths}
        for _ in range(options.rounds):
            for kind, path in paths.items():
                results[kind]["process"].append(path.per_process(options.processes))
                results[kind]["session"].append(path.in_process(options.signatures))
    except BenchError as error:
        print("\n%s\n\nskipped: %s" % (title, error))
        return
    finally:
        for path in paths.values():
            path.stop()

    median = {kind: {what: statistics.median(values) for what, values in measured.items()} for kind, measured in results.items()}
    print("\n" + title + "\n")
    print("Median of %d interleaved rounds; per round and path %d `pkcs11-tool --login --sign` processes and %d C_Sign calls"
          % (options.rounds, options.processes, options.signatures))
    print("in one PyKCS11 session (SHA256-RSA-PKCS, the host hashes and pads, the card does raw RSA-2048).\n")
    print("| measurement | driver per second | stock vpcd per second (reference) | driver ÷ vpcd (aim ≥ 1) |")
    print("|---|---:|---:|---:|")
    rows = [("`pkcs11-tool --login --sign`, one process each (start, detection, VERIFY, sign)", "process"),
            ("C_Sign in one logged-in PyKCS11 session", "session")]
    headlines = []
    for label, what in rows:
        ratio = median["driver"][what] / median["vpcd"][what]
        print("| %s | %.1f | %.1f | %.2f |" % (label, median["driver"][what], median["vpcd"][what], ratio))
        # The same aim as the driver's other comparisons with stock vpcd: at least as fast.
        headlines.append("| PIV %s per second | %.2f× | stock vpcd, same OpenSC path | ≥ 1 %s |"
                         % ("`pkcs11-tool --login --sign` process" if what == "process" else "in-process C_Sign", ratio,
                            "✓" if ratio >= 1 else "✗"))
    print("\nPer round (driver / vpcd): " + "; ".join(
        "%.1f / %.1f processes, %.0f / %.0f C_Sign" % (results["driver"]["process"][i], results["vpcd"]["process"][i],
                                                       results["driver"]["session"][i], results["vpcd"]["session"][i])
        for i in range(options.rounds)))
    with open(options.headlines, "w") as handle:
        handle.write("\n".join(headlines) + "\n")


if __name__ == "__main__":
    try:
        main()
    except BenchError as error:
        sys.exit("bench_piv: %s" % error)
