"""What an alert says: built from an incident (or a service event) into a JSON-ready payload that is
stored in the outbox, then rendered as title/body text for each channel.

Log text is attacker-controlled: control characters are removed and lines shortened before it goes
into any message, and channels receive it as plain text (never as markup or a template).
"""

from __future__ import annotations

import functools
import re
import shlex
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..hosts import local_machine_id
from ..model import Incident, Link, incident_label, journald_machine, said_usec
from ..sources.selection import container_of, unit_terms, user_unit_of
from ..timespec import format_usec
from ..views.counts import began_usec, chain_heading, chain_rules, hits_said, link_lines, own_last_hit, repeated_rules
from ..views.escape import visible
from ..wording import plural

# What views/escape.py makes visible, but newline (tracebacks keep their lines) and tab: C0, DEL, C1, bidi.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
MAX_LINE = 500


def clean(text: str, limit: int = MAX_LINE) -> str:
    """Log text made safe to show: no control or bidi-override characters, bounded length."""
    text = _CONTROL.sub("\ufffd", text.replace("\r", ""))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def with_rule_title(payload: dict[str, Any], title: str) -> dict[str, Any]:
    """The payload with its rule's title ("": none known), which headline() says what happened with, not the rule
    id: the service's alerts and `tail --act`'s alike."""
    if title:
        payload["rule_title"] = clean(title, 200)
    return payload


def incident_payload(event: str, incident: Incident, host: str, reason: str, context: Iterable[str] = (),
                     count: int | None = None, last_usec: int | None = None, *,
                     source: Sequence[str], ahead_usec: int = 0) -> dict[str, Any]:
    """`host` and `machine_id` are the incident's (its entries' `_HOSTNAME` and `_MACHINE_ID`; `host` is
    logsentry's own name when the entries had none); `observer` is the logsentry that saw it. `source` is
    where the entries were read (journal_source): required, so that no caller's `journalctl` command looks
    for a collector's lines in the local journal. `ahead_usec`: journalctl_command's. `incident` tells two open
    incidents of one rule on one unit apart (model.incident_label): each channel's consumer can match a resolve."""
    return {
        "event": event,
        "host": incident.host or host,
        "machine_id": journald_machine(incident.machine_id),
        "observer": host,
        "unit": incident.unit,
        "rule": incident.rule_id,
        "severity": incident.severity.label,
        "key": incident.key,
        "incident": incident_label(incident),
        "reason": reason,
        "count": incident.count if count is None else count,
        "count_is_lower_bound": incident.dropped > 0,
        "dropped": incident.dropped,
        "first_usec": incident.first_usec,
        "fired_usec": incident.fired_usec,
        "last_usec": incident.last_usec if last_usec is None else last_usec,
        "last_hit_usec": _last_hit(incident, last_usec),
        "cursor": incident.cursor,
        "message": clean(incident.samples[-1]),
        "context": [clean(line) for line in context],
        "why": clean(incident.why),
        "template": clean(incident.template),
        "journalctl": clean(command := journalctl_command(incident, source, ahead_usec), max(MAX_LINE, len(command))),
        "chain": [chain_line(link) for link in incident.chain],
        "chain_rules": chain_rules(incident.chain),
        "chain_repeated": repeated_rules(incident.chain),
    }


def _last_hit(incident: Incident, last_usec: int | None) -> int:
    """The rule's own last hit (views.counts.own_last_hit), 0 when the incident does not tell: a failure's
    `last_usec` is its failure's last line, often PID 1's that joined its chain."""
    own = own_last_hit(incident) if last_usec is None or incident.chain else last_usec
    return 0 if own is None else own


def chain_line(link: Link) -> str:
    """One rule of a failure's chain (engine/failures.py) for people: the time of the line it quotes (said_usec),
    which rule, that line."""
    hits = f", {said}" if (said := link_lines(link, "hit")) else ""
    return clean(f"{format_usec(said_usec(link))} {link.rule_id} ({link.severity.label}{hits}): {link.message}")


CHANGED_LABEL = "changed just before (systemd's own lines, any host):"
"""The heading of what PID 1 changed on any host just before an incident (engine/unit_changes.py: a stop of another
host's database before its clients' errors), on the card, the HTML card and the alert (`changes_before`) alike."""


