"""The site config of `logsentry run` (TOML): what to watch, which actions, alert channels, limits, state.

Validation collects every problem as `<file>: <key>: <what>` like rule files do. Secrets (apprise URLs,
webhook and heartbeat URLs, command arguments) are kept out of every message and of `describe()`: a
problem with a secret-bearing key never quotes its value, and a URL shows only its scheme (see redaction.py).
"""

from __future__ import annotations

import fnmatch
import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .channel import Channel as Channel  # its home; imported from here too
from .config_reader import Reader, got, parse_listen
from .host_clocks import HOLD_USEC, MAX_CLOCK_HOLD_USEC
from .redaction import Secrets, redact_url
from .rules.loader import LOCAL_RULES_DIR, shipped_rules_dir
from .sources.selection import unit_name
from .timespec import TimeSpecError, parse_duration, timespan
from .tomlfile import TomlFileError, read_toml, unknown_key
from .views.escape import visible

DEFAULT_CONFIG = Path("/etc/logsentry/logsentry.toml")
DEFAULT_STATE_DIR = Path("/var/lib/logsentry")
CHANNEL_KINDS = ("apprise", "command", "alertmanager")
ACTION_KINDS = ("restart", "alert")


class ConfigError(ValueError):
    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Watch:
    """Units (names or globs) and the rules (ids or globs) and actions allowed for them."""

    units: tuple[str, ...]
    rules: tuple[str, ...] = ("*",)
    actions: frozenset[str] = frozenset(ACTION_KINDS)
    silence_usec: int | None = None
    """`silence = "10m"`: these units are silent after that long, whatever their rhythm; `"off"` (0): never;
    unset (None): learnt from each unit's rhythm (engine/absence.py)."""
    command: tuple[str, ...] = ()
    """`command = ["/usr/local/bin/remediate", ...]`: argv given a remote host's restart incidents (JSON on
    stdin, no shell); logsentry restarts only its own machine's units."""

    def covers(self, unit: str, rule_id: str) -> bool:
        return any(fnmatch.fnmatchcase(unit, pattern) for pattern in self.units) and any(
            fnmatch.fnmatchcase(rule_id, pattern) for pattern in self.rules)


@dataclass(frozen=True)
class RestartLimits:
    """Loop protection: at most `budget` restarts per unit per `period`, none within `cooldown` of the
    last; when the same signature returns in the unit's next invocation, `on_return` decides."""

    budget: int = 3
    period_usec: int = 3600 * 1_000_000
    cooldown_usec: int = 300 * 1_000_000
    on_return: str = "alert"
    abort_first: bool = False
    timeout_s: float = 90.0
    systemctl: tuple[str, ...] = ("systemctl",)
    machine_id: str = ""
    """The machine whose units `systemctl` restarts, when not this one's /etc/machine-id ("" : this one)."""

    def vouch_for(self, local_machine: str) -> str:
        """The machine whose `_MACHINE_ID` only its own journald's files vouch for (sources/fanin_files.vouched):
        this one, `local_machine`, when its units are the ones restarted, `machine_id` naming it as well; "" with
        another `machine_id` (a machine whose journal arrives from elsewhere: a file's claim to be it is taken as
        it comes)."""
        return "" if self.machine_id and self.machine_id != local_machine else local_machine


@dataclass(frozen=True)
class AlertPolicy:
    channels: tuple[Channel, ...] = ()
    backoff_usec: int = 2 * 1_000_000
    max_backoff_usec: int = 300 * 1_000_000
    realert_usec: int = 600 * 1_000_000
    resolve: bool = True
    context_lines: int = 10
    resend_usec: int = 60 * 1_000_000
    """Alertmanager channels: an open incident's alert is sent again this often (Alertmanager resolves an
    alert it has not heard of for its resolve_timeout, 5 minutes by default)."""


