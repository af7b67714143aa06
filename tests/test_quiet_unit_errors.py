"""The slow-history twins of new-error-template and error-template-persists, for units too quiet for their
200 and 1,000 entries of warm-up (a day of history and 10 entries make them warm, as for new-template-storm).
Helper D11's held-out trial: Varnish's manager reaping a panicking cache child every minute (32 entries in 3.5
days), a Salt minion whose master is gone (two [ERROR] lines every 30 s after 14 entries) and a Prometheus whose
Alertmanager hangs (its known `Error sending alerts` once a minute, 425 entries) were missed by every rule.
Real journal files built with systemd-journal-remote, scanned with the anomaly rules only. The quiet twins share
the journals and their hours, so no test passes for want of the rules: a quiet unit's one-off errors, a unit with
less than a day of history, a quiet unit's new error every two minutes, a chronic error at random, a nightly
retry as long as it always is; and a busy unit's new errors make one incident (new-error-template's), these
rules' hits joining it."""

from __future__ import annotations

from conftest import entry
from test_anomaly import HOUR, by_time, scan_anomalies

DAY = 24 * HOUR
FAIL = 3 * DAY + 12 * HOUR
RULE = "quiet-unit-new-errors"


def varnish(message: str, at: float, priority: int) -> list[dict]:
    """varnishd's manager: MGT_Complain's syslog line (C_ERR -> err) and its copy on stderr (PRIORITY 6)."""
    fields = {"SYSLOG_IDENTIFIER": "varnishd", "_COMM": "varnishd", "_PID": "733"}
    return [entry(message, "varnish.service", at, priority, _TRANSPORT="syslog", **fields),
            entry(message, "varnish.service", at + 0.0001, 6, _TRANSPORT="stdout", **fields)]


def varnish_lines() -> tuple[list[dict], list[dict]]:
    """A daily reload's CLI lines for 3.5 days (16 entries), then the cache child panicking every minute (mgt_child.c's
    wordings); returns (all lines, the error-level ones)."""
    lines: list[dict] = []
    for day in range(4):
        at = day * DAY + 6 * HOUR
        for k, cmd in enumerate(("vcl.load reload_{0} /etc/varnish/default.vcl", "vcl.use reload_{0}")):
            lines += [entry(f"CLI telnet ::1 4{day}12 ::1 6082 {said}", "varnish.service", at + k + n * 0.1, 6,
                            SYSLOG_IDENTIFIER="varnishd", _COMM="varnishd", _PID="733")
                      for n, said in enumerate((f"Rd {cmd.format(day)}", "Wr 200"))]
    errors: list[dict] = []
    for n in range(20):
        at, pid = FAIL + n * 60, 48112 + 7 * n
        died = varnish(f"Child ({pid}) died signal=6 (core dumped)", at, 3)
        panic = varnish(f"Child ({pid}) Panic at: Thu, 04 Jan 2026 12:{n:02d}:00 GMT\\nAssert error in "
                        "VBO_checkObject(), cache/cache_obj.c line 612:\\n  Condition((oc->boc) != NULL) not true.",
                        at + 0.01, 3)
        errors += [died[0], panic[0]]
        lines += died + panic + varnish("Child cleanup complete", at + 0.02, 7) + varnish(
            f"Child ({pid + 3}) Started", at + 1.1, 7)
    return lines, errors


def salt() -> tuple[list[dict], list[dict]]:
    """A minion's console at warning: a deprecation warning every 6 h; then its master gone (resolve_dns)."""
    fields = {"SYSLOG_IDENTIFIER": "salt-minion", "_COMM": "salt-minion"}
    lines = [entry("[WARNING ] /opt/saltstack/salt/lib/python3.10/site-packages/salt/states/x509.py:214: "
                   "DeprecationWarning: The x509 modules are deprecated.", "salt-minion.service",
                   n * 6 * HOUR + 3 * HOUR, **fields) for n in range(14)]
    errors = []
    for n in range(40):
        errors += [entry("[ERROR   ] DNS lookup or connection check of 'salt' failed.", "salt-minion.service",
                         FAIL + 7 + n * 30, **fields),
                   entry("[ERROR   ] Master hostname: 'salt' not found or not responsive. Retrying in 30 seconds",
                         "salt-minion.service", FAIL + 7.001 + n * 30, **fields)]
    return lines + errors, errors


def twins() -> list[dict]:
    """A quiet unit's one-off failure (4 error lines once), a unit with 6 h of history failing at once, a quiet unit
    logging a new error every two minutes: none of them is this rule's."""
    lines = [entry(f"backup of /srv {step}: {n} files", "backup.service", n * DAY + 2 * HOUR + k)
             for n in range(4) for k, step in enumerate(("started", "scanned", "done"))]
    lines += [entry(f"ERROR: upload of chunk {n} failed: connection reset by peer", "backup.service", FAIL + n, 6)
              for n in range(4)]
    lines += [entry(f"cache warmed: {n} keys", "fresh.service", FAIL - 6 * HOUR + n * 600) for n in range(36)]
    lines += [entry(f"ERROR: cannot reach config server (attempt {n})", "fresh.service", FAIL + 5 + n * 20, 6)
              for n in range(30)]
    lines += [entry(f"synced {n} records", "slow.service", n * 2 * HOUR + 50) for n in range(42)]
    lines += [entry(f"ERROR: record {n} rejected by upstream", "slow.service", FAIL + 11 + n * 120, 6)
              for n in range(15)]
    return lines


