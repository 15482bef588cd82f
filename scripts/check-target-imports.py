#!/usr/bin/env python3
"""Checks every target's imports against its declared dependencies in Package.swift.

Reads the manifest through `swift package dump-package`, then each target's Swift files.
Reports, per target, an import of a package module it does not declare (it builds only by
luck of the build order) and a declared target dependency it never imports. Exits 1 on either.
System modules (Foundation, Glibc, Testing, ...) are not package modules and are ignored.
Usage: scripts/check-target-imports.py [SWIFT]
"""
import json, os, re, subprocess, sys

swift = sys.argv[1] if len(sys.argv) > 1 else "swift"
package = json.loads(subprocess.run([swift, "package", "dump-package"], check=True, capture_output=True, text=True).stdout)
# Modules of package dependencies' products that targets import.
module_of_product = {"ArgumentParser": "ArgumentParser", "Hummingbird": "Hummingbird", "HummingbirdTLS": "HummingbirdTLS", "Logging": "Logging", "Metrics": "Metrics",
                     "Prometheus": "Prometheus"}
targets = {t["name"]: t for t in package["targets"]}
import_line = re.compile(r"^\s*(?:@testable\s+|@_exported\s+|@preconcurrency\s+)*import\s+(?:(?:struct|class|enum|protocol|func|var|let|typealias)\s+)?([A-Za-z_][A-Za-z0-9_]*)", re.M)

def path_of(target):
    if target.get("path"):
        return target["path"]
    return ("Tests/" if target["type"] == "test" else "Sources/") + target["name"]

problems = []
for name, target in sorted(targets.items()):
    if target["type"] == "system":
        continue
    declared = set()
    for dependency in target.get("dependencies", []):
        kind, value = next(iter(dependency.items()))
        declared.add(value[0])
    imported = set()
    root = path_of(target)
    excluded = [os.path.join(root, e) for e in target.get("exclude", [])]
    for directory, _, files in os.walk(root):
        if any(directory == e or directory.startswith(e + "/") for e in excluded):
            continue
        for file in files:
            if file.endswith(".swift"):
                with open(os.path.join(directory, file), encoding="utf-8") as source:
                    imported |= set(import_line.findall(source.read()))
    known = set(targets) | set(module_of_product)
    undeclared = sorted((imported & known) - declared - {name})
    unused = sorted(d for d in declared - imported if d in targets)
    if undeclared:
        problems.append(f"{name}: imports {', '.join(undeclared)} without declaring it")
    if unused:
        problems.append(f"{name}: declares {', '.join(unused)} and never imports it")

# The server stack (NIO, Hummingbird, swift-log, swift-metrics, Prometheus) belongs to the bank service
# alone: `ukey` (UKeyCLI) and libifd-ukey.so (UKeyDriver) must not reach it through any target.
server_packages = {"hummingbird", "swift-nio", "swift-nio-ssl", "swift-log", "swift-metrics", "swift-prometheus"}
def closure(name, seen=None):
    seen = set() if seen is None else seen
    packages = set()
    for dependency in targets[name].get("dependencies", []):
        kind, value = next(iter(dependency.items()))
        if kind == "product":
            packages.add(value[1])
        elif value[0] in targets and value[0] not in seen:
            seen.add(value[0])
            packages |= closure(value[0], seen)
    return packages
for lean in ("UKeyCLI", "UKeyDriver", "UKey", "UKeyBank"):
    reached = sorted(closure(lean) & server_packages)
    if reached:
        problems.append(f"{lean}: its dependency closure reaches the server stack ({', '.join(reached)})")

print("\n".join(problems) if problems else "target imports: every import declared, every dependency imported")
sys.exit(1 if problems else 0)