@dataclass(frozen=True)
class SiteConfig:
    path: Path
    state_dir: Path = DEFAULT_STATE_DIR
    rule_dirs: tuple[Path, ...] = ()
    disabled_rules: tuple[str, ...] = ()
    watches: tuple[Watch, ...] = (Watch(units=("*",), actions=frozenset({"alert"})),)
    restart: RestartLimits = RestartLimits()
    alerts: AlertPolicy = AlertPolicy()
    heartbeat_url: str | None = None
    heartbeat_usec: int = 60 * 1_000_000
    canary_usec: int = 300 * 1_000_000
    canary_timeout_usec: int = 60 * 1_000_000
    dry_run: bool = False
    own_unit: str = "logsentry.service"
    journal_directory: Path | None = None
    hostname: str = field(default_factory=socket.gethostname)
    commit_every: int = 1000
    metrics_listen: str | None = None
    """`[metrics] listen = "127.0.0.1:9464"`: serve Prometheus metrics there (off when unset)."""
    metrics_textfile: Path | None = None
    """`[metrics] textfile = PATH`: write them there for node_exporter's textfile collector."""
    host_silent_after_usec: int | None = None
    """`[hosts] silent_after`: a host of a `journal_directory` whose newest entry is older than this is silent
    (host_silence.py); None ("auto"): learnt per host; 0 ("off")."""
    host_clock_hold_usec: int = HOLD_USEC
    """`[hosts] clock_hold`: how long a host's clock offset must hold steady before its host is judged by it
    (host_clocks.py); at most MAX_CLOCK_HOLD_USEC."""

    def secrets(self) -> Secrets:
        """What to scrub out of error texts before they are logged or stored."""
        values = [value for channel in self.alerts.channels for value in channel.secrets()]
        values += [value for watch in self.watches for value in watch.command[1:]]
        return Secrets.of([*values, self.heartbeat_url] if self.heartbeat_url else values)

    def watch_for(self, unit: str, rule_id: str) -> Watch | None:
        return next((watch for watch in self.watches if watch.covers(unit, rule_id)), None)

    def silence_for(self, unit: str) -> int | None:
        """The silence setting of the first watch that covers the unit and sets one (see Watch.silence_usec)."""
        return next((watch.silence_usec for watch in self.watches if watch.silence_usec is not None
                     and any(fnmatch.fnmatchcase(unit, pattern) for pattern in watch.units)), None)

    def watched_units(self) -> tuple[str, ...]:
        """Exact unit names to push into journal matches, or () when any pattern is a glob."""
        names = [pattern for watch in self.watches for pattern in watch.units]
        return () if any(set("*?[") & set(name) for name in names) else tuple(dict.fromkeys(names))

    def _self_check(self) -> str:
        """The canary's line, on or off and why (service_journal._check_canary): it writes to this machine's
        journal through journald, which a service reading a journal_directory does not read."""
        if self.journal_directory is not None:
            return ("self-check: off (journal_directory is set: the canary entry would go to this machine's journal, "
                    "which the service does not read then)")
        if not self.canary_usec:
            return "self-check: off ([canary] enabled = false)"
        return (f"self-check: a canary entry every {timespan(self.canary_usec)} must be read back within "
                f"{timespan(self.canary_timeout_usec)}")

    def describe(self, refused: frozenset[str] = frozenset()) -> list[str]:
        """Human summary for `config check`, with secrets redacted. `refused`: the settings `config check` found
        bad ("journal_directory", "heartbeat.url", "channel N", N from 1): their lines are left out, so that no line
        reads as fine above the error that says otherwise (helper U's `journal: /nonexistent (...)`)."""
        lines = [f"state directory: {self.state_dir}", "rule directories: " + ", ".join(map(str, self.rule_dirs))]
        # which journal the service reads, and so which hosts its alerts are about (F8's finding)
        if self.journal_directory is None:
            lines.append("journal: the local journal (no journal_directory)")
        elif "journal_directory" not in refused:
            lines.append(f"journal: {visible(str(self.journal_directory))} (journal_directory: its hosts' journal "
                         "files)")
        if self.disabled_rules:
            lines.append("disabled rules: " + ", ".join(self.disabled_rules))
        for watch in self.watches:
            silence = "" if watch.silence_usec is None else "; silence " + (
                "off" if not watch.silence_usec else f"after {timespan(watch.silence_usec)}")
            lines.append(f"watch {visible(', '.join(watch.units))}: rules {visible(', '.join(watch.rules))}; "
                         f"actions {', '.join(sorted(watch.actions)) or 'none (report only)'}{silence}"
                         + (f"; other hosts' restarts to {visible(Path(watch.command[0]).name)} "
                            f"(+{len(watch.command) - 1} args)" if watch.command else ""))
        limits = self.restart
        cooldown = f"cooldown {timespan(limits.cooldown_usec)}" if limits.cooldown_usec else "no cooldown"
        lines.append(f"restart: at most {limits.budget} per unit per {timespan(limits.period_usec)}, {cooldown}, "
                     f"on return: {limits.on_return}, via {' '.join(limits.systemctl)}")
        for index, channel in enumerate(self.alerts.channels, start=1):
            if f"channel {index}" not in refused:
                lines.append(f"alert channel {index}: {channel.name} ({channel.redacted()}, {channel.retries} "
                             "tries)")
        if not self.alerts.channels:
            lines.append("alert channels: none (alerts are only logged)")
        else:
            alerts = self.alerts
            realert = alerts.realert_usec
            lines.append(f"alerts: reminders after {', '.join(timespan(realert << n) for n in range(3))}, ... while an "
                         f"incident lasts{', a resolve message when it ends' if alerts.resolve else ''}; a failing "
                         f"channel is retried after {timespan(alerts.backoff_usec)}, doubling up to "
                         f"{timespan(alerts.max_backoff_usec)}")
        if self.heartbeat_url and "heartbeat.url" not in refused:
            lines.append(f"heartbeat: every {timespan(self.heartbeat_usec)} to {redact_url(self.heartbeat_url)}")
        lines.append(self._self_check())
        if self.journal_directory is not None:
            after = self.host_silent_after_usec
            lines.append("hosts: " + ("silence not watched" if after == 0 else "silent when no entry came for " + (
                "a threshold learnt from each host's gaps" if after is None else timespan(after))))
        if self.restart.machine_id:
            lines.append(f"restarts only units of machine {self.restart.machine_id}")
        if self.metrics_listen or self.metrics_textfile:
            where = [f"http://{self.metrics_listen}/metrics"] if self.metrics_listen else []
            where += [str(self.metrics_textfile)] if self.metrics_textfile else []
            lines.append(f"metrics: {', '.join(where)}")
        if self.dry_run:
            lines.append("dry run: actions are logged, never taken")
        return lines


