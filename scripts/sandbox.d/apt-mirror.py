#!/usr/bin/python3
"""Print the Debian mirror URL that this machine's apt uses for SUITE (argv[1]).

Reads /etc/apt/sources.list and /etc/apt/sources.list.d/*.list (one-line form)
and *.sources (deb822 form), the same files apt reads, so debootstrap talks to
the mirror apt already uses instead of a guessed host.
"""
import glob
import re
import sys

suite = sys.argv[1] if len(sys.argv) > 1 else "bookworm"


def one_line(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            m = re.match(r"^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)\s+", line + " ")
            if m and m.group(2) == suite:
                yield m.group(1)


def deb822(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    for stanza in re.split(r"\n\s*\n", text):
        fields = {}
        for line in stanza.splitlines():
            if line.startswith("#") or ":" not in line or line[:1].isspace():
                continue
            key, _, value = line.partition(":")
            fields[key.strip().lower()] = value.strip()
        if fields.get("enabled", "yes").lower() == "no":
            continue
        if "deb" not in fields.get("types", "").split():
            continue
        if suite in fields.get("suites", "").split():
            for uri in fields.get("uris", "").split():
                yield uri


found = []
for path in ["/etc/apt/sources.list"] + sorted(glob.glob("/etc/apt/sources.list.d/*.list")):
    try:
        found.extend(one_line(path))
    except FileNotFoundError:
        pass
for path in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
    found.extend(deb822(path))

if not found:
    sys.exit(f"no apt source for suite {suite} in /etc/apt/sources.list*; set DEPLOY_KIT_DEBIAN_MIRROR")
print(found[0])