_this_machine = functools.cache(local_machine_id)


def journal_source(directory: Path | None = None, files: Iterable[Path] = ()) -> tuple[str, ...]:
    """journalctl's arguments for where entries were read: `-D DIR`, or `--file F` for each file, made absolute
    so that the command works from any directory; () for the local journal (and for stdin, `-`, which no
    journalctl argument can name)."""
    if directory is not None:
        return ("-D", str(directory.resolve()))
    return tuple(arg for path in files if str(path) != "-" for arg in ("--file", str(path.resolve())))


def journalctl_command(incident: Incident, source: Sequence[str] = (), ahead_usec: int = 0) -> str:
    """The command that shows the incident's lines (the unit over the incident's span, from its chain's first line
    when it leads a failure, to the µs: journalctl
    takes `@SECONDS.FRACTION` and both ends are inclusive, so no neighbouring line of the same second shows),
    quoted for a POSIX shell: unit names come from the journal. `source` is journalctl's
    arguments for where the lines are when it is not the local journal (`-D DIR`, `--file F`); without it,
    another machine's lines are looked for with `-m` (all journals, /var/log/journal/remote included, where
    systemd-journal-remote puts them) and its `_MACHINE_ID`. Kernel lines have no unit: `_TRANSPORT=kernel`
    (not -k, which means this boot only); lines of no unit match by identifier (`-t`). A persistence incident's
    lines begin with its run, a flood's with its template's first line (views/counts.began_usec). `ahead_usec`:
    how far the host's clock ran ahead of the service's, whose windows took its stamps as its own clock's time
    (more than a minute ahead: service_journal._clamped): the span is moved by it (and widened by
    AHEAD_SLACK_USEC), else the command finds none of the lines."""
    if not incident.first_usec:
        return ""
    # from the failure's first line its chain holds (the InnoDB error before systemd's "Failed with result" that
    # leads the card: the command showed that one line, not the cause; a new user's trial)
    low = min([began_usec(incident), *(link.first_usec for link in incident.chain if link.first_usec > 0)])
    high = max(incident.last_usec, incident.fired_usec)
    if ahead_usec > 0:  # the service took the host's stamps as its own clock's time (service_journal._clamped)
        low, high = low + ahead_usec - AHEAD_SLACK_USEC, high + ahead_usec + AHEAD_SLACK_USEC
    since, until = _at(low), _at(high)
    unit = incident.unit
    container = container_of(unit)  # dockerd's lines for one container (selection.unit_terms)
    # A user unit: its own lines, or its manager's about it (systemd's failure lines), as selection.unit_terms
    # reads them, ORed with journalctl's `+` (--user-unit would add the caller's own _UID).
    groups = [[f"{name}={value}" for name, value in term.items()] for term in unit_terms(unit)] \
        if user_unit_of(unit) is not None else \
        [["-u", container[0], f"CONTAINER_NAME={container[1]}"]] if container is not None else \
        [["_TRANSPORT=kernel"]] if unit == "kernel" else [["-u", unit]] if unit and not unit.startswith("(") else \
        [["-t", unit.strip("()")]] if unit and unit != "(host)" else [[]]  # (a host's incident: all its lines)
    where = list(source)
    machine = journald_machine(incident.machine_id)
    if machine and (source or machine != _this_machine()):
        where = where or ["-m"]
        groups = [[f"_MACHINE_ID={machine}", *group] for group in groups]  # each side of a `+` takes it
    what = [word for index, group in enumerate(groups) for word in (["+"] if index else []) + group]
    return shlex.join(["journalctl", *where, *what, "--since", since, "--until", until])


AHEAD_SLACK_USEC = 5_000_000
"""How far (µs) a host-ahead command's span is widened each way: the host's lead was measured at one entry."""


def _at(usec: int) -> str:
    """A journal time (µs) as journalctl's `@SECONDS[.FRACTION]` (systemd.time(7))."""
    seconds, fraction = divmod(usec, 1_000_000)
    return f"@{seconds}.{fraction:06d}" if fraction else f"@{seconds}"