def busy() -> tuple[list[dict], list[dict]]:
    """A busy unit (a line every 30 s for 3.5 days, an error every 6 h) whose new errors new-error-template pages at
    the third line."""
    lines = [entry(f"GET /api/items/{n} 200 {n % 90}ms", "api.service", n * 30.0 + 3) for n in range(int(FAIL // 30))]
    lines += [entry(f"GET /api/items/{n} 500: upstream timed out", "api.service", n * 6 * HOUR + 100, 3)
              for n in range(14)]
    errors = [entry(f"payment backend refused order {n}: circuit open", "api.service", FAIL + 13 + n, 3)
              for n in range(15)]
    return lines + errors, errors


def test_quiet_units_failing_over_and_over_are_caught_and_their_twins_are_not(make_journal):
    varnish_all, varnish_errors = varnish_lines()
    salt_all, salt_errors = salt()
    busy_all, busy_errors = busy()
    incidents = scan_anomalies(make_journal(by_time(varnish_all, salt_all, twins(), busy_all)))
    assert [(i["rule"], i["unit"], i["severity"], i["first_usec"], i["realtime_usec"]) for i in incidents] == [
        ("new-error-template", "api.service", "error", int(busy_errors[0]["__REALTIME_TIMESTAMP"]),
         int(busy_errors[2]["__REALTIME_TIMESTAMP"])),  # this rule's hits on the same lines join it: one page
        (RULE, "salt-minion.service", "error", int(salt_errors[0]["__REALTIME_TIMESTAMP"]),
         int(salt_errors[9]["__REALTIME_TIMESTAMP"])),  # the tenth error line, 2 min 15 s in
        (RULE, "varnish.service", "error", int(varnish_errors[0]["__REALTIME_TIMESTAMP"]),
         int(varnish_errors[9]["__REALTIME_TIMESTAMP"])),  # the tenth error line: the fifth crash, 4 min in
    ]


PERSISTS = "quiet-unit-error-persists"


def prometheus() -> tuple[list[dict], list[dict]]:
    """Prometheus's TSDB: four info lines every two hours (48 a day) and a notification timing out now and then
    (a known error); then its Alertmanager hangs: that line once a minute for 20 minutes."""
    unit = "prometheus.service"
    alert = ('time=2026-01-04T12:00:00.000Z level=ERROR source=notifier.go:526 msg="Error sending alerts" '
             'component=notifier alertmanager=http://10.20.0.9:9093/api/v2/alerts count={n} err="Post '
             '\\"http://10.20.0.9:9093/api/v2/alerts\\": context deadline exceeded"')
    lines = [entry(f'time=2026-01-01T00:00:00.000Z level=INFO source=compact.go:581 msg="{msg}" component=tsdb '
                   f'duration={k}.{n % 97}s', unit, n * 2 * HOUR + k) for n in range(int(FAIL // (2 * HOUR)))
             for k, msg in enumerate(("write block", "Head GC completed", "Creating checkpoint",
                                      "WAL checkpoint complete"))]
    lines += [entry(alert.format(n=n + 1), unit, n * 15 * HOUR + 1234) for n in range(6)]
    failing = [entry(alert.format(n=n % 5 + 1), unit, FAIL + 17 + n * 60) for n in range(20)]
    return lines + failing, failing


def chronic() -> list[dict]:
    """A quiet unit's chronic error, about six an hour at random (runs of a few lines, now and then longer), and a
    quiet unit's nightly retry: 8 error lines over 3 minutes each night, the same at FAIL."""
    rng, lines, at = __import__("random").Random(12), [], 0.0
    while at < FAIL + HOUR:
        at += rng.expovariate(6 / HOUR)
        lines.append(entry(f"ERROR: cannot refresh token cache: upstream returned 503 (attempt {rng.randint(1, 3)})",
                           "tokens.service", at, 6))
    for night in range(4):
        start = night * DAY + 2 * HOUR if night < 3 else FAIL + 30
        lines += [entry(f"sync {night}: starting", "nightly-sync.service", start - 60 + k) for k in range(4)]
        lines += [entry(f"ERROR: mirror {k} unreachable, retrying", "nightly-sync.service", start + k * 25, 6)
                  for k in range(8)]
    return lines


def test_a_quiet_units_known_error_going_on_is_caught_and_its_chronic_twins_are_not(make_journal):
    """Helper D11's Prometheus whose Alertmanager hangs: 425 entries in 3.5 days, too few for
    error-template-persists's 1,000; its known error once a minute fires at the tenth line (9 min in)."""
    lines, failing = prometheus()
    incidents = scan_anomalies(make_journal(by_time(lines, chronic())))
    assert [(i["rule"], i["unit"], i["first_usec"], i["realtime_usec"]) for i in incidents] == [
        (PERSISTS, "prometheus.service", int(failing[9]["__REALTIME_TIMESTAMP"]),
         int(failing[9]["__REALTIME_TIMESTAMP"]))]
