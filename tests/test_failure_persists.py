"""failure-template-persists: a known line that says a failure word, at info level, going on far longer than it ever
did. A service that hangs while it logs its retry line for hours at info (the level its stdout gets) was missed by
every rule when its history held short blips of that line: not new, not at error or warning level, no faster than
in the blips (helper-140's trial). Real journal files built with systemd-journal-remote, scanned with the anomaly
rules only. In the same journal must stay quiet: a unit with the same blips only, a chatty info template without
failure words that runs for an hour past its blips, a cron-like and an sshd-like intermittent unit."""

from __future__ import annotations

import random
from pathlib import Path

from conftest import entry, json_events, of_type, run_cli
from test_anomaly import HOUR, by_time, steady

ROOT = Path(__file__).resolve().parent.parent
DAY = 24 * HOUR
FAIL = 3 * DAY + 12 * HOUR
RULE = "failure-template-persists"


def timesyncd(at: float, n: int) -> dict:
    """systemd-timesyncd's log_info() when a server does not answer (timesyncd-manager.c), at PRIORITY 6."""
    return entry(f"Timed out waiting for reply from 192.0.2.{n % 4 + 1}:123 (ntp.example.org).",
                 "systemd-timesyncd.service", at, 6)


def app(unit: str, at: float, n: int) -> dict:
    """A Go service's logfmt retry line on stdout: PRIORITY 6, its own level info."""
    return entry(f'level=info msg="upstream unavailable, retrying" attempt={n} backoff=5s', unit, at, 6)


def run(make: object, start: float, seconds: float, every: float, seed: int) -> list[dict]:
    """A run of one line every `every` s (jittered) for `seconds`: `make(at, n)`."""
    rng, lines, at, n = random.Random(seed), [], start, 0
    while at < start + seconds:
        lines.append(make(at, n))  # type: ignore[operator]
        at += every * rng.uniform(0.8, 1.2)
        n += 1
    return lines


def blips(make: object, every: float, seed: int, end: float = FAIL) -> list[dict]:
    """Twice a day a short blip of the line (a failover, a restart): 20 s to 2 min at its cadence; the first in the
    unit's first hour (so no new-template rule, warm only after it, takes it for news)."""
    rng = random.Random(seed)
    lines = run(make, 600, 60, every, seed - 1)
    for day in range(4):
        for hour in (3, 15):
            start = day * DAY + hour * HOUR + rng.uniform(0, 2 * HOUR)
            if start < end:
                lines += run(make, start, rng.uniform(20, 120), every, seed + day * 24 + hour)
    return lines


