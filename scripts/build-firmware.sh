#!/usr/bin/env bash
# Builds the token firmware with Embedded Swift for a Cortex-M4/M7 class chip (armv7em), the way
# it would be flashed: the Foundation-free wire formats and everything under Firmware/, one module
# at a time in dependency order. Each module is emitted into .build-firmware/ and imported by the
# next through -I. This proves the code has no Foundation, no existentials that Embedded Swift
# rejects and no other host-only feature; nothing is linked (there is no board support package).
#
# Usage: scripts/build-firmware.sh        (from anywhere; SWIFTC overrides the compiler)
set -euo pipefail

cd "$(dirname "$0")/.."

if [[ -z "${SWIFTC:-}" ]]; then
    if command -v swiftc >/dev/null 2>&1; then
        SWIFTC=swiftc
    elif [[ -x /opt/swift/usr/bin/swiftc ]]; then
        SWIFTC=/opt/swift/usr/bin/swiftc
    else
        echo "build-firmware: swiftc not found (install Swift 6.3 or set SWIFTC)" >&2
        exit 1
    fi
fi

TARGET=armv7em-none-none-eabi
OUT=.build-firmware
mkdir -p "$OUT"

# NAME:FOLDER, in dependency order (each module may import the ones above it).
MODULES=(
    ISO7816:Sources/ISO7816
    USB:Sources/USB
    CCID:Sources/CCID
    USBIP:Sources/USBIP
    CardOS:Firmware/CardOS
    BankingProtocol:Sources/BankingProtocol
    PIVProtocol:Sources/PIVProtocol
    OATHProtocol:Sources/OATHProtocol
    BankingApplet:Firmware/BankingApplet
    PIVApplet:Firmware/PIVApplet
    OATHApplet:Firmware/OATHApplet
    TokenDevice:Firmware/TokenDevice
)

built=0
for entry in "${MODULES[@]}"; do
    name=${entry%%:*}
    dir=${entry#*:}
    files=()
    if [[ -d "$dir" ]]; then
        while IFS= read -r -d '' file; do files+=("$file"); done \
            < <(find "$dir" -type f -name '*.swift' -print0 | sort -z)
    fi
    if [[ ${#files[@]} -eq 0 ]]; then
        printf '%-16s skipped (no Swift files in %s)\n' "$name" "$dir"
        continue
    fi
    rm -f "$OUT/$name.o" "$OUT/$name.swiftmodule"
    if ! "$SWIFTC" -enable-experimental-feature Embedded -target "$TARGET" -wmo -parse-as-library -Osize \
        -module-name "$name" -package-name UKey -I "$OUT" \
        -emit-module -emit-module-path "$OUT/$name.swiftmodule" \
        -c -o "$OUT/$name.o" "${files[@]}"; then
        echo "build-firmware: $name ($dir) failed to build for $TARGET" >&2
        exit 1
    fi
    size=$(stat -c %s "$OUT/$name.o")
    printf '%-16s %8d bytes  %s (%d Swift files)\n' "$name" "$size" "$OUT/$name.o" "${#files[@]}"
    built=$((built + 1))
done

echo "firmware: $built modules built for $TARGET in $OUT/"