_TOP = {"state_dir", "rules", "disabled_rules", "watch", "restart", "alerts", "channel", "heartbeat", "canary",
        "dry_run",
        "own_unit", "journal_directory", "hostname", "commit_every", "metrics", "hosts"}


def _channel(reader: Reader, data: Mapping[str, Any], index: int) -> Channel | None:
    path = f"channel[{index}]"
    for name in data:
        if name not in {"name", "type", "url", "argv", "retries", "timeout"}:
            reader.problem(f"{path}.{name}", unknown_key(name, ("argv", "name", "retries", "timeout", "type", "url")))
    kind = data.get("type")
    if kind not in CHANNEL_KINDS:
        shown = got(kind, secret=not (isinstance(kind, str) and kind.isidentifier()))  # a misplaced URL?
        reader.problem(f"{path}.type", f"expected one of {', '.join(CHANNEL_KINDS)} ({shown})")
        return None
    if kind == "command":
        target = reader.strings(data, "argv", f"{path}.argv", (), secret=True)
        if not target or not target[0].startswith("/"):
            reader.problem(f"{path}.argv", "expected a list starting with an absolute program path "
                           "(the alert is given on stdin as JSON; no shell is used)")
            return None
    else:
        url = data.get("url")
        if not isinstance(url, str) or "://" not in url:
            reader.problem(f"{path}.url", "expected a URL like \"json://host/path\" (value not shown)")
            return None
        target = (url,)
    timeout = reader.duration(data, "timeout", f"{path}.timeout", 10_000_000) / 1_000_000
    name = reader.text(data, "name", f"{path}.name", f"{kind}-{index + 1}")
    return Channel(name=name, kind=str(kind), target=target,
                   retries=reader.integer(data, "retries", f"{path}.retries", 3, low=1), timeout_s=timeout)


def site_path(config: Path, value: str) -> Path:
    """A path the config names (state_dir, rules, journal_directory, metrics.textfile): a relative one is taken
    from the config file's directory, never from the working directory, so that `config check` run anywhere and
    the service (cwd /) mean the same directory (a newcomer's check passed in one directory and the service
    then read another)."""
    return config.absolute().parent / value


