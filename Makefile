# UKey — build, test and run. `make demo` and `make test` are all a fresh Debian 12 machine needs:
# both install the missing apt packages first (see `deps`).

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := build

# Swift 6.3 lives in /opt/swift on our machines; use it when swift is not already on PATH.
SWIFT ?= swift
ifeq ($(shell command -v $(SWIFT) 2>/dev/null),)
  ifneq ($(wildcard /opt/swift/usr/bin/swift),)
    export PATH := /opt/swift/usr/bin:$(PATH)
  endif
endif
SWIFT_BUILD_FLAGS ?=

# apt packages. DEBS: what the package builds against today, and unicode-data (Unicode 15.0) for
# scripts/gen-unicode-table.py. INTEGRATION_DEBS: what the pcscd, driver, vpcd and USB tests of
# later issues need; `deps` installs both sets already.
DEBS ?= libssl-dev pkg-config openssl unicode-data libsqlite3-dev libpq-dev postgresql
INTEGRATION_DEBS ?= libpcsclite-dev libusb-1.0-0-dev pcscd libccid pcsc-tools opensc \
	python3-pyscard vsmartcard-vpcd umockdev gir1.2-umockdev-1.0 python3-gi \
	opensc-pkcs11 yubico-piv-tool libengine-pkcs11-openssl p11-kit p11-kit-modules gnutls-bin curl python3-pykcs11
# valgrind: `make bench`'s instructions per APDU of our driver and of libccid (callgrind).
INTEGRATION_DEBS += valgrind
# tshark decodes the emulator's USB captures in the capture tests (issue 20). Its wireshark-common
# asks a debconf question (may non-root users capture?); `deps` installs with
# DEBIAN_FRONTEND=noninteractive, which keeps the default: no.
INTEGRATION_DEBS += tshark
APT_GET ?= apt-get
# Issue 19's stock OATH clients (Debian's ykman 4.0.9, oathtool) and what `make ykman-venv` needs
# to build PyPI's ykman 5.x (pyscard compiles against libpcsclite).
INTEGRATION_DEBS += yubikey-manager oathtool python3-venv python3-dev

TEST_LOG ?= .build/test.log
# `make test`'s build output, checked for warnings (scripts/check-warnings.sh).
BUILD_LOG ?= .build/build.log
# `make soak`: APDUs per client (8 clients); `make test` runs the same soak with 250.
SOAK_APDUS ?= 20000
SOAK_LOG ?= .build/soak.log
# `make bench` writes this report (committed; regenerated on every run).
BENCH_REPORT ?= bench/REPORT.md
# `make oracle-check`: DECIPHERs per padding class (7 classes, in random order).
ORACLE_SAMPLES ?= 10000


# Fuzzing (DEVELOPERS.md, "Fuzzing"): every target, FUZZ_SECONDS each; `make test` runs each for
# FUZZ_SMOKE_SECONDS.
FUZZ_TARGETS ?= FuzzCommandAPDU FuzzTLV FuzzATR FuzzCCID FuzzUSBIP FuzzVPCDFraming FuzzDriverReplies FuzzBankingApplet
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 5

# The sanitizer runs (`make test-sanitize`): the unit and in-process suites, without the ones that
# start pcscd, vpcd or the emulator as processes.
SANITIZE_SKIP ?= PCSCDEndToEndTests|MisbehavingDeviceThroughPCSCDTests|UMockdevTests|EmulatorProcessTests|CrashSafetyTests|TerminalConfirmationTests|PCSCDCommandLineTests|PCSCDEmulatorTests|VPCDInteropTests|VPCDProcessInteropTests|VPCDBenchmarkTests|PCSCIntegrationTests|PCSCFlowTests|RemovalDuringConfirmationTests|CLIOnTokenTests|APDUThroughVPCDTests|SecretInputTests|SoakTests|LocalAttackerTests|TraceLeakTests|PIVInteropTests|PIVCLITests
SANITIZE_LOG ?= .build/sanitize.log

.PHONY: deps build test soak firmware bench oracle-check demo demo-in-process clean help fuzz fuzz-smoke fuzz-seeds test-sanitize

