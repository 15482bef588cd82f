#!/usr/bin/python3
"""Writes Sources/BankingProtocol/UnicodeTable.swift from Debian's `unicode-data` (Unicode 15.0).

Usage: /usr/bin/python3 scripts/gen-unicode-table.py [UCD_DIR]   (default /usr/share/unicode)

Reads UnicodeData.txt, EastAsianWidth.txt, DerivedCoreProperties.txt,
DerivedNormalizationProps.txt and CompositionExclusions.txt, refuses any other Unicode version,
and writes two sorted tables (docs/ARCHITECTURE.md, "Transfer fields"):

- `UnicodeTable.ranges`: `start << 5 | class`, one class per range up to the next start;
  the classes are `ScalarClass`'s raw values (Sources/BankingProtocol/ScalarClass.swift).
  East Asian Width A is refused, except a letter whose canonical decomposition is a narrow
  letter and Mn marks (é = e + U+0301): it takes its base's width, one column.
- `UnicodeTable.compositions`: `first << 21 | second` for every canonical composition pair
  (primary composites: canonical decompositions of two scalars, minus composition exclusions,
  singletons and non-starter decompositions).
"""
import os
import sys

VERSION = "15.0.0"
MARKER = 0x3E  # '>' starts every value line on the token's screen; no value may contain it.

# ScalarClass raw values; keep in step with ScalarClass.swift.
LETTER, LETTER_WIDE, MARK, SPACING_MARK, OTHER, OTHER_WIDE, SPACE = 1, 2, 3, 4, 5, 6, 7
UNASSIGNED, NONCHARACTER, CONTROL, FORMAT, SURROGATE, PRIVATE_USE = 16, 17, 18, 19, 20, 21
SEPARATOR, DEFAULT_IGNORABLE, CONJOINING_JAMO, AMBIGUOUS_WIDTH, NOT_NFC, RESERVED_MARKER = 22, 23, 24, 25, 26, 27
WIDE_SPACING_MARK = 28