def parse_config(data: Mapping[str, Any], path: Path) -> SiteConfig:
    problems: list[str] = []
    reader = Reader(str(path), problems)
    for name in data:
        if name not in _TOP:
            reader.problem(name, unknown_key(name, _TOP))

    rule_dirs = [shipped_rules_dir()]
    if LOCAL_RULES_DIR.is_dir():
        rule_dirs.append(LOCAL_RULES_DIR)
    rule_dirs += [site_path(path, p) for p in reader.strings(data, "rules", "rules", ())]

    watches = []
    for index, table in enumerate(reader.tables(data, "watch")):
        where = f"watch[{index}]"
        for name in table:
            if name not in {"units", "rules", "actions", "silence", "command"}:
                reader.problem(f"{where}.{name}",
                               unknown_key(name, ("actions", "command", "rules", "silence", "units")))
        units = reader.strings(table, "units", f"{where}.units", ())
        if not units:
            reader.problem(f"{where}.units", 'expected at least one unit name or glob (e.g. ["api", "*.service"])')
        actions = reader.strings(table, "actions", f"{where}.actions", ACTION_KINDS)
        for action in actions:
            if action not in ACTION_KINDS:
                reader.problem(f"{where}.actions", f"expected any of {', '.join(ACTION_KINDS)} (got {action!r})")
        full = tuple(unit if set("*?[") & set(unit) else unit_name(unit) for unit in units)
        silence: int | None = None
        if "silence" in table:
            try:
                silence = 0 if table["silence"] == "off" else parse_duration(str(table["silence"]))
            except TimeSpecError:
                reader.problem(f"{where}.silence", f'expected a duration like "10m" or "off" '
                               f'({got(table["silence"])})')
        command = reader.strings(table, "command", f"{where}.command", (), secret=True)
        if command and not command[0].startswith("/"):
            reader.problem(f"{where}.command", "expected a list starting with an absolute program path (a remote "
                           "host's restart incident is given on stdin as JSON; no shell is used)")
            command = ()
        watches.append(Watch(units=full, rules=reader.strings(table, "rules", f"{where}.rules", ("*",)),
                             actions=frozenset(a for a in actions if a in ACTION_KINDS), silence_usec=silence,
                             command=command))

    restart_table = reader.table(data, "restart", {"budget", "period", "cooldown", "on_return", "abort_first",
                                                   "timeout", "systemctl", "machine_id"})
    on_return = restart_table.get("on_return", "alert")
    if on_return not in ("alert", "restart"):
        reader.problem("restart.on_return", f"expected \"alert\" or \"restart\" (got {on_return!r})")
        on_return = "alert"
    restart = RestartLimits(
        budget=reader.integer(restart_table, "budget", "restart.budget", 3),
        period_usec=reader.duration(restart_table, "period", "restart.period", 3600 * 1_000_000),
        cooldown_usec=reader.duration(restart_table, "cooldown", "restart.cooldown", 300 * 1_000_000,
                                      zero="no cooldown"),
        on_return=str(on_return),
        abort_first=reader.boolean(restart_table, "abort_first", "restart.abort_first", False),
        timeout_s=reader.duration(restart_table, "timeout", "restart.timeout", 90_000_000) / 1_000_000,
        systemctl=reader.strings(restart_table, "systemctl", "restart.systemctl", ("systemctl",)),
        machine_id=reader.text(restart_table, "machine_id", "restart.machine_id", "") if "machine_id" in restart_table
        else "",
    )
    if restart.machine_id and not re.fullmatch(r"[0-9a-f]{32}", restart.machine_id):
        reader.problem("restart.machine_id", f"expected 32 lowercase hex digits as in /etc/machine-id "
                       f"(got {restart.machine_id!r})")
    if not restart.systemctl:
        reader.problem("restart.systemctl", 'expected the program and its arguments, like ["/usr/bin/systemctl"] '
                       "(got an empty list)")
    elif restart.systemctl != ("systemctl",) and not restart.systemctl[0].startswith("/"):
        reader.problem("restart.systemctl", "expected an absolute program path like \"/usr/bin/systemctl\" (a "
                       f"relative one depends on the working directory) (got {restart.systemctl[0]!r})")

    alerts_table = reader.table(data, "alerts", {"backoff", "max_backoff", "realert", "resolve", "context_lines",
                                                 "resend"})
    channels = tuple(c for i, t in enumerate(reader.tables(data, "channel")) if (c := _channel(reader, t, i)))
    alerts = AlertPolicy(
        channels=channels,
        backoff_usec=reader.duration(alerts_table, "backoff", "alerts.backoff", 2_000_000),
        max_backoff_usec=reader.duration(alerts_table, "max_backoff", "alerts.max_backoff", 300_000_000),
        realert_usec=reader.duration(alerts_table, "realert", "alerts.realert", 600_000_000),
        resolve=reader.boolean(alerts_table, "resolve", "alerts.resolve", True),
        context_lines=reader.integer(alerts_table, "context_lines", "alerts.context_lines", 10),
        resend_usec=reader.duration(alerts_table, "resend", "alerts.resend", 60_000_000),
    )
    canary = reader.table(data, "canary", {"interval", "timeout", "enabled"})
    heartbeat = reader.table(data, "heartbeat", {"url", "interval"})
    heartbeat_url = heartbeat.get("url")
    if heartbeat_url is not None and (not isinstance(heartbeat_url, str) or "://" not in heartbeat_url):
        reader.problem("heartbeat.url", "expected an http(s) URL (value not shown)")
        heartbeat_url = None

    journal_directory = reader.text(data, "journal_directory", "journal_directory", "") if "journal_directory" in data \
        else None
    metrics = reader.table(data, "metrics", {"listen", "textfile"})
    listen = reader.text(metrics, "listen", "metrics.listen", "") if "listen" in metrics else None
    if listen:
        try:
            parse_listen(listen)
        except ValueError as error:
            reader.problem("metrics.listen", str(error))
    textfile = reader.text(metrics, "textfile", "metrics.textfile", "") if "textfile" in metrics else None
    hosts = reader.table(data, "hosts", {"silent_after", "clock_hold"})
    silent_after = hosts.get("silent_after", "auto")
    host_silent_after: int | None = None
    if silent_after != "auto":
        try:
            host_silent_after = 0 if silent_after == "off" else parse_duration(str(silent_after))
        except TimeSpecError:
            reader.problem("hosts.silent_after",
                           f'expected "auto", "off" or a duration like "10m" ({got(silent_after)})')
    clock_hold = reader.duration(hosts, "clock_hold", "hosts.clock_hold", HOLD_USEC)
    if not 1_000_000 <= clock_hold <= MAX_CLOCK_HOLD_USEC:
        reader.problem("hosts.clock_hold", f'expected a duration from "1s" to "{timespan(MAX_CLOCK_HOLD_USEC)}" '
                       f"(got {timespan(clock_hold)})")
    defaults = SiteConfig(path=path)
    config = SiteConfig(
        path=path,
        state_dir=site_path(path, reader.text(data, "state_dir", "state_dir", str(DEFAULT_STATE_DIR))),
        rule_dirs=tuple(rule_dirs),
        disabled_rules=reader.strings(data, "disabled_rules", "disabled_rules", ()),
        watches=tuple(watches) or defaults.watches,
        restart=restart,
        alerts=alerts,
        heartbeat_url=heartbeat_url,
        heartbeat_usec=reader.duration(heartbeat, "interval", "heartbeat.interval", 60_000_000),
        canary_usec=reader.duration(canary, "interval", "canary.interval", 300_000_000)
        if reader.boolean(canary, "enabled", "canary.enabled", True) else 0,
        canary_timeout_usec=reader.duration(canary, "timeout", "canary.timeout", 60_000_000),
        dry_run=reader.boolean(data, "dry_run", "dry_run", False),
        own_unit=unit_name(reader.text(data, "own_unit", "own_unit", "logsentry.service")),
        journal_directory=site_path(path, journal_directory) if journal_directory else None,
        hostname=reader.text(data, "hostname", "hostname", defaults.hostname),
        commit_every=reader.integer(data, "commit_every", "commit_every", 1000, low=1),
        metrics_listen=listen or None,
        metrics_textfile=site_path(path, textfile) if textfile else None,
        host_silent_after_usec=host_silent_after,
        host_clock_hold_usec=clock_hold,
    )
    if problems:
        raise ConfigError(problems)
    return config