def service_payload(event: str, host: str, reason: str, severity: str = "critical", *, of_host: str = "",
                    machine_id: str = "") -> dict[str, Any]:
    """Alerts about logsentry itself (journal gaps, quarantined rules, failed restarts); `host` is logsentry's own
    name (the observer). `of_host`, `machine_id`: the host it is about when another (whose unit a restart
    failed: `[restart] machine_id` may name a machine systemctl reaches from here)."""
    return {"event": event, "host": of_host or host, "machine_id": machine_id, "observer": host,
            "unit": "logsentry", "rule": event, "severity": severity, "key": "",
            "reason": clean(reason), "count": 0, "first_usec": 0, "fired_usec": 0, "last_usec": 0, "cursor": "",
            "message": "", "context": []}


TEST_ALERT = "test_alert"
"""The rule and event name of `logsentry config check --send-test`'s alert (actions/test_alert.py)."""


def is_test_alert(payload: Mapping[str, Any]) -> bool:
    """Is it `config check --send-test`'s alert (about logsentry itself, no incident)?"""
    return payload.get("unit") == "logsentry" and payload.get("rule") == TEST_ALERT


SERVICE_WORDS = {
    "journal_gap": "logsentry missed journal entries (vacuumed or rotated before it read them)",
    "journal_blind": "logsentry cannot see the journal (its canary entry did not come back)",
    "rule_quarantined": "logsentry quarantined a rule (its regex ran past its time limit)",
    "restart_failed": "logsentry could not restart a unit",
    "state_corrupt": "logsentry found its state file corrupt and set it aside",
    TEST_ALERT: "a test alert from logsentry config check --send-test (no incident)",
    "rule_refused": "logsentry started without a rule file it refused (an error in it)",
}
"""What an alert about logsentry itself (service_payload's event) is about, in words."""
REBOOT_RULE = "host-rebooted-uncleanly"
"""engine/host_boots.RULE_ID, not imported: a delivery child imports no engine (tests/test_cli_startup.py)."""
BUILTIN_TITLES = {"host-went-silent": "the host's journal stopped arriving",
                  REBOOT_RULE: "the host rebooted without shutting down"}
"""Rules with no rule file (host_silence.py), by id."""
_A_UNIT = re.compile(r"\b[Aa] unit\b|\bthe unit\b")
_HOST_UNIT = "(host)"
"""host_silence.UNIT (which imports this module): a host's alert, of no unit or program."""


def headline(payload: Mapping[str, Any]) -> str:
    """What happened, in words an on-call person reads at a glance: the rule's title said of the unit
    ("api.service logs an error it never logged before"), else "UNIT: title"; the rule id only when the
    payload has no title (an alert queued by an older version). Lines of no unit are named by their
    identifier as the journal gives it ("(cron)": a cron job's lines, a text source's): the program is what
    the reader needs. A host's alert ("(host)", host_silence.UNIT) names its host in the title already."""
    unit, rule = str(payload["unit"]), str(payload["rule"])
    if unit == "logsentry" and rule in SERVICE_WORDS:
        return SERVICE_WORDS[rule]
    words = str(payload.get("rule_title") or BUILTIN_TITLES.get(rule) or rule)
    if not unit or unit == _HOST_UNIT:
        return words
    said, done = _A_UNIT.subn(lambda _: unit, words, count=1)
    return said if done else f"{unit}: {words}"


def title(payload: Mapping[str, Any]) -> str:
    """"[logsentry HOST] SEVERITY what happened (RULE)": HOST is the incident's host (its entries' _HOSTNAME),
    so a collector's alert names the host whose unit failed; reminders and resolves say so first. The rule id
    comes last, for `logsentry silence add --rule` and mail filters."""
    state = {"firing": "", "reminder": "still firing: ", "resolved": "RESOLVED: "}.get(payload["event"], "")
    said, rule = headline(payload), str(payload["rule"])
    tag = "" if said.endswith(rule) else f" ({rule})"
    return clean(f"[logsentry {payload['host']}] {state}{payload['severity'].upper()} {said}{tag}", 250)


