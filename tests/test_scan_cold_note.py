"""A scan whose anomaly rules judged nothing says so, instead of a plain all-clear (helper F2's trial: `scan -p err`
and a short `--since` found 0 incidents where the plain scan found 3, and nothing said why: the units had too
little history in what was read, which -p, -u and --since narrow). Real journal files (systemd-journal-remote)."""

from __future__ import annotations

from conftest import entry, run_cli
from test_anomaly import ANOMALY_RULES, HOUR, by_time, steady

UNIT = "billing.service"
FAIL = 30 * HOUR


def journal(make_journal):
    normal = steady(UNIT, 0, FAIL + HOUR, 20, "charged card {n} in {ms}ms")
    failing = [entry(f"ERROR invoice store: write failed: connection reset by peer (attempt {n})", unit=UNIT,
                     at=FAIL + 10 * n, priority=3) for n in range(5)]
    return make_journal(by_time(normal, failing))


def text(*args: str) -> str:
    result = run_cli("scan", *args, "--no-shipped-rules", "--rules", str(ANOMALY_RULES))
    assert result.exit_code == 0, result.output
    return " ".join(result.stdout.split())  # rich wraps at the terminal's width


def test_a_scan_of_too_little_history_says_its_anomaly_rules_judged_nothing(make_journal):
    path = str(journal(make_journal))
    whole = text("--file", path)
    assert "new-error-template" in whole and "judged no line" not in whole  # the unit had 30 h of history
    narrow = text("--file", path, "-p", "err")  # the error lines alone: 5 entries of history
    # (each rule its own warm-up: the least with its rule, then the others', as `rules show` says each: nu76's 4)
    assert "Anomaly rules needing history (10m, 200 entries of a unit for error-share-jump, 1h or more for the " \
           "other " in narrow, narrow
    # (only the options given are blamed: newuser78's finding 7)
    assert ") judged nothing here: -p narrowed what was read; scan a longer range." in narrow, narrow
    # (the persistence rules: a journal's lines wait for their unit's warm-up for the rules that judge excerpts)
    assert "new-error-template" not in narrow
    assert "Nothing found." not in narrow
    assert narrow.endswith("Nothing found by the signature rules."), narrow  # (the verdict last, nu230's 9)


def test_a_paste_whose_fatal_line_fired_says_which_anomaly_rules_judged_it(tmp_path):
    """A program's log pasted as text: new-fatal-template judges from the first line and fired; the note then
    names it instead of saying the anomaly rules judged nothing (helper-118's trial: the two read as a
    contradiction)."""
    paste = tmp_path / "api.log"
    paste.write_text("2024-03-01 10:00:00 INFO api: listening on :8080\n"
                     "2024-03-01 10:00:01 FATAL api: cannot open /var/lib/api/db: permission denied\n")
    said = text("--file", str(paste))
    assert "new-fatal-template" in said.split("Anomaly rules")[0], said
    assert "Anomaly rules needing history (10m, 200 entries of a unit for error-share-jump, 1h or more for the " \
           "other " in said, said
    assert "; new-fatal-template needs none) judged nothing here" in said, said  # the one that fired, named
    # a paste holds only what was pasted: no -p/-u/--since advice, which would narrow it further
    assert "nothing here: scan a longer log or the host's journal." in said and "--since" not in said, said
    assert "never logged in the 1 line of it learnt (over 1.0s)" in " ".join(said.replace("│", " ").split()), said
    quick = tmp_path / "quick.log"  # two lines within a second: no "0.0s" of history
    quick.write_text("2024-03-01 10:00:00,100 INFO api: listening on :8080\n"
                     "2024-03-01 10:00:00,300 FATAL api: cannot open /var/lib/api/db: permission denied\n")
    card = " ".join(text("--file", str(quick)).replace("│", " ").split())  # (the card's borders out)
    assert "never logged in the 1 line of it learnt, before its normal was learnt" in card, card
    narrowed = text("--file", str(paste), "-p", "info")
    assert "-p narrowed it; scan a longer log or the host's journal." in narrowed, narrowed


def test_a_paste_of_several_programs_names_them(tmp_path):
    """"all 3 units" of a paste whose report showed one card read as three somewhere unseen (helper-187), "any of the
    3 units" left the reader to guess which (rough edge 65's 8): up to 3 are named; more, "nothing here". A text's
    programs bare as `kernel` is: "(/USR/SBIN/CRON), (syslogd) or kernel" read as two kinds (nu230's 9)."""
    paste = tmp_path / "syslog"
    paste.write_text("Mar  4 10:00:00 web01 api[1]: listening on :8080\n"
                     "Mar  4 10:00:00 web01 cron[2]: (root) CMD (run-parts /etc/cron.hourly)\n"
                     "Mar  4 10:00:01 web01 worker[3]: started 4 threads\n")
    said = text("--file", str(paste))
    assert "judged no line of api, cron or worker:" in said, said  # (each bare: `kernel` is, nu230's 9)
    paste.write_text(paste.read_text() + "Mar  4 10:00:02 web01 sshd[4]: Server listening on 0.0.0.0 port 22.\n")
    said = text("--file", str(paste))
    assert "judged nothing here:" in said, said


def test_a_syslog_paste_names_its_programs_and_the_kernel_alike(tmp_path):
    """nu230's sysklogd file: "(/USR/SBIN/CRON), (syslogd) or kernel", now one line of bare names, and a quiet scan's
    verdict after it, last."""
    paste = tmp_path / "messages"
    paste.write_text("Jul  7 06:40:01 nas /USR/SBIN/CRON[2301]: (root) CMD (/usr/local/bin/backup.sh)\n"
                     "Jul  7 06:47:41 nas syslogd 1.5.0#6.2: restart.\n"
                     "Jul  7 06:47:42 nas kernel: Memory: 1026624k/1048576k available\n")
    said = text("--file", str(paste))
    assert "judged no line of /USR/SBIN/CRON, syslogd or kernel: scan a longer log or the host's journal. " \
           "Nothing found by the signature rules." in said, said
    assert said.endswith("Nothing found by the signature rules."), said
