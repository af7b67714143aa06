"""A collector's scan report keeps hosts apart (the terminal report and the HTML page): two hosts' incidents of
one unit and rule that begin at the same instant each show their own actions and their own evidence lines, and
one host's incident does not hide another host's matches below the rule's threshold.

Journals of two machines built with systemd-journal-remote, scanned by the real CLI. Before: the report keyed
actions, evidence and the below-threshold table by (rule, unit, key[, first hit]) without the machine, so both
incidents read "restart + alert + alert", each card quoted both hosts' lines, and web-7's two sub-threshold matches
vanished because alpha's incident of that unit and rule had fired."""

from __future__ import annotations

import json
import re
from pathlib import Path

from conftest import LOCAL_MACHINE, RuleWriter, entry, run_cli, simple_rule

REMOTE = "feedfacefeedfacefeedfacefeedface"


def test_two_hosts_at_one_instant_keep_their_own_actions_evidence_and_quiet_matches(
        make_journal, write_rule: RuleWriter, rules_dir: Path, tmp_path: Path) -> None:
    directory = tmp_path / "remote"
    directory.mkdir()
    for machine, host, blips in ((LOCAL_MACHINE, "alpha", 3), (REMOTE, "web-7", 2)):
        lines = [entry(f"BOOM on {host} #{i}", unit="api.service", at=i, _MACHINE_ID=machine, _HOSTNAME=host)
                 for i in range(2)]  # the same instants on both hosts
        lines += [entry(f"BLIP on {host} #{i}", unit="api.service", at=10 + i, _MACHINE_ID=machine,
                        _HOSTNAME=host) for i in range(blips)]
        make_journal(lines, name=f"remote/remote-{host}.journal")
    write_rule("boom", simple_rule(regex="^BOOM", count=2).replace('action = "alert"', 'action = "restart"'))
    write_rule("blip", simple_rule(regex="^BLIP", count=3))
    page = tmp_path / "report.html"
    done = run_cli("scan", "-D", str(directory), "--rules", str(rules_dir), "--no-shipped-rules", "--no-anomalies",
                   "--html", str(page))
    assert done.exit_code in (0, 1), done.output
    out = done.stdout
    # one block per incident (another machine's names it first); each says its own action
    blocks = [block for block in re.split(r"\n(?=╭)", out) if re.search(r"api\.service\s+boom", block)]
    assert len(blocks) == 2, out
    boom = {("web-7" if re.search(r"web-7 api\.service", block) else "alpha"): block for block in blocks}
    assert set(boom) == {"alpha", "web-7"}, out
    said = {host: re.findall(r"action: ([^│:\n]*?)(?::|\s*│)", block) for host, block in boom.items()}
    assert said == {"alpha": ["restart + alert (dry run)"], "web-7": ["alert (dry run)"]}, out
    flat = " ".join(boom["web-7"].replace("│", " ").split())  # and why another host's restart is not done here
    assert "action: alert (dry run): restart api.service on host web-7" in flat, out
    # web-7's two BLIP lines stay below the threshold of its own, counted in its failure's chain (which the table of
    # matches below their triggers then leaves out: Failure.tallies); alpha's blip incident says nothing of them
    assert re.search(r"blip \(2 lines in this failure, below its trigger\)\s*│\s*│\s*BLIP on web-7 #0",
                     boom["web-7"]), boom["web-7"]
    assert re.search(r"blip \(3 lines\)\s*BLIP on alpha #2", boom["alpha"]), boom["alpha"]
    assert "web-7" not in boom["alpha"] and "Matches below their trigger threshold" not in out, out
    # the page: each host's card quotes its own lines only
    html = page.read_text()
    cards = html.split('<div class="card"')[1:]
    for host, other in (("alpha", "web-7"), ("web-7", "alpha")):
        card = next(c for c in cards if "<code>boom</code>" in c and f" on {host}</h3>" in c)
        assert f"BOOM on {host} #0" in card and f"BOOM on {other}" not in card, card
        assert ("restart (dry run)" in card) == (host == "alpha"), card
    # the page lists the matches below threshold as the terminal report does, per host (helper U3: it had none)
    # (web-7's two are in its chain, which both leave out of that list: Failure.tallies)
    assert "Matches below their trigger threshold" not in html
    web = next(c for c in cards if "<code>boom</code>" in c and " on web-7</h3>" in c)
    assert "BLIP on web-7 #0" in web and "BLIP on alpha" not in web, web
    # the chart's matches per minute by unit: one trace per host of the unit (helper U3: one trace added both up)
    assert re.search(r'"name":"alpha (·|\\u00b7) api.service"', html) and \
        re.search(r'"name":"web-7 (·|\\u00b7) api.service"', html), re.findall(r'"name":"[^"]*"', html)