def body(payload: Mapping[str, Any]) -> str:
    rule = str(payload["rule"])
    service = payload["unit"] == "logsentry" and rule in SERVICE_WORDS
    lines = [clean(headline(payload) if service else f"{headline(payload)} (rule {rule}, {payload['severity']})")]
    if payload["event"] in ("resolved", "reminder"):  # what changed first: "... logs again after 42m of silence"
        lines.insert(0, f"{payload['reason']}")
    elif payload["reason"] != f"{payload['severity']} incident":  # else the line above said it
        lines.append(f"{payload['reason']}")
    if payload.get("silence"):  # a silence has no hits: from its last entry to the alert's time
        lines.append(f"silent from {format_usec(payload['first_usec'])} (the last entry) to "
                     f"{format_usec(payload['last_usec'])} on {payload['host']}")
    elif rule == REBOOT_RULE:  # a host's unclean reboot has no hits either (engine/host_boots.py)
        lines.append(f"down from {format_usec(payload['first_usec'])} (its last line) to "
                     f"{format_usec(payload['last_usec'])} (its next boot's first line) on {payload['host']}")
    elif payload["first_usec"] and not service:  # (logsentry's own alerts have no hits: the resolve of one has times)
        at_least = "at least " if payload.get("count_is_lower_bound") else ""
        own = payload.get("last_hit_usec", payload["last_usec"])  # (an alert queued before it was given: last_usec)
        later = f"; the failure's last line {format_usec(payload['last_usec'])}" \
            if payload.get("chain") and payload["last_usec"] > own else ""
        lines.append(f"{at_least}{hits_said(str(payload.get('why', '')), payload['count'])} from "
                     f"{format_usec(payload['first_usec'])}{f' to {format_usec(own)}' if own else ''} on "
                     f"{payload['host']}{later}")
    if payload.get("dropped"):
        lines.append(f"journald suppressed {plural(payload['dropped'], 'message')} of this unit (rate limit)")
    if payload.get("why"):
        lines.append(f"why: {payload['why']}")
    if payload.get("changes_before"):  # (the service's: engine/unit_changes.py, as read when it was queued)
        lines.append(CHANGED_LABEL)
        lines.extend(f"  {line}" for line in payload["changes_before"])
    if payload.get("silenced"):  # (actions/outbox.py: held by a silence, sent at its end as the incident fired on)
        lines.append(f"sent at the end of a silence: it fired while silenced by {payload['silenced']}")
    if payload.get("template"):
        lines.append(f"template: {payload['template']}")
    if payload.get("chain"):
        lines.append(chain_heading(payload.get("chain_rules", len(payload["chain"])), len(payload["chain"]),
                                   payload.get("chain_repeated")))
        lines.extend(f"  {line}" for line in payload["chain"])
    if payload["message"]:
        lines.append(f"latest: {payload['message']}")
    if payload.get("journalctl"):
        lines.append(f"see: {payload['journalctl']}")
    if payload.get("incident"):  # the same in its reminders and resolve: which of two open ones this is
        lines.append(f"incident: {payload['incident']}")
    if payload["context"]:
        lines.append(f"last lines of {payload['unit']} before its silence:" if payload.get("silence") else
                     f"last lines of {payload['unit']} up to the hit that fired it "
                     f"({format_usec(payload['fired_usec'])}):")
        lines.extend(f"  {line}" for line in payload["context"])
    if payload.get("context_after"):
        lines.append(f"then, after it (read before this alert was made), {payload['unit']} logged:")
        lines.extend(f"  {line}" for line in payload["context_after"])
    return "\n".join(lines)


def alert_name(dedupe: str, payload: Mapping[str, Any]) -> str:
    """An alert as the service's log names it: the incident's id (`incident`, what `logsentry incidents` lists and
    `incidents resolve` takes), its event, unit and rule; for an alert about logsentry itself (no incident), its
    outbox key's kind ("journal_blind", ...). Not the internal incident_id, which holds the rule's key (log text)."""
    if payload.get("incident"):
        return (f"{payload['incident']} ({payload.get('event', '?')}: {visible(str(payload.get('unit', '')))}, "
                f"{visible(str(payload.get('rule', '')))})")
    return visible(dedupe.split(":")[1] if dedupe.count(":") >= 1 else dedupe)
