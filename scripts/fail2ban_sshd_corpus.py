#!/usr/bin/env python3
"""Build tests/data/fail2ban_sshd.tsv from fail2ban's annotated sshd test logs.

fail2ban (https://github.com/fail2ban/fail2ban) labels every line of fail2ban/tests/files/logs/sshd and
sshd-journal with a `# failJSON:` comment (match true/false, the address it must ban) under
`# filterOptions:` blocks that say in which filter modes the labels hold. This script reads those two files
(from a git directory or a checkout) and writes one row per test line:

    label<TAB>address<TAB>origin<TAB>message

label: "flagged" (fail2ban's default mode, mode=normal, bans on it), "never" (no mode of fail2ban flags
it), "other-mode" (only the ddos/extra/aggressive modes flag it: scanner noise, not for signatures).
message: what journald stores in MESSAGE (the syslog header "date host sshd[pid]: " stripped, as journald
strips it); address: the host fail2ban's label names for a flagged line.

Usage: scripts/fail2ban_sshd_corpus.py GIT_DIR > tests/data/fail2ban_sshd.tsv
Only fail2ban's sample lines are copied (data), none of its code.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys

FILES = ("fail2ban/tests/files/logs/sshd", "fail2ban/tests/files/logs/sshd-journal")

HEADER = re.compile(
    r"^(?:<\d+>1 \S+ \S+ sshd \d+ - (?:-|(?:\[(?:[^\]\"]|\"[^\"]*\")*\])+) "  # RFC 5424
    r"|(?:(?:[A-Z][a-z]{2} +\d+ [\d:]+|\d{4}-\d\d-\d\dT\S+) )?(?:[\w.-]+ )?"  # date, host
    r"(?:\[sshd\]:? |sshd(?:-session)?\[\d+\]: |sshd: ))")


def default_options(options: list[dict]) -> list[dict]:
    return [opts for opts in options if opts.get("mode", "normal") == "normal"]


def holds(constraint: str | None, opts: dict) -> bool:
    if not constraint:
        return True
    return bool(eval(constraint, {}, {"opts": opts, "name": "sshd"}))  # fail2ban's own test expressions


def rows(text: str, origin: str):
    options: list[dict] = [{}]
    pending: list[dict] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if line.startswith("# filterOptions:"):
            value = json.loads(line.split(":", 1)[1])
            options = value if isinstance(value, list) else [value]
            continue
        if line.startswith("# failJSON:"):
            pending.append(ast.literal_eval(line.split(":", 1)[1].strip().replace("true", "True")
                                            .replace("false", "False").replace("null", "None")))
            continue
        if not line.strip() or line.startswith("#"):
            continue
        labels, pending = pending, []
        if not labels:
            continue
        found = HEADER.match(line)
        if not found:
            raise SystemExit(f"{origin}:{lineno}: no syslog header in {line!r}")
        message = line[found.end():]
        flagged_default = any(label["match"] and holds(label.get("constraint"), opts)
                              for label in labels for opts in default_options(options))
        flagged_any = any(label["match"] and holds(label.get("constraint"), opts)
                          for label in labels for opts in options)
        address = next((label.get("host") or label.get("ip4") or label.get("ip6") for label in labels
                        if label["match"] and (label.get("host") or label.get("ip4") or label.get("ip6"))), "")
        label = "flagged" if flagged_default else "other-mode" if flagged_any else "never"
        yield label, address if label != "never" else "", f"{origin.rsplit('/', 1)[1]}:{lineno}", message


def main() -> None:
    git_dir = sys.argv[1]
    print("# fail2ban's annotated sshd samples (fail2ban/tests/files/logs/sshd, sshd-journal; GPL-2.0 test data)")
    print("# label<TAB>address fail2ban bans<TAB>origin<TAB>MESSAGE. Built by scripts/fail2ban_sshd_corpus.py.")
    print("# flagged: fail2ban's default mode flags it; never: no mode flags it; other-mode: ddos/extra only.")
    for path in FILES:
        text = subprocess.run(["git", f"--git-dir={git_dir}", "show", f"HEAD:{path}"], check=True,
                              capture_output=True, text=True).stdout
        for row in rows(text, path):
            assert "\t" not in row[3] and "\n" not in row[3]
            print("\t".join(row))


if __name__ == "__main__":
    main()