def test_hosts_without_a_hostname_are_told_apart_on_the_page_by_their_machine(
        make_journal, write_rule: RuleWriter, rules_dir: Path, tmp_path: Path) -> None:
    """Entries without `_HOSTNAME` (journal-remote files of hosts that send none, hand-made exports): the terminal
    names another machine's incident by its machine id; the page named neither, so its two cards of one unit and
    rule read alike, the actions table's host column was blank for both, and the timeline drew both on one row
    ('? · api.service'). Each is named by its machine id, as the below-threshold table does."""
    directory = tmp_path / "remote"
    directory.mkdir()
    for machine, name in ((LOCAL_MACHINE, "a"), (REMOTE, "b")):
        make_journal([entry(f"BOOM on {name} #{i}", unit="api.service", at=i, _MACHINE_ID=machine)
                      for i in range(2)], name=f"remote/remote-{name}.journal")
    write_rule("boom", simple_rule(regex="^BOOM", count=2))
    page = tmp_path / "report.html"
    done = run_cli("scan", "-D", str(directory), "--rules", str(rules_dir), "--no-shipped-rules", "--no-anomalies",
                   "--html", str(page))
    assert done.exit_code in (0, 1), done.output
    html = page.read_text()
    cards = html.split('<div class="card"')[1:]
    for machine, name in ((LOCAL_MACHINE, "a"), (REMOTE, "b")):
        [card] = [c for c in cards if f"BOOM on {name} #0" in c]
        assert f" on {machine}</h3>" in card, card
    rows = re.findall(r"<tr><td>[^<]*</td><td>([^<]*)</td><td>api\.service</td>", html)
    assert sorted(set(rows)) == sorted([LOCAL_MACHINE, REMOTE]), rows


def _syslog(path: Path, per_host: dict[str, int]) -> Path:
    """A central syslog server's file (RFC 3164, as rsyslog writes what it receives): each host's sshd failing
    password logins from one address, interleaved second by second."""
    lines = []
    for second in range(max(per_host.values())):
        for host, count in per_host.items():
            if second < count:
                lines.append(f"Dec  2 10:00:{10 + second:02d} {host} sshd[{1000 + second}]: Failed password for root "
                             f"from 203.0.113.9 port {40000 + second} ssh2")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_central_syslog_files_hosts_are_kept_apart(tmp_path: Path) -> None:
    """A text log has no _MACHINE_ID: every host's lines of one program went to one window (helper U3: two hosts
    with 6 failed logins each, below sshd-password-brute-force's 10, made one incident of 12 hits named after
    the second host, whose card quoted the first host's lines). Each host named by its lines is a machine of its
    own now (model.Entry.machine_id, `host:NAME`), and records still carry only what journald stamped."""
    below = run_cli("scan", "--file", str(_syslog(tmp_path / "below.log", {"web-7": 6, "db-1": 6})),
                    "--no-anomalies", "-o", "json")
    assert below.exit_code == 0, below.output
    records = [json.loads(line) for line in below.stdout.splitlines()]
    assert not [r for r in records if r["type"] == "incident"], records
    assert {(r["host"], r["machine_id"]) for r in records if r["type"] == "match"} == {("web-7", ""), ("db-1", "")}
    above = run_cli("scan", "--file", str(_syslog(tmp_path / "above.log", {"web-7": 11, "db-1": 12})),
                    "--no-anomalies", "-o", "json")
    records = [json.loads(line) for line in above.stdout.splitlines()]
    incidents = [(r["host"], r["machine_id"]) for r in records if r["type"] == "incident"]
    assert sorted(incidents) == [("db-1", ""), ("web-7", "")], records  # one each, at its own hits
    ended = {r["host"]: r["count"] for r in records if r["type"] == "incident_end"}
    assert ended == {"web-7": 11, "db-1": 12}, records
    page = tmp_path / "below.html"
    assert run_cli("scan", "--file", str(tmp_path / "below.log"), "--no-anomalies", "--html", str(page)).exit_code == 0
    assert "<p>No incident: no rule's trigger was reached.</p>" in page.read_text()  # (an empty heading before)
    terminal = run_cli("scan", "--file", str(tmp_path / "below.log"), "--no-anomalies").stdout
    for host in ("web-7", "db-1"):  # the rule id whole on its line, its key under it
        row = host + r"\s*│ \(sshd\)\s*│ sshd-password-brute-force\s*│\s*6 │.*\n.*│ \[203\.0\.113\.9\]"
        assert re.search("│ " + row, terminal), terminal
