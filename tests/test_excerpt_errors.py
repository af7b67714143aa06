"""new-error-template and excerpt-failure-template judge the lines read from text from their unit's first line
(`excerpts = true`, as new-fatal-template; `"only"`: excerpt-failure-template judges nothing else): a paste or a
program's own log file holds no history, and every anomaly rule but new-fatal-template waited for an hour and 200
entries of it, so a daemon that logged three `ERROR:` lines and gave up, or a tunnel retrying at LOG_NOTICE, was
"Nothing found" unless a signature named its program (trial 63: 4 of 31 bug-report excerpts with an incident before
their programs' rules). A journal's lines still wait for the warm-up. And a failure such a rule begins in text
settles for SPAN_USEC: a signature naming its cause that fires later in it leads its card (FailureGroups.fired
`from_text`). Real files read by `scan --file`, and real journal files (systemd-journal-remote)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conftest import entry, json_events, of_type, run_cli
from test_anomaly import ANOMALY_RULES

ROOT = Path(__file__).resolve().parent.parent
ERRORS = ["gpsd:ERROR: {dev} already opened by another process",
          "gpsd:ERROR: initial GPS device {dev} open failed",
          "gpsd:ERROR: device open of {dev} failed: Device or resource busy - retrying read-only"]


def scan(*args: str, rules: tuple[Path, ...] = (ANOMALY_RULES,)) -> list[dict]:  # type: ignore[type-arg]
    paths = [arg for path in rules for arg in ("--rules", str(path))]
    return json_events(run_cli("scan", *args, "--no-shipped-rules", *paths, "-o", "json"))


def syslog(tmp_path: Path, lines: list[str], name: str = "paste.log") -> Path:
    path = tmp_path / name
    path.write_text("".join(f"Dec  1 10:00:{second:02d} tocktick gpsd[812]: {line}\n"
                            for second, line in enumerate(lines)))
    return path


def test_three_error_lines_of_a_paste_are_an_incident_two_are_not(tmp_path: Path) -> None:
    lines = ["gpsd:INFO: launching (Version 3.22)", *(line.format(dev="/dev/ttyAMA0") for line in ERRORS)]
    (incident,) = of_type(scan("--file", str(syslog(tmp_path, lines))), "incident")
    assert (incident["rule"], incident["severity"], incident["unit"]) == ("new-error-template", "error", "(gpsd)")
    assert "before its normal was learnt" in incident["why"], incident["why"]
    assert of_type(scan("--file", str(syslog(tmp_path, lines[:3]))), "incident") == []


def test_three_failure_lines_at_notice_are_an_incident(tmp_path: Path) -> None:
    """xl2tpd's `Maximum retries exceeded for tunnel %d.  Closing.` (network.c, LOG_NOTICE): no level to read.
    excerpt-failure-template fires at the third such line of an excerpt (new-failure-template's ten are for a unit
    with a known normal: excerpts from bug reports hold two to eight); two are not enough, nor lines of a
    template that says no failure."""
    lines = [f"Maximum retries exceeded for tunnel {tunnel}.  Closing." for tunnel in range(3)]
    (incident,) = of_type(scan("--file", str(syslog(tmp_path, lines))), "incident")
    assert (incident["rule"], incident["severity"]) == ("excerpt-failure-template", "warning")
    assert of_type(scan("--file", str(syslog(tmp_path, lines[:2]))), "incident") == []
    benign = [f"Connection established to 10.0.0.{tunnel}, 1701.  Local: {tunnel}, Remote: 7" for tunnel in range(12)]
    assert of_type(scan("--file", str(syslog(tmp_path, benign))), "incident") == []


def test_a_normal_boots_kernel_lines_and_key_values_are_no_failure(tmp_path: Path) -> None:
    """A healthy machine's `dmesg` (this sandbox's, 343 lines in 1.4 s) says `panic=1` on its command line,
    "pages in unavailable ranges", "Speculative Return Stack Overflow" (a vulnerability's name): 7 lines with a
    failure word, an incident at the third. The kernel's first minute after its banner is its boot (left to its
    signature rules), and a word used as a key with a number or none as its value is no failure."""
    path = tmp_path / "dmesg.log"
    path.write_text(
        "[    0.000000] Linux version 6.1.0-28-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) "
        "12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1 (2024-11-22)\n"
        "[    0.000000] Command line: console=ttyS0 quiet reboot=k panic=1 nomodule random.trust_cpu=1\n"
        "[    0.001520] On node 0, zone DMA: 1 pages in unavailable ranges\n"
        "[    0.001561] On node 0, zone DMA: 97 pages in unavailable ranges\n"
        "[    0.254030] Speculative Return Stack Overflow: IBPB-extending microcode not applied!\n"
        "[    0.254032] Speculative Return Stack Overflow: Vulnerable: Safe RET, no microcode\n")
    assert of_type(scan("--file", str(path)), "incident") == []
    late = path.read_text().replace("[    0.", "[  900.")  # the same lines a quarter of an hour after its boot
    path.write_text(late.replace("Linux version", "Linux versions"))
    events = scan("--file", str(path))
    assert [i["rule"] for i in of_type(events, "incident")] == ["excerpt-failure-template"]
    assert of_type(events, "match")[0]["message"].startswith("On node 0")  # not `panic=1`
    path.write_text(late.replace("panic=1", "panic=off").replace("Linux version", "Linux versions"))
    assert of_type(scan("--file", str(path)), "match")[0]["message"].startswith("Command line")


def test_a_timeout_given_as_a_duration_is_a_setting_not_a_failure(tmp_path: Path) -> None:
    """Jenkins' Azure VM agent cleanup logs `Running clean with 5 minute timeout` every five minutes at INFO (trial
    66: the card's headline of a healthy controller); NetworkManager `(timeout in 45 seconds)` at each DHCP start. A
    request that ran out of its time is still a failure, with a duration after it or none."""
    settings = ["AzureVMAgentCleanUpTask: execute: Running clean with 5 minute timeout",
                "dhcp4 (eth0): activation: beginning transaction (timeout in 45 seconds)",
                "waiting for the lock with a timeout of 30s", "using a 10-second timeout for probes"]
    assert of_type(scan("--file", str(syslog(tmp_path, settings * 3))), "incident") == []
    failures = ["upstream request timeout after 30000ms", "probe timeout", "read timeout on /dev/ttyUSB0"]
    (incident,) = of_type(scan("--file", str(syslog(tmp_path, failures))), "incident")
    assert incident["rule"] == "excerpt-failure-template", incident


APT_IN_A_CONTAINER = [
    "debconf: unable to initialize frontend: Dialog",
    "debconf: (TERM is not set, so the dialog frontend is not usable.)",
    "debconf: falling back to frontend: Readline",
    "debconf: unable to initialize frontend: Readline",
    "debconf: (Can't locate Term/ReadLine.pm in @INC (@INC contains: /etc/perl /usr/share/perl5) at "
    "/usr/share/perl5/Debconf/FrontEnd/Readline.pm line 7.)",
    "debconf: falling back to frontend: Teletype",
    "dpkg-preconfigure: unable to re-open stdin: ",
    "invoke-rc.d: could not determine current runlevel",
    "invoke-rc.d: policy-rc.d denied execution of start."]


def test_a_non_interactive_package_install_says_no_failure(tmp_path: Path) -> None:
    """Every Debian or Ubuntu docker build that installs a package prints debconf's frontend fallbacks and, for a
    daemon's package, invoke-rc.d's refusals (trial 66: excerpt-failure-template's card on an apt term.log). The
    rules' `ignore` leaves those templates out; a failure among them is still one, and the same lines without the
    ignore were three failures."""
    path = tmp_path / "build.log"
    path.write_text("".join(f"#8 12.{n:02d} {line}\n" for n, line in enumerate(APT_IN_A_CONTAINER)))
    assert of_type(scan("--file", str(path)), "incident") == []
    plain = tmp_path / "rules"
    plain.mkdir()
    for name in ("excerpt-failure-template", "new-failure-template"):
        text = (ANOMALY_RULES / f"{name}.toml").read_text()
        (plain / f"{name}.toml").write_text("\n".join(line for line in text.splitlines() if not line.startswith(
            "ignore = ")))
    assert [i["rule"] for i in of_type(scan("--file", str(path), rules=(plain,)), "incident")] == [
        "excerpt-failure-template"]
    failed = [*APT_IN_A_CONTAINER, *(f"E: Unable to locate package libfoo{n}" for n in range(3))]
    path.write_text("".join(f"#8 12.{n:02d} {line}\n" for n, line in enumerate(failed)))
    (incident,) = of_type(scan("--file", str(path)), "incident")
    assert "Unable to locate package" in incident["message"], incident


POSTFIX_POLICY = [
    "NOQUEUE: reject: RCPT from unknown[68.171.101.120]: 554 5.7.1 Service unavailable; Client host [68.171.101.120] "
    "blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/68.171.101.120; from=<a@spam.example> "
    "to=<david@example.org> proto=ESMTP helo=<wtidde.us>",
    "NOQUEUE: reject: RCPT from 36-224-128-19.dynamic-ip.hinet.net[36.224.128.19]: 454 4.7.1 <v@dmnoo.com.tw>: Relay "
    "access denied; from=<z@dmnoo.example> to=<v@dmnoo.com.tw> proto=ESMTP helo=<ylmf-pc>",
    "NOQUEUE: reject: RCPT from unknown[59.18.82.146]: 554 5.7.1 <sales@example.org>: Recipient address rejected: "
    "Access denied; from=<erwi@yub.example> to=<sales@example.org> proto=ESMTP helo=<localhost>",
    "4Bz1Hq5mJkz9sWX: milter-reject: END-OF-MESSAGE from unknown[203.0.113.9]: 5.7.1 Spam message rejected; "
    "from=<x@spam.example> to=<a@example.org> proto=ESMTP helo=<bot>",
    "lost connection after RCPT from unknown[216.169.113.120]",
    "lost connection after DATA (approximately 0 bytes) from 178-17-171-240.ip.as43289.net[178.17.171.240]",
    "timeout after END-OF-MESSAGE from unknown[198.51.100.7]"]


def test_a_mail_servers_policy_rejects_say_no_failure(tmp_path: Path) -> None:
    """Postfix refuses spam all day (smtpd_check.c's `NOQUEUE: reject: RCPT from ...`, a milter's reject) and clients
    hang up mid-session: the server doing its job, not its failure (trial 74: 6 false alarms in 4 long postfix logs).
    A reject of the server's own making (RFC 3463's X.3.X: `451 4.3.5 Server configuration error`) still fires."""
    path = tmp_path / "mail.log"
    path.write_text("".join(f"Oct 22 03:41:{second:02d} conch postfix/smtpd[8{second:03d}]: {line}\n"
                            for second, line in enumerate(POSTFIX_POLICY * 3)))
    assert of_type(scan("--file", str(path)), "incident") == []
    broken = [f"NOQUEUE: reject: RCPT from mx{n}.example.net[192.0.2.{n}]: 451 4.3.5 <u{n}@example.org>: Recipient "
              f"address rejected: Server configuration error; from=<s@example.net> to=<u{n}@example.org> proto=ESMTP "
              f"helo=<mx{n}.example.net>" for n in range(3)]
    path.write_text("".join(f"Oct 22 03:41:{second:02d} conch postfix/smtpd[8{second:03d}]: {line}\n"
                            for second, line in enumerate(broken)))
    (incident,) = of_type(scan("--file", str(path)), "incident")
    assert incident["rule"] == "excerpt-failure-template", incident


def test_a_boot_without_its_banner_is_still_a_boot(tmp_path: Path) -> None:
    """A long log often holds a boot without the kernel's banner: a kern.log cut after it, whose lines keep their
    printk time (drivers/pnp/system.c's dev_info `could not be reserved`, "usually harmless"), or a journal whose boot
    begins at journald's start (an Armbian journal's `networking: couldn't open interfaces file`). Trial 68: 12 of
    38 false alarms. The same lines a quarter of an hour into the boot, or without journald's start, are judged."""
    path = tmp_path / "kern.log"
    reserved = [f"system 00:0{n}: [mem 0x{n}0000000-0x{n}01fffff] could not be reserved" for n in range(4)]
    path.write_text("".join(f"Feb 15 08:47:39 probook kernel: [    0.{512 + n}345] {line}\n"
                            for n, line in enumerate(reserved)))
    assert of_type(scan("--file", str(path)), "incident") == []
    path.write_text(path.read_text().replace("[    0.", "[  900."))
    assert [i["rule"] for i in of_type(scan("--file", str(path)), "incident")] == ["excerpt-failure-template"]
    journal = tmp_path / "journal.txt"
    started = "Nov 29 18:10:06 orangepi systemd-journald[205]: Journal started\n"
    lines = "".join(f"Nov 29 18:10:{8 + n:02d} orangepi networking[{300 + n}]: warning: couldn't open interfaces "
                    f"file \"/etc/network/interfaces.d/eth{n}\"\n" for n in range(3))
    journal.write_text(started + lines)
    assert of_type(scan("--file", str(journal)), "incident") == []
    journal.write_text(lines)
    assert [i["rule"] for i in of_type(scan("--file", str(journal)), "incident")] == ["excerpt-failure-template"]


