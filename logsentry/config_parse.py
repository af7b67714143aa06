"""Reading the site config's TOML into a SiteConfig (config.py), every problem collected.

A setting with a problem keeps its default (a `[[channel]]` whose type, URL or argv is refused is left out), so
that the rest can still be checked in the same run: `config check` goes on to the rule files, the trust check,
the channels' URLs and the rule names instead of stopping at the first stage with an error (operators fixed one
thing, ran it again and met the next). `parse_config` and `load_config` raise ConfigError with every problem;
`read_config` returns them beside the config.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .channel import Channel
from .config import ACTION_KINDS, CHANNEL_KINDS, DEFAULT_STATE_DIR, AlertPolicy, RestartLimits, SiteConfig, Watch
from .config_reader import Reader, entry_name, got, parse_listen
from .host_clocks import HOLD_USEC, MAX_CLOCK_HOLD_USEC
from .rules.loader import LOCAL_RULES_DIR, shipped_rules_dir
from .sources.selection import unit_name
from .timespec import TimeSpecError, parse_duration, timespan
from .tomlfile import TomlFileError, header_lines, loads_toml, read_bytes, unknown_key

_TOP = {"state_dir", "rules", "disabled_rules", "watch", "restart", "alerts", "channel", "heartbeat", "canary",
        "dry_run", "own_unit", "journal_directory", "hostname", "commit_every", "metrics", "hosts"}
_WATCH_KEYS = ("actions", "command", "rules", "silence", "units")
_CHANNEL_KEYS = ("argv", "name", "retries", "timeout", "type", "url")


class ConfigError(ValueError):
    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Parsed:
    """A config file as read: `config` with each refused setting at its default (None when the file is no
    TOML at all), every problem, and the sections refused (Reader.refused)."""

    config: SiteConfig | None
    problems: tuple[str, ...] = ()
    refused: frozenset[str] = frozenset()


def site_path(config: Path, value: str) -> Path:
    """A path the config names (state_dir, rules, journal_directory, metrics.textfile): a relative one is taken
    from the config file's directory, never from the working directory, so that `config check` run anywhere and
    the service (cwd /) mean the same directory (a newcomer's check passed in one directory and the service
    then read another)."""
    return config.absolute().parent / value


def _channel(reader: Reader, data: Mapping[str, Any], index: int) -> Channel | None:
    for name in data:
        if name not in _CHANNEL_KEYS:
            reader.problem(name, unknown_key(name, _CHANNEL_KEYS))
    kind = data.get("type")
    if kind not in CHANNEL_KINDS:
        shown = got(kind, secret=not (isinstance(kind, str) and kind.isidentifier()))  # a misplaced URL?
        reader.problem("type", f"expected one of {', '.join(CHANNEL_KINDS)} ({shown})")
        return None
    if kind == "command":
        target = reader.strings(data, "argv", "argv", (), secret=True)
        if not target or not target[0].startswith("/"):
            reader.problem("argv", "expected a list starting with an absolute program path "
                           "(the alert is given on stdin as JSON; no shell is used)")
            return None
    else:
        url = data.get("url")
        if not isinstance(url, str) or "://" not in url:
            reader.problem("url", "expected a URL like \"json://host/path\" (value not shown)")
            return None
        target = (url,)
    timeout = reader.duration(data, "timeout", "timeout", 10_000_000) / 1_000_000
    name = reader.text(data, "name", "name", f"{kind}-{index + 1}")
    retries = reader.integer(data, "retries", "retries", 3, low=1)
    return Channel(name=name, kind=str(kind), target=target, retries=retries, timeout_s=timeout, where=reader.entry)


def _watch(reader: Reader, table: Mapping[str, Any]) -> Watch:
    for name in table:
        if name not in _WATCH_KEYS:
            reader.problem(name, unknown_key(name, _WATCH_KEYS))
    units = reader.strings(table, "units", "units", ())
    if not units:
        reader.problem("units", 'expected at least one unit name or glob (e.g. ["api", "*.service"])')
    actions = reader.strings(table, "actions", "actions", ACTION_KINDS)
    for action in actions:
        if action not in ACTION_KINDS:
            reader.problem("actions", f"expected any of {', '.join(ACTION_KINDS)} (got {action!r})")
    full = tuple(unit if set("*?[") & set(unit) else unit_name(unit) for unit in units)
    silence: int | None = None
    if "silence" in table:
        try:
            silence = 0 if table["silence"] == "off" else parse_duration(str(table["silence"]))
        except TimeSpecError:
            reader.problem("silence", f'expected a duration like "10m" or "off" ({got(table["silence"])})')
    command = reader.strings(table, "command", "command", (), secret=True)
    if command and not command[0].startswith("/"):
        reader.problem("command", "expected a list starting with an absolute program path (a remote host's restart "
                       "incident is given on stdin as JSON; no shell is used)")
        command = ()
    return Watch(units=full, rules=reader.strings(table, "rules", "rules", ("*",)),
                 actions=frozenset(a for a in actions if a in ACTION_KINDS), silence_usec=silence, command=command,
                 where=reader.entry)


def _restart(reader: Reader, data: Mapping[str, Any]) -> RestartLimits:
    table = reader.table(data, "restart", {"budget", "period", "cooldown", "on_return", "abort_first", "timeout",
                                           "systemctl", "machine_id"})
    on_return = table.get("on_return", "alert")
    if on_return not in ("alert", "restart"):
        reader.problem("restart.on_return", f"expected \"alert\" or \"restart\" (got {on_return!r})")
        on_return = "alert"
    restart = RestartLimits(
        budget=reader.integer(table, "budget", "restart.budget", 3),
        period_usec=reader.duration(table, "period", "restart.period", 3600 * 1_000_000),
        cooldown_usec=reader.duration(table, "cooldown", "restart.cooldown", 300 * 1_000_000, zero="no cooldown"),
        on_return=str(on_return),
        abort_first=reader.boolean(table, "abort_first", "restart.abort_first", False),
        timeout_s=reader.duration(table, "timeout", "restart.timeout", 90_000_000) / 1_000_000,
        systemctl=reader.strings(table, "systemctl", "restart.systemctl", ("systemctl",)),
        machine_id=reader.text(table, "machine_id", "restart.machine_id", "") if "machine_id" in table else "",
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
    return restart


def _alerts(reader: Reader, data: Mapping[str, Any], lines: Sequence[int]) -> AlertPolicy:
    table = reader.table(data, "alerts", {"backoff", "max_backoff", "realert", "resolve", "context_lines", "resend"})
    channels = tuple(channel for index, entry in enumerate(reader.tables(data, "channel"))
                     if (channel := _channel(reader.within(entry_name("channel", index, lines)), entry, index)))
    return AlertPolicy(
        channels=channels,
        backoff_usec=reader.duration(table, "backoff", "alerts.backoff", 2_000_000),
        max_backoff_usec=reader.duration(table, "max_backoff", "alerts.max_backoff", 300_000_000),
        realert_usec=reader.duration(table, "realert", "alerts.realert", 600_000_000),
        resolve=reader.boolean(table, "resolve", "alerts.resolve", True),
        context_lines=reader.integer(table, "context_lines", "alerts.context_lines", 10),
        resend_usec=reader.duration(table, "resend", "alerts.resend", 60_000_000),
    )


def _parse(data: Mapping[str, Any], path: Path, headers: Mapping[str, Sequence[int]], text: str = "") -> Parsed:
    """Every setting read (a refused one at its default), with every problem (with its line when `text`, the
    file's, is given)."""
    problems: list[str] = []
    reader = Reader(str(path), problems, text=text)
    for name in data:
        if name not in _TOP:
            reader.problem(name, unknown_key(name, _TOP))

    rule_dirs = [shipped_rules_dir()]
    if LOCAL_RULES_DIR.is_dir():
        rule_dirs.append(LOCAL_RULES_DIR)
    rule_dirs += [site_path(path, p) for p in reader.strings(data, "rules", "rules", ())]
    watches = [_watch(reader.within(entry_name("watch", index, headers.get("watch", ()))), table)
               for index, table in enumerate(reader.tables(data, "watch"))]
    restart = _restart(reader, data)
    alerts = _alerts(reader, data, headers.get("channel", ()))
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
    return Parsed(config, tuple(problems), frozenset(reader.refused))


def parse_config(data: Mapping[str, Any], path: Path, headers: Mapping[str, Sequence[int]] | None = None) -> SiteConfig:
    """The config, or ConfigError with every problem. `headers`: the line of each `[[watch]]` and `[[channel]]`
    header (tomlfile.header_lines), for naming the tables in messages."""
    parsed = _parse(data, path, headers or {})
    if parsed.problems or parsed.config is None:
        raise ConfigError(list(parsed.problems))
    return parsed.config


def read_config(path: Path) -> Parsed:
    """The config file read and parsed, every problem beside it (config None: it cannot be read as TOML, and
    that is the only problem there is to tell)."""
    try:
        raw = read_bytes(path, str(path))
        data = loads_toml(raw, str(path))
    except TomlFileError as error:
        return Parsed(None, (str(error),))
    text = raw.decode("utf-8")
    headers = {key: header_lines(text, key, len(value)) for key in ("watch", "channel")
               if isinstance(value := data.get(key), list)}
    return _parse(data, path, headers, text)


def load_config(path: Path) -> SiteConfig:
    parsed = read_config(path)
    if parsed.problems or parsed.config is None:
        raise ConfigError(list(parsed.problems))
    return parsed.config