help:
	@echo "make demo      install what is missing, build and run the demo"
	@echo "make test      install what is missing, build, run all tests, build the firmware"
	@echo "make build     debug build (swift build)"
	@echo "make soak      8 clients x 20,000 APDUs through pcscd + driver to 4 emulated tokens"
	@echo "make firmware  Embedded Swift build of the firmware for armv7em (scripts/build-firmware.sh)"
	@echo "make fuzz      run every libFuzzer target for FUZZ_SECONDS (default 60) each"
	@echo "make fuzz-seeds  rewrite the seed corpora (Fuzz/*/corpus) from the targets' own serializers"
	@echo "make test-sanitize  unit and in-process tests under AddressSanitizer, then ThreadSanitizer"
	@echo "make bench     release build of ukey-bench, run it, write bench/REPORT.md"
	@echo "make oracle-check  DECIPHER padding-oracle check: status word, length and timing per padding class"
	@echo "make deps      install the missing apt packages"
	@echo "make clean     remove build products"

# Installs only what is missing; runs apt-get update first, and only when something is missing.
deps:
	@missing=""; \
	for pkg in $(DEBS) $(INTEGRATION_DEBS); do \
	    status=$$(dpkg -s "$$pkg" 2>/dev/null || true); \
	    case "$$status" in *"Status: install ok installed"*) ;; *) missing="$$missing $$pkg" ;; esac; \
	done; \
	if [ -z "$$missing" ]; then echo "deps: all apt packages present"; exit 0; fi; \
	echo "deps: missing:$$missing"; \
	if [ "$$(id -u)" -ne 0 ]; then \
	    echo "deps: not root; run as root:" >&2; \
	    echo "  $(APT_GET) update && DEBIAN_FRONTEND=noninteractive $(APT_GET) install -y --no-install-recommends$$missing" >&2; \
	    exit 1; \
	fi; \
	export DEBIAN_FRONTEND=noninteractive; \
	$(APT_GET) update </dev/null; \
	$(APT_GET) install -y --no-install-recommends $$missing </dev/null

build: deps
	$(SWIFT) build $(SWIFT_BUILD_FLAGS)

# Checks every target's imports against Package.swift, builds everything (output also in
# $(BUILD_LOG); fails on a compiler warning), runs every test (output also in $(TEST_LOG); the exit
# code is swift test's), then each fuzz target for a few seconds, then the Embedded firmware build.
test: deps
	scripts/check-target-imports.py $(SWIFT)
	@mkdir -p $(dir $(BUILD_LOG)) $(dir $(TEST_LOG))
	$(SWIFT) build --build-tests $(SWIFT_BUILD_FLAGS) 2>&1 | tee $(BUILD_LOG)
	scripts/check-warnings.sh $(BUILD_LOG)
	$(SWIFT) test $(SWIFT_BUILD_FLAGS) 2>&1 | tee $(TEST_LOG)
	$(MAKE) fuzz-smoke
	$(MAKE) firmware

# Builds every fuzz target once (one sanitizer build in .build-fuzz/sanitizer), then runs each for
# FUZZ_SECONDS: one line per target with its exec count; fails if any target crashed.
fuzz: deps
	scripts/fuzz.sh --build-only
	@failed=""; \
	for target in $(FUZZ_TARGETS); do \
	    FUZZ_NO_BUILD=1 scripts/fuzz.sh "$$target" $(FUZZ_SECONDS) || failed="$$failed $$target"; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz: crashes in$$failed" >&2; exit 1; fi

fuzz-smoke:
	$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(FUZZ_SMOKE_SECONDS)

fuzz-seeds:
	$(SWIFT) build $(SWIFT_BUILD_FLAGS)
	@bin="$$($(SWIFT) build $(SWIFT_BUILD_FLAGS) --show-bin-path)"; \
	for target in $(filter-out FuzzDriverReplies,$(FUZZ_TARGETS)); do \
	    "$$bin/$$target" --seeds "Fuzz/$${target#Fuzz}/corpus"; \
	done
	python3 Fuzz/make_corpus.py

