#!/usr/bin/env python3
"""The dependency direction of src/evpipe, checked: each module may include only
the modules listed for it here (the one place the matrix lives; STYLE.md and
docs/architecture.md describe it). Also: librdkafka only in kafka (and the
tests), CLI11 only in cli, and a header ending in _internal.h only from its own
module. Fails with one line per offending #include."""
import os
import re
import sys

SRC = os.path.join(os.environ.get("EVPIPE_SOURCE_DIR", os.getcwd()), "src", "evpipe")

# module -> modules it may include (besides itself). A module is a folder under
# src/evpipe; broker/protocol, broker/storage and broker/batch are modules of their own.
ALLOWED = {
    "core": set(),
    "io": {"core"},
    "event": {"core"},
    "sim": {"core", "event"},
    "parquet": {"core", "io"},
    "kafka": {"core"},
    "sink": {"core", "io", "event", "kafka"},
    "broker/batch": {"core"},
    "broker/protocol": {"core", "broker/batch"},
    "broker/storage": {"core", "io", "broker/batch"},
    "broker": {"core", "io", "broker/batch", "broker/protocol", "broker/storage"},
    "iceberg": {"core", "io", "parquet"},
    "jobs": {"core", "io", "event", "sim", "parquet", "kafka", "iceberg"},
    "console": {"core", "io", "event", "kafka", "parquet", "iceberg", "jobs"},
    "cli": None,  # everything
}
# Third-party headers that only some modules may use.
RESTRICTED = {
    "librdkafka/": {"kafka"},
    "CLI/": {"cli"},
}

INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^">]+)[">]')


def module_of(rel):
    parts = rel.split("/")
    if len(parts) >= 3 and parts[0] == "broker" and parts[1] in ("protocol", "storage", "batch"):
        return "broker/" + parts[1]
    return parts[0]


def main():
    errors = []
    seen = set()
    for root, _, files in os.walk(SRC):
        for name in files:
            if not name.endswith((".h", ".cc")):
                continue
            path = os.path.join(root, name)
            rel = os.path.relpath(path, SRC)
            mod = module_of(rel)
            seen.add(mod)
            if mod not in ALLOWED:
                errors.append(f"{rel}: module '{mod}' is not in the matrix of tests/design/include_rules.py")
                continue
            is_test = name.endswith("_test.cc")
            with open(path, encoding="utf-8", errors="replace") as f:
                for line_no, line in enumerate(f, 1):
                    m = INCLUDE.match(line)
                    if not m:
                        continue
                    inc = m.group(1)
                    for prefix, mods in RESTRICTED.items():
                        if inc.startswith(prefix) and mod not in mods and not is_test:
                            errors.append(f"{rel}:{line_no}: <{inc}> may be used only by {sorted(mods)}")
                    if not inc.startswith("evpipe/"):
                        continue
                    target = module_of(inc[len("evpipe/"):])
                    if target == mod:
                        continue
                    if inc.endswith("_internal.h"):
                        errors.append(f"{rel}:{line_no}: {inc} is private to module {target}")
                    allowed = ALLOWED[mod]
                    if allowed is not None and target not in allowed and not is_test:
                        errors.append(f"{rel}:{line_no}: module {mod} may not include {inc} (allowed: {sorted(allowed)})")
    for e in errors:
        print(e)
    if errors:
        print(f"include_rules: {len(errors)} include(s) break the dependency direction", file=sys.stderr)
        return 1
    print(f"include_rules: {len(seen)} modules, every include follows the matrix")
    return 0


if __name__ == "__main__":
    sys.exit(main())