def cron(end: float) -> list[dict]:
    """cron's hourly job: its session and CMD lines (cron.c, pam_unix), an hour apart."""
    lines = []
    for k in range(int(end // HOUR)):
        at = k * HOUR + 60
        lines += [entry("pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)", "cron.service",
                        at),
                  entry("(root) CMD (cd / && run-parts --report /etc/cron.hourly)", "cron.service", at + 0.01),
                  entry("pam_unix(cron:session): session closed for user root", "cron.service", at + 0.3)]
    return lines


def sshd(end: float) -> list[dict]:
    """sshd on the internet: scanners' tries at random (about 4 an hour), each a few failed logins at info."""
    rng, lines, at = random.Random(21), [], 0.0
    while at < end:
        at += rng.expovariate(4 / HOUR)
        ip, user = f"203.0.113.{rng.randint(1, 254)}", rng.choice(["admin", "test", "oracle", "ubuntu"])
        for k in range(rng.randint(1, 6)):
            lines.append(entry(f"Failed password for invalid user {user} from {ip} port {rng.randint(30000, 65000)} "
                               "ssh2", "ssh.service", at + 3 * k, 6))
        lines.append(entry(f"Connection closed by invalid user {user} {ip} port {rng.randint(30000, 65000)} "
                           "[preauth]", "ssh.service", at + 20, 6))
    return lines


def journal_lines() -> tuple[list[dict], dict[str, list[dict]]]:
    """Everything, and the two hangs' lines by unit: from FAIL, timesyncd's line every 32 s for an hour (the NTP
    server blocked) and the app's every 5 s; their twins must not fire."""
    end = FAIL + 90 * 60
    hangs = {"systemd-timesyncd.service": run(timesyncd, FAIL, HOUR, 32, 5),
             "orders.service": run(lambda at, n: app("orders.service", at, n), FAIL, HOUR, 5, 6)}
    lines = by_time(
        steady("systemd-timesyncd.service", 0, end, 2 * HOUR, "Contacted time server 192.0.2.{n}:123 "
               "(ntp.example.org).", seed=2),
        blips(timesyncd, 32, 30), hangs["systemd-timesyncd.service"],
        steady("orders.service", 0, end, 20, seed=3), blips(lambda at, n: app("orders.service", at, n), 5, 40),
        hangs["orders.service"],
        # the same blips only, then one more as long as they always were
        steady("billing.service", 0, end, 20, seed=4), blips(lambda at, n: app("billing.service", at, n), 5, 50,
                                                             end=end),
        # a chatty info template without failure words: blips, then an hour of it (a cache rebuilt slowly)
        steady("cache.service", 0, end, 30, "served key {n} in {ms}ms", seed=5),
        blips(lambda at, n: entry(f"refreshed {n} entries from upstream", "cache.service", at, 6), 5, 60),
        run(lambda at, n: entry(f"refreshed {n} entries from upstream", "cache.service", at, 6), FAIL, HOUR, 5, 7),
        cron(end), sshd(end))
    return lines, hangs


def scan(journal: Path, rules: Path) -> list[dict]:
    result = run_cli("scan", "--file", str(journal), "--no-shipped-rules", "--rules", str(rules), "-o", "json")
    assert result.exit_code == 0, result.output
    return of_type(json_events(result), "incident")


def fired_at(hang: list[dict]) -> int:
    """The hang's first line past 20 minutes of its run (the floor: twice its 2-minute blips is less)."""
    start = int(hang[0]["__REALTIME_TIMESTAMP"])
    return next(int(e["__REALTIME_TIMESTAMP"]) for e in hang if int(e["__REALTIME_TIMESTAMP"]) - start > 1_200_000_000)


def test_a_known_info_failure_line_going_on_is_caught_and_its_twins_are_not(make_journal):
    """Both hangs fire at their first line past the 20-minute floor; nothing else fires (no line anywhere is at
    warning level or worse, every template is known: only how long the failure lines go on differs)."""
    lines, hangs = journal_lines()
    incidents = scan(make_journal(lines), ROOT / "rules" / "anomaly")
    assert sorted((i["rule"], i["unit"], i["first_usec"]) for i in incidents) == sorted(
        (RULE, unit, fired_at(hang)) for unit, hang in hangs.items())
    why = {i["unit"]: i["why"] for i in incidents}
    assert "its longest run" in why["orders.service"] and why["orders.service"].endswith(', saying "unavailable"')
    assert why["systemd-timesyncd.service"].endswith(', saying "Timed out"')


def test_the_words_keep_the_chatty_twin_quiet(make_journal, tmp_path: Path):
    """The twins are a test: the same rule without its words fires on the cache's hour of "refreshed N entries"
    too (its blips were as short), so the words are what keeps it quiet."""
    text = (ROOT / "rules" / "anomaly" / f"{RULE}.toml").read_text()
    start = text.index("words = [")
    (tmp_path / f"{RULE}.toml").write_text(text[:start] + text[text.index("]\n", start) + 2:])
    lines, _ = journal_lines()
    units = {i["unit"] for i in scan(make_journal(lines), tmp_path) if i["rule"] == RULE}
    assert units == {"systemd-timesyncd.service", "orders.service", "cache.service"}