def load_config(path: Path) -> SiteConfig:
    try:
        data = read_toml(path, str(path))
    except TomlFileError as error:
        raise ConfigError([str(error)]) from None
    return parse_config(data, path)


PLACEHOLDERS = ("INTEGRATION_KEY", "ROUTING_KEY", "user:password@", "example.com", "YOUR-UUID")
"""Text of contrib/logsentry.toml's example URLs, which only work once replaced."""


def placeholder_in(url: str) -> str:
    """The first of contrib/logsentry.toml's example texts (PLACEHOLDERS) the URL still holds ("" for none)."""
    return next((mark for mark in PLACEHOLDERS if mark in url), "")


def placeholder_warnings(config: SiteConfig) -> list[str]:
    """The example's placeholder text left in the config's URLs (named by channel and by the placeholder, the URL
    never shown). A warning beside config check's other checks of the URL, never instead of them."""
    found = [(f"channel {channel.name!r}", placeholder_in(channel.target[0])) for channel in config.alerts.channels
             if channel.kind != "command"]
    found.append(("heartbeat.url", placeholder_in(config.heartbeat_url or "")))
    return [f"{config.path}: warning: {where}: the URL still holds the example config's placeholder text (which is "
            "not shown: it may sit beside a secret): put a real one in (alerts cannot be delivered to it)"
            for where, mark in found if mark]