def lines(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                yield [field.strip() for field in line.split(";")]


def code_range(text):
    if ".." in text:
        low, high = text.split("..")
        return int(low, 16), int(high, 16)
    return int(text, 16), int(text, 16)


def check_version(ucd):
    for name in ("DerivedCoreProperties.txt", "EastAsianWidth.txt", "DerivedNormalizationProps.txt",
                 "CompositionExclusions.txt"):
        with open(os.path.join(ucd, name), encoding="utf-8") as f:
            first = f.readline()
        if f"-{VERSION}.txt" not in first:
            sys.exit(f"gen-unicode-table: {name} is not Unicode {VERSION} ({first.strip()!r}); "
                     "install Debian's unicode-data 15.0")
    with open(os.path.join(ucd, "ReadMe.txt"), encoding="utf-8") as f:
        if f"Version {VERSION} of the Unicode Standard" not in f.read():
            sys.exit(f"gen-unicode-table: {ucd}/ReadMe.txt does not say Unicode {VERSION}")


def main():
    ucd = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/unicode"
    check_version(ucd)

    category = {}
    decomposition = {}
    combining = {}
    first_of_range = None
    for fields in lines(os.path.join(ucd, "UnicodeData.txt")):
        code, name, cat = int(fields[0], 16), fields[1], fields[2]
        if name.endswith(", First>"):
            first_of_range = code
            continue
        start = first_of_range if name.endswith(", Last>") else code
        first_of_range = None
        for c in range(start, code + 1):
            category[c] = cat
            combining[c] = int(fields[3])
        if fields[5] and not fields[5].startswith("<"):
            decomposition[code] = [int(part, 16) for part in fields[5].split()]

    width = {}
    for fields in lines(os.path.join(ucd, "EastAsianWidth.txt")):
        low, high = code_range(fields[0])
        for c in range(low, high + 1):
            width[c] = fields[1]

    ignorable = set()
    for fields in lines(os.path.join(ucd, "DerivedCoreProperties.txt")):
        if fields[1] == "Default_Ignorable_Code_Point":
            low, high = code_range(fields[0])
            ignorable.update(range(low, high + 1))

    nfc_no = set()
    full_exclusion = set()
    for fields in lines(os.path.join(ucd, "DerivedNormalizationProps.txt")):
        if fields[1] == "NFC_QC" and fields[2] == "N":
            low, high = code_range(fields[0])
            nfc_no.update(range(low, high + 1))
        if fields[1] == "Full_Composition_Exclusion":
            low, high = code_range(fields[0])
            full_exclusion.update(range(low, high + 1))

    exclusions = set()
    for fields in lines(os.path.join(ucd, "CompositionExclusions.txt")):
        low, high = code_range(fields[0])
        exclusions.update(range(low, high + 1))

    def full_decomposition(c):
        if c not in decomposition:
            return [c]
        return [d for part in decomposition[c] for d in full_decomposition(part)]

    def has_narrow_base(c):
        base, *marks = full_decomposition(c)
        return (base != c and category.get(base, "Cn")[0] == "L" and width.get(base, "N") in ("N", "Na")
                and all(category.get(m) == "Mn" for m in marks))

    def jamo(c):
        return 0x1100 <= c <= 0x11FF or 0xA960 <= c <= 0xA97F or 0xD7B0 <= c <= 0xD7FF

    def classify(c):
        if c == 0x20:
            return SPACE
        if c == MARKER:
            return RESERVED_MARKER
        if (0xFDD0 <= c <= 0xFDEF) or (c & 0xFFFE) == 0xFFFE:
            return NONCHARACTER
        cat = category.get(c, "Cn")
        if cat == "Cn":
            return UNASSIGNED
        if cat == "Cs":
            return SURROGATE
        if cat == "Co":
            return PRIVATE_USE
        if cat == "Cc":
            return CONTROL
        if cat == "Cf":
            return FORMAT
        if cat[0] == "Z":
            return SEPARATOR
        if c in ignorable:
            return DEFAULT_IGNORABLE
        if jamo(c):
            return CONJOINING_JAMO
        if c in nfc_no:
            return NOT_NFC
        if cat in ("Mn", "Me"):
            return MARK
        eaw = width.get(c, "N")
        if eaw == "A":
            # A precomposed letter is canonically its base letter and marks (é = e + U+0301): it
            # takes its base's width, so one with a narrow base (Latin é ü ā ǎ, pinyin) is narrow.
            # Every other ambiguous scalar (æ ø ß, Greek, Cyrillic, ± × box drawing) is refused.
            if cat[0] == "L" and has_narrow_base(c):
                return LETTER
            return AMBIGUOUS_WIDTH
        wide = eaw in ("W", "F")
        if cat == "Mc":
            return WIDE_SPACING_MARK if wide else SPACING_MARK
        if cat[0] == "L":
            return LETTER_WIDE if wide else LETTER
        if cat[0] in "NPS":
            return OTHER_WIDE if wide else OTHER
        sys.exit(f"gen-unicode-table: U+{c:04X} has unexpected category {cat}")

    ranges = []
    previous = None
    for c in range(0x110000):
        cls = classify(c)
        if cls != previous:
            ranges.append((c, cls))
            previous = cls

    compositions = []
    for composite, parts in decomposition.items():
        if len(parts) != 2 or composite in exclusions or combining.get(parts[0], 0) != 0:
            continue
        compositions.append((parts[0], parts[1]))
    compositions.sort()
    primary = sorted(tuple(decomposition[c]) for c in decomposition if c not in full_exclusion)
    if primary != compositions:
        sys.exit("gen-unicode-table: composition pairs disagree with Full_Composition_Exclusion")

    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Sources", "BankingProtocol",
                       "UnicodeTable.swift")
    with open(out, "w", encoding="utf-8") as f:
        f.write("// Generated by scripts/gen-unicode-table.py from Debian's unicode-data "
                f"(Unicode {VERSION}). Do not edit.\n\n")
        f.write("/// The Unicode 15.0 data the transfer rules need (docs/ARCHITECTURE.md, \"Transfer fields\").\n")
        f.write("enum UnicodeTable {\n")
        f.write(f"    /// `start << 5 | class` ({len(ranges)} ranges, sorted): each ``ScalarClass`` holds from its\n"
                "    /// start up to the next entry's start.\n")
        f.write("    static let ranges: [UInt32] = [\n")
        write_numbers(f, [start << 5 | cls for start, cls in ranges], 6)
        f.write("    ]\n\n")
        f.write(f"    /// `first << 21 | second` for the {len(compositions)} canonical composition pairs (sorted):\n"
                "    /// NFC would replace `first` followed by `second` with one precomposed scalar.\n")
        f.write("    static let compositions: [UInt64] = [\n")
        write_numbers(f, [a << 21 | b for a, b in compositions], 6)
        f.write("    ]\n}\n")
    print(f"gen-unicode-table: {len(ranges)} ranges, {len(compositions)} composition pairs -> {os.path.normpath(out)}")


def write_numbers(f, numbers, per_line):
    for i in range(0, len(numbers), per_line):
        f.write("        " + " ".join(f"0x{n:X}," for n in numbers[i:i + per_line]) + "\n")


if __name__ == "__main__":
    if sys.version_info < (3, 7):
        sys.exit("gen-unicode-table: needs Python 3.7 or later")
    main()