# The unit and in-process tests under AddressSanitizer and under ThreadSanitizer, each in its own
# scratch path (output also in $(SANITIZE_LOG)).
test-sanitize: deps
	@mkdir -p $(dir $(SANITIZE_LOG))
	@: > $(SANITIZE_LOG)
	LSAN_OPTIONS=suppressions=$(CURDIR)/scripts/lsan-suppressions.txt \
	    $(SWIFT) test $(SWIFT_BUILD_FLAGS) --scratch-path .build-asan -Xswiftc -sanitize=address \
	    --skip '$(SANITIZE_SKIP)' 2>&1 | tee -a $(SANITIZE_LOG)
	TSAN_OPTIONS=suppressions=$(CURDIR)/scripts/tsan-suppressions.txt \
	    $(SWIFT) test $(SWIFT_BUILD_FLAGS) --scratch-path .build-tsan -Xswiftc -sanitize=thread \
	    --skip '$(SANITIZE_SKIP)' 2>&1 | tee -a $(SANITIZE_LOG)

# The full soak (issue 7): 8 pyscard clients × $(SOAK_APDUS) APDUs in PC/SC transactions through a
# private pcscd and libifd-ukey.so to `ukey emulator run --tokens 4` (SoakTests in
# Tests/UKeyEmulatorTests). Output also in $(SOAK_LOG); the exit code is swift test's.
soak: deps
	$(SWIFT) build --build-tests $(SWIFT_BUILD_FLAGS)
	@mkdir -p $(dir $(SOAK_LOG))
	UKEY_SOAK_APDUS=$(SOAK_APDUS) $(SWIFT) test --skip-build $(SWIFT_BUILD_FLAGS) --filter SoakTests 2>&1 | tee $(SOAK_LOG)

firmware:
	scripts/build-firmware.sh

# PyPI's yubikey-manager 5.x in a venv under .build/ (OATHInteropTests drive it beside Debian's 4.0.9).
YKMAN_VENV ?= .build/ykman-venv
.PHONY: ykman-venv
ykman-venv: $(YKMAN_VENV)/bin/ykman
$(YKMAN_VENV)/bin/ykman:
	/usr/bin/python3 -m venv $(YKMAN_VENV)
	$(YKMAN_VENV)/bin/pip install --quiet 'yubikey-manager>=5,<6'
test: ykman-venv

bench: deps
	$(SWIFT) build -c release --product ukey $(SWIFT_BUILD_FLAGS)
	$(SWIFT) build -c release --product ifd-ukey $(SWIFT_BUILD_FLAGS)
	$(SWIFT) build -c release --product ukey-bench $(SWIFT_BUILD_FLAGS)
	$(SWIFT) build -c release --product ukey-bank $(SWIFT_BUILD_FLAGS)
	@mkdir -p $(dir $(BENCH_REPORT))
	SWIFT=$(SWIFT) scripts/bench-report.sh "$$($(SWIFT) build -c release $(SWIFT_BUILD_FLAGS) --show-bin-path)" $(BENCH_REPORT)

# The DECIPHER padding-oracle check (issue 13; not in `make test`, because it measures time): a
# release ukey-bench sends ORACLE_SAMPLES DECIPHERs of each padding class, interleaved at random, to
# a token in memory; fails unless every answer is 9000 with Ne bytes and every Welch |t| < 4.5.
oracle-check: deps
	$(SWIFT) build -c release --product ukey-bench $(SWIFT_BUILD_FLAGS)
	"$$($(SWIFT) build -c release $(SWIFT_BUILD_FLAGS) --show-bin-path)/ukey-bench" --oracle-check --samples $(ORACLE_SAMPLES)

# The demo: an emulated token behind a private pcscd with our driver, driven through `ukey`
# (scripts/demo.sh). `make demo-in-process` runs the same banking flow with the firmware in-process.
demo: deps
	$(SWIFT) build --product ukey $(SWIFT_BUILD_FLAGS)
	$(SWIFT) build --product ifd-ukey $(SWIFT_BUILD_FLAGS)
	scripts/demo.sh "$$($(SWIFT) build $(SWIFT_BUILD_FLAGS) --show-bin-path)"

demo-in-process: deps
	$(SWIFT) run -c debug $(SWIFT_BUILD_FLAGS) ukey-bench --demo

clean:
	rm -rf .build .build-firmware .build-fuzz .build-asan .build-tsan