def test_a_long_logs_quiet_program_is_past_its_excerpt_after_an_hour(tmp_path: Path) -> None:
    """A program that logs a line every few minutes has 40 lines in a 3-hour log, never the 200 entries a warm-up
    asks, and its lines were judged as an excerpt's all along: three failure lines hours in fired (trial 68: timesyncd's
    `Timed out waiting for reply` in a 12 h syslog). An hour of its history, or 200 lines, and it is past its
    excerpt; its first hour's failures still fire."""
    quiet = [f"Synchronized to time server 91.189.91.157:123 (ntp.ubuntu.com), round {n}." for n in range(40)]
    timeouts = [f"Timed out waiting for reply from 91.189.91.15{n}:123 (ntp.ubuntu.com)." for n in range(3)]
    path = tmp_path / "syslog"
    stamp = "Dec  1 {:02d}:{:02d}:{:02d} tocktick systemd-timesyncd[612]: {}\n"
    later = [stamp.format(n * 4 // 60, n * 4 % 60, 0, line) for n, line in enumerate(quiet)]
    late = [stamp.format(2, 50, n, line) for n, line in enumerate(timeouts)]
    path.write_text("".join(later + late))
    assert of_type(scan("--file", str(path)), "incident") == []
    early = [stamp.format(0, 0, n, line) for n, line in enumerate(timeouts)]
    path.write_text("".join(early + later[1:]))
    assert [i["rule"] for i in of_type(scan("--file", str(path)), "incident")] == ["excerpt-failure-template"]


def test_a_desktop_login_or_shutdown_is_a_window_too(tmp_path: Path) -> None:
    """A display manager's session opened (or closed), or a shutdown's `Stopped target Graphical Interface.`, opens
    the same window a boot does: a login's gsd and gnome-shell `Failed to ...`, a shutdown's `Refusing activation,
    D-Bus is shutting down` (trial 68's desktop journals). The same lines an hour later are judged."""
    chatter = [f"gsd-media-keys[2{n}11]: Failed to grab accelerator for keybinding settings:playback-{n}"
               for n in range(3)]
    for edge in ("gdm-password][1871]: pam_unix(gdm-password:session): session opened for user bob(uid=1000) by "
                 "(uid=0)", "systemd[1]: Stopped target Graphical Interface."):
        path = tmp_path / "journal.txt"
        path.write_text(f"Jan 30 09:38:41 homeserver {edge}\n"
                        + "".join(f"Jan 30 09:38:4{2 + n} homeserver {line}\n" for n, line in enumerate(chatter)))
        assert of_type(scan("--file", str(path)), "incident") == [], edge
        path.write_text(path.read_text().replace("09:38:4", "10:38:4").replace("10:38:41", "09:38:41"))
        assert [i["rule"] for i in of_type(scan("--file", str(path)), "incident")] == ["excerpt-failure-template"]


def test_a_loggers_restart_is_no_boot(tmp_path: Path) -> None:
    """rsyslogd's or journald's start opens a boot's window, but a restart of it on a running host (an upgrade, a
    config change: its stop line, then its start in the same second) is no boot: the next two minutes of every unit
    went unjudged, three `connection refused` errors of a database client with them."""
    refused = "".join(f"Dec  3 10:10:{10 * n + 10:02d} web01 myapp[9950]: ERROR: cannot connect to database at "
                      "10.0.0.5:5432: connection refused\n" for n in range(3))
    for stopped, started in (
            ('rsyslogd: [origin software="rsyslogd" swVersion="8.2112.0" x-pid="640" '
             'x-info="https://www.rsyslog.com"] exiting on signal 15.',
             'rsyslogd: [origin software="rsyslogd" swVersion="8.2112.0" x-pid="9912" '
             'x-info="https://www.rsyslog.com"] start'),
            ("systemd-journald[240]: Journal stopped", "systemd-journald[9913]: Journal started")):
        path = tmp_path / "syslog"
        path.write_text(f"Dec  3 10:10:00 web01 {stopped}\nDec  3 10:10:01 web01 {started}\n" + refused)
        assert [i["rule"] for i in of_type(scan("--file", str(path)), "incident")] == ["new-error-template"], started
        # the start of a boot, its stop at shutdown long before: the boot's window, as before
        path.write_text(f"Dec  3 10:09:00 web01 {stopped}\nDec  3 10:10:01 web01 {started}\n" + refused)
        assert of_type(scan("--file", str(path)), "incident") == [], started


def test_a_fatal_line_at_a_boot_is_still_one(tmp_path: Path) -> None:
    """The start-up windows silence a boot's chatter, not a program that cannot start: a NAS's upsd says `Fatal error:
    at least one UPS must be defined in ups.conf` 2 s into its boot (trial 68's 06), new-fatal-template's (crit) line
    as much at a boot as after it. Its chatter beside it stays unjudged."""
    path = tmp_path / "syslog"
    path.write_text("2025-10-14T11:24:02.100000+08:00 nas systemd-journald[301]: Journal started\n"
                    "2025-10-14T11:24:04.238565+08:00 nas upsd[1483]: Fatal error: at least one UPS must be defined "
                    "in ups.conf\n"
                    + "".join(f"2025-10-14T11:24:0{5 + n}.000000+08:00 nas kernel: r8169 0000:0c:00.0: Direct firmware "
                              f"load for rtl_nic/rtl8126a-{n}.fw failed with error -2\n" for n in range(3)))
    assert [i["rule"] for i in of_type(scan("--file", str(path)), "incident")] == ["new-fatal-template"]


def test_a_journals_cold_unit_still_waits_for_its_warm_up(make_journal: Callable[..., Path]) -> None:
    entries = [entry(line.format(dev=f"/dev/ttyS{n}"), unit="gpsd.service", at=n, priority=3)
               for n, line in enumerate(ERRORS * 2)]
    assert of_type(scan("--file", str(make_journal(entries))), "incident") == []


def test_a_signature_firing_later_leads_the_failure_of_a_paste(tmp_path: Path) -> None:
    """Odoo's pool: three error lines (the traceback) fire new-error-template; odoo-database-connect-failed
    fires at its second line 29 s on. The card is the signature's, with the anomaly in its chain."""
    path = tmp_path / "odoo.log"
    path.write_text(
        "2015-05-22 03:54:04,858 24909 ERROR odoo openerp.sql_db: Connection to the database failed\n"
        "Traceback (most recent call last):\n"
        '  File "/usr/lib/python2.7/dist-packages/openerp/sql_db.py", line 568, in borrow\n'
        "OperationalError: could not connect to server: No such file or directory\n"
        "2015-05-22 03:54:33,648 24909 ERROR ? openerp.sql_db: Connection to the database failed\n")
    rules = (ANOMALY_RULES, ROOT / "rules" / "odoo")
    (incident,) = of_type(scan("--file", str(path), rules=rules), "incident")
    assert incident["rule"] == "odoo-database-connect-failed", incident
    assert "new-error-template" in {link["rule"] for link in incident["chain"]}, incident["chain"]


def test_one_line_several_rules_matched_below_their_triggers_is_one_row_of_the_card(tmp_path: Path) -> None:
    """A paste's traceback header matched error-burst and python-traceback-burst below their triggers: one row
    naming both, not two rows of the same line (new-error-template's and new-failure-template's hits below their
    triggers lead in no failure in a paste: Pipeline._excerpt_rules), error-burst's with its 2 lines in the failure
    (views/counts.py link_lines)."""

    from test_failure_lead_in import PASTE

    log = tmp_path / "pyjournal.txt"
    log.write_text(PASTE)
    card = " ".join(run_cli("scan", "--file", str(log)).stdout.replace("│", " ").split())
    assert "error-burst on 2 lines in this failure, python-traceback-burst (below their triggers) " \
           "Traceback (most recent call last):" in card, card
    assert card.count("Traceback (most recent call last):") == 1, card


def test_pid1s_lines_are_the_systemd_rules_and_the_programs_line_is_its_last_line(tmp_path: Path) -> None:
    """PID 1's `Failed with result 'exit-code'.` says "Failed" and its `status=1/FAILURE` "FAILURE": judged as a
    paste's lines, new-failure-template put "also new-failure-template ... saying "Failed"" in the why of every
    systemd-unit-failed card; and its hit below its trigger on the program's line led the failure in, so the card
    lost "its program's last lines before it"."""
    paste = tmp_path / "api.txt"
    paste.write_text("Dec 04 09:00:00 web01 systemd[1]: Starting api.service - API...\n"
                     "Dec 04 09:00:01 web01 api[1234]: could not open /etc/api/key.pem: permission denied\n"
                     "Dec 04 09:00:01 web01 systemd[1]: api.service: Main process exited, code=exited, "
                     "status=1/FAILURE\n"
                     "Dec 04 09:00:01 web01 systemd[1]: api.service: Failed with result 'exit-code'.\n")
    events = json_events(run_cli("scan", "--file", str(paste), "-o", "json"))
    (end,) = of_type(events, "incident_end")
    assert (end["rule"], end["why"]) == ("systemd-unit-failed", ""), end
    assert [line["message"] for line in end["last_lines"]] == ["could not open /etc/api/key.pem: permission denied"]
    assert {m["rule"] for m in of_type(events, "match")} == {"systemd-unit-failed", "excerpt-failure-template"}


def test_a_containers_pid_1_is_judged_systemds_is_not(tmp_path: Path) -> None:
    """dnsmasq as a container's PID 1 (`dnsmasq[1]:`, daemon.crit) is a program like any: its crit line is
    new-fatal-template's, which makes its failure critical; only systemd's own PID 1 lines are left to the systemd
    rules (an exclusion by _PID alone lost it: trial 56's OpenWrt paste went from critical to error)."""
    paste = tmp_path / "dnsmasq.log"
    paste.write_text("".join(f"Fri Oct 24 18:22:{23 + 5 * n} 2025 daemon.crit dnsmasq[1]: failed to create listening "
                             f"socket for 192.168.178.2: Address in use\n" for n in range(2)))
    (incident,) = of_type(scan("--file", str(paste)), "incident")
    assert (incident["rule"], incident["severity"]) == ("new-fatal-template", "critical"), incident


def test_a_boots_first_minutes_are_no_excerpt(tmp_path: Path) -> None:
    """A desktop's `journalctl -b`: a line per disk or plugin saying "failed" at info level as the boot and the
    session start (trial 66: udev's `snap auto-import` for each disk, bluetoothd, smartd): excerpt-failure-template
    fired on healthy boots. Two minutes after a kernel banner are the boot's, of every unit (and any host name); the
    same lines later are a failure going on."""
    boot = ["Dec 04 09:00:00 desk kernel: Linux version 6.8.0-49-generic (buildd@lcy02-amd64-103) #49-Ubuntu SMP"]
    chatter = [f"Dec 04 09:00:{10 + n:02d} desk (udev-worker)[{400 + n}]: sd{chr(97 + n)}: Process "
               f"'/usr/bin/unshare -m /usr/bin/snap auto-import --mount=/dev/sd{chr(97 + n)}' failed with exit code 1."
               for n in range(5)]
    path = tmp_path / "boot.log"
    path.write_text("\n".join([*boot, *chatter]) + "\n")
    events = json_events(run_cli("scan", "--file", str(path), "-o", "json"))
    assert of_type(events, "incident") == []
    path.write_text("\n".join([*boot, *(line.replace("09:00:", "09:05:") for line in chatter)]) + "\n")
    events = json_events(run_cli("scan", "--file", str(path), "-o", "json"))
    assert [i["rule"] for i in of_type(events, "incident")] == ["excerpt-failure-template"]


def test_a_traceback_logged_a_line_per_record_shows_its_exception(tmp_path: Path) -> None:
    """Synapse's twisted logger writes each traceback line as a record of its own, at ERROR (trial 65's 05): the
    incident fires at the third, a frame. Its card shows the failure's latest line too, the exception that says why,
    which was nowhere on it; and the excerpt rule's hits on the lines the incident has are no chain rows of their own
    (there were six, "excerpt-failure-template (below its trigger)")."""
    frames = ["    main()",
              '  File "/opt/synapse/lib/python2.7/site-packages/synapse/app/homeserver.py", line 534, in main',
              "    hs = setup(sys.argv[1:])",
              '  File "/opt/synapse/lib/python2.7/site-packages/synapse/app/homeserver.py", line 345, in setup',
              "    db_conn = hs.get_db_conn(run_new_connection=False)",
              '  File "/opt/synapse/lib/python2.7/site-packages/psycopg2/__init__.py", line 130, in connect',
              "    conn = _connect(dsn, connection_factory=connection_factory, **kwasync)",
              'psycopg2.OperationalError: FATAL:  no pg_hba.conf entry for host "::1", user "matrix_synapse", '
              'database "matrix_synapse", SSL on']
    log = tmp_path / "homeserver.log"
    log.write_text("".join(f"2018-07-11 22:19:26,{n:03d} - twisted - 131 - ERROR - - {line}\n"
                           for n, line in enumerate(frames)))
    card = " ".join(run_cli("scan", "--file", str(log)).stdout.replace("│", " ").split())
    assert "psycopg2.OperationalError: FATAL: no pg_hba.conf entry" in card, card
    assert "excerpt-failure-template (below its trigger)" not in card, card


def test_a_failure_word_counted_as_zero_is_no_failure(tmp_path: Path) -> None:
    """Redis's every start: `Done loading RDB, keys loaded: 0, keys expired: 0.` (rdb.c's serverLog) says
    "expired" as a counter's name with a count of none: template text masks the number, so each line is judged by
    its own (Words.said). Three starts are no incident (trial 69's Redis start/stop log); the same template with
    keys that did expire, or a `connect failed: 111` (an errno, not a count of none), still says its word."""
    def redis(lines: list[str]) -> Path:
        path = tmp_path / "redis.log"
        path.write_text("".join(f"1:M 06 Dec 2023 10:0{n}:00.000 * {line}\n" for n, line in enumerate(lines)))
        return path

    zero = ["Done loading RDB, keys loaded: 0, keys expired: 0."] * 3
    assert of_type(scan("--file", str(redis(zero))), "incident") == []
    some = [f"Done loading RDB, keys loaded: 10, keys expired: {n}." for n in (3, 0, 5, 9)]
    (incident,) = of_type(scan("--file", str(redis(some))), "incident")
    assert incident["rule"] == "excerpt-failure-template" and 'saying "expired"' in incident["why"], incident
    errno = [f"SYNC with master: connect failed: {n}" for n in (111, 0, 111, 111)]
    (incident,) = of_type(scan("--file", str(redis(errno))), "incident")
    assert incident["rule"] == "excerpt-failure-template" and 'saying "failed"' in incident["why"], incident


CELERY_HEAD = "[{ts}: ERROR/MainProcess] consumer: Cannot connect to redis://localhost:6379//: Error while reading " \
              "from socket: (104, 'Connection reset by peer').\nTrying again in {wait:.2f} seconds...\n\n"


def test_a_failure_that_says_it_retries_twice_is_an_incident(tmp_path: Path) -> None:
    """Celery's broker loop (celery/worker/consumer/consumer.py: CONNECTION_ERROR, then CONNECTION_RETRY_STEP's
    `Trying again in {when}...` on the next line): a back-off doubles its wait, so a paste of it often holds two
    attempts, one short of excerpt-failure-template's three. excerpt-retry-loop fires at the second announcement
    (trial 69's Celery worker that could not reach Redis was missed); one attempt is none, and so are two half an
    hour apart. Shipped rules, as `scan --file` runs them."""
    path = tmp_path / "celery.log"

    def incidents(times: list[str]) -> list[dict]:  # type: ignore[type-arg]
        path.write_text("".join(CELERY_HEAD.format(ts=ts, wait=2.0 * 2 ** n) for n, ts in enumerate(times)))
        return of_type(json_events(run_cli("scan", "--file", str(path), "-o", "json")), "incident")

    (incident,) = incidents(["2015-11-20 18:18:08,590", "2015-11-20 18:18:38,365"])
    assert incident["rule"] == "excerpt-retry-loop" and 'saying "Trying again in"' in incident["why"], incident
    assert incidents(["2015-11-20 18:18:08,590"]) == []
    assert incidents(["2015-11-20 18:18:08,590", "2015-11-20 18:48:38,365"]) == []


def test_a_template_carded_once_is_not_carded_again_in_a_scanned_text(tmp_path: Path) -> None:
    """ntpd's resolver retries its pool servers every 16 min (4 lines a burst, `host name not found`): each burst was
    a card within the template's first hour (trial 70: 19 repeated cards in 31 long syslogs). A template an anomaly
    incident of its unit was about is that failure again (Owners._carded): one card, and another template of the
    same unit still has its own."""
    path = tmp_path / "syslog"
    lines = []
    for burst in range(4):
        minute = 25 + 16 * burst
        lines += [f"Apr  2 06:{minute}:52 pi ntpd_intres[2080]: host name not found: {n}.debian.pool.ntp.org"
                  for n in range(4)]
    path.write_text("\n".join(lines) + "\n")
    incidents = of_type(json_events(run_cli("scan", "--file", str(path), "-o", "json")), "incident")
    assert [(i["rule"], i["unit"]) for i in incidents] == [("excerpt-failure-template", "(ntpd_intres)")], incidents
    lines += [f"Apr  2 07:15:0{n} pi ntpd_intres[2080]: unable to bind to wildcard address :: - EXITING"
              for n in range(3)]
    path.write_text("\n".join(lines) + "\n")
    incidents = of_type(json_events(run_cli("scan", "--file", str(path), "-o", "json")), "incident")
    assert len(incidents) == 2, incidents


def test_an_ipv6_less_bind_and_a_fast_shutdown_say_no_failure(tmp_path: Path) -> None:
    """PostgreSQL goes on on IPv4 when ::1 cannot be bound (EADDRNOTAVAIL: glibc's and musl's words), and a fast
    shutdown's `aborting`/`terminating ... due to administrator command` is SIGTERM on purpose (trial 76's 28, 29:
    shown as failure matches; PostgreSQL's LOG is no info level to info_lines). An address in use still fires."""
    pg = "".join(f"2023-10-16 18:03:4{n}.979 GMT [{n + 1}] {line}\n" for n, line in enumerate([
        'LOG:  could not bind IPv6 address "::1": Address not available',
        'LOG:  could not bind IPv6 address "::1": Cannot assign requested address',
        "LOG:  aborting any active transactions", "FATAL:  terminating connection due to administrator command",
        "FATAL:  terminating autovacuum process due to administrator command"] * 2))
    path = tmp_path / "pg.log"
    path.write_text(pg)
    said = {m["rule"] for m in of_type(scan("--file", str(path)), "match")}  # (FATAL is still an error level)
    assert not said & {"excerpt-failure-template", "new-failure-template"}, said
    path.write_text("".join(f"2023-10-16 18:03:4{n}.979 GMT [1] LOG:  could not bind IPv6 address \"::1\": Address "
                            "already in use\n" for n in range(3)))
    assert [i["rule"] for i in of_type(scan("--file", str(path)), "incident")] == ["excerpt-failure-template"]


def test_php_fpm_reopening_its_error_log_says_no_failure(tmp_path: Path) -> None:
    """logrotate's SIGUSR1 makes the PHP-FPM master log "error log file re-opened" (NOTICE) at every rotation."""
    path = tmp_path / "php-fpm.log"
    path.write_text("".join(f"[30-Dec-2018 06:3{n}:15] NOTICE: error log file re-opened\n" for n in range(4)))
    assert of_type(scan("--file", str(path)), "match") == []
