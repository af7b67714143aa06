"""The site config of `logsentry run` (TOML): what to watch, which actions, alert channels, limits, state.

config_parse.py reads it, collecting every problem as `<file>: <key>: <what>` like rule files do. Secrets (apprise URLs,
webhook and heartbeat URLs, command arguments) are kept out of every message and of `describe()`: a
problem with a secret-bearing key never quotes its value, and a URL shows only its scheme (see redaction.py).
"""

from __future__ import annotations

import fnmatch
import socket
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from .channel import Channel as Channel  # its home; imported from here too
from .host_clocks import HOLD_USEC
from .redaction import Secrets, redact_url
from .rules.loader import shipped_rules_dir as shipped_rules_dir  # (tests import it from here)
from .sources.selection import parent_of
from .timespec import timespan
from .views.escape import visible
from .wording import plural

DEFAULT_CONFIG = Path("/etc/logsentry/logsentry.toml")
DEFAULT_STATE_DIR = Path("/var/lib/logsentry")
CHANNEL_KINDS = ("apprise", "command", "alertmanager")
ACTION_KINDS = ("restart", "alert")


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
    where: str = ""
    """How messages name its `[[watch]]` table ("watch #2 (line 14)", config_reader.entry_name); "" for the
    default watch of a config with none."""

    def covers(self, unit: str, rule_id: str) -> bool:
        return self.takes(unit) and any(fnmatch.fnmatchcase(rule_id, pattern) for pattern in self.rules)

    def takes(self, unit: str) -> bool:
        """Does a unit pattern match `unit`, or for a container's subject (`docker.service/web`,
        sources/selection.subject_unit) its unit? A watch of docker.service covered its containers' lines before
        they had a subject of their own, and goes on covering them (a container is never restarted: policy.py);
        `docker.service/*` covers the containers alone."""
        if any(fnmatch.fnmatchcase(unit, pattern) for pattern in self.units):
            return True
        parent = parent_of(unit)  # (a user manager's watch covers its user units alike)
        return parent is not None and any(fnmatch.fnmatchcase(parent, pattern) for pattern in self.units)


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
                     and watch.takes(unit)), None)

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
        """Human summary for `config check`, with secrets redacted. `refused`: the sections `config check` found
        bad ("restart", "journal_directory", "heartbeat", a table's name such as "channel #2 (line 9)": see
        config_reader.Reader.refused): their lines are left out, so that no line reads as fine above the error that
        says otherwise (helper U's `journal: /nonexistent (...)`), nor shows a refused setting's default."""
        lines = [line for section, line in (("state_dir", f"state directory: {self.state_dir}"),
                                            ("rules", "rule directories: " + ", ".join(map(str, self.rule_dirs))))
                 if section not in refused]
        # which journal the service reads, and so which hosts its alerts are about (F8's finding)
        if "journal_directory" not in refused:
            lines.append("journal: the local journal (no journal_directory)" if self.journal_directory is None else
                         f"journal: {visible(str(self.journal_directory))} (journal_directory: its hosts' journal "
                         "files)")
        if self.disabled_rules and "disabled_rules" not in refused:
            lines.append("disabled rules: " + ", ".join(self.disabled_rules))
        for watch in self.watches if "watch" not in refused else ():
            silence = "" if watch.silence_usec is None else "; silence " + (
                "off" if not watch.silence_usec else f"after {timespan(watch.silence_usec)}")
            if watch.where not in refused:
                lines.append(f"{watch.where or 'watch'} {visible(', '.join(watch.units))}: rules "
                             f"{visible(', '.join(watch.rules))}; actions "
                             f"{', '.join(sorted(watch.actions)) or 'none (report only)'}{silence}"
                             + (f"; other hosts' restarts to {visible(Path(watch.command[0]).name)} "
                                f"(+{len(watch.command) - 1} args)" if watch.command else ""))
        limits = self.restart
        cooldown = f"cooldown {timespan(limits.cooldown_usec)}" if limits.cooldown_usec else "no cooldown"
        if "restart" not in refused:
            said = (f"at most {limits.budget} per unit per {timespan(limits.period_usec)}, {cooldown}, on return: "
                    f"{limits.on_return}, via {' '.join(limits.systemctl)}")
            # (the limits of restarts no watch allows read as if units were restarted: newuser78's finding 12)
            lines.append(f"restart: {said}" if any("restart" in watch.actions for watch in self.watches) else
                         f'restart: none (no watch has "restart" in its actions; [restart] would allow {said})')
        for index, channel in enumerate(self.alerts.channels, start=1):
            if channel.where not in refused:
                lines.append(f"alert {channel.where or f'channel #{index}'}: {channel.name} ({channel.redacted()}, "
                             f"{plural(channel.retries, 'try', 'tries')})")
        channel_refused = any(section == "channel" or section.startswith("channel #") for section in refused)
        if not self.alerts.channels and not channel_refused:  # (not "none" while one is refused)
            lines.append("alert channels: none (alerts are only logged)")
        elif self.alerts.channels and "alerts" not in refused:
            alerts = self.alerts
            realert = alerts.realert_usec
            lines.append(f"alerts: reminders after {', '.join(timespan(realert << n) for n in range(3))}, ... while an "
                         f"incident lasts{', a resolve message when it ends' if alerts.resolve else ''}; a failing "
                         f"channel is retried after {timespan(alerts.backoff_usec)}, doubling up to "
                         f"{timespan(alerts.max_backoff_usec)}")
        if self.heartbeat_url and "heartbeat" not in refused:
            lines.append(f"heartbeat: every {timespan(self.heartbeat_usec)} to {redact_url(self.heartbeat_url)}")
        if "canary" not in refused and "journal_directory" not in refused:  # (off while one is set)
            lines.append(self._self_check())
        if self.journal_directory is not None and "hosts" not in refused:
            after = self.host_silent_after_usec
            lines.append("hosts: " + ("silence not watched" if after == 0 else "silent when no entry came for " + (
                "a threshold learnt from each host's gaps" if after is None else timespan(after))))
        if self.restart.machine_id and "restart" not in refused:
            lines.append(f"restarts only units of machine {self.restart.machine_id}")
        if (self.metrics_listen or self.metrics_textfile) and "metrics" not in refused:
            where = [f"http://{self.metrics_listen}/metrics"] if self.metrics_listen else []
            where += [str(self.metrics_textfile)] if self.metrics_textfile else []
            lines.append(f"metrics: {', '.join(where)}")
        if self.dry_run:
            lines.append("dry run: new restarts, alerts and hooks are logged, not done (a page sent before a reload "
                         "began it still resolves; a reload that ends it pages the incidents still open)")
        return lines


PLACEHOLDERS = ("INTEGRATION_KEY", "ROUTING_KEY", "user:password@", "example.com", "YOUR-UUID")
"""Text of contrib/logsentry.toml's example URLs, which only work once replaced."""
SHOWN_PLACEHOLDERS = frozenset({"example.com"})
"""The placeholders a warning may quote where they are a host's: the example's domain, never a secret's stand-in
(INTEGRATION_KEY, user:password: the text beside them may be a real key)."""


def _url_parts(url: str) -> list[tuple[str, str]]:
    """The URL's parts as (name, text), split as RFC 3986 does ([] when it cannot be: a warning then names none)."""
    try:
        split = urlsplit(url)
    except ValueError:
        return []
    userinfo, at, host = split.netloc.rpartition("@")
    return [("part before @", userinfo + at), ("host", host), ("path", split.path), ("query", split.query),
            ("fragment", split.fragment)]


def placeholder_where(url: str) -> str:
    """Where in the URL the example's placeholders sit, in words that quote no text of the URL but the example's
    own domain where it is the host's ("its part before @, its host (example.com) and its query"); "" when the URL
    holds none. A new user's trial: the warning named no part, so which one to replace was a guess."""
    marks = [mark for mark in PLACEHOLDERS if mark in url]
    if not marks:
        return ""
    named = []
    for name, text in _url_parts(url):
        held = [mark for mark in marks if mark in text]
        shown = [mark for mark in held if mark in SHOWN_PLACEHOLDERS] if name == "host" else []
        if held:
            named.append(f"its {name}" + (f" ({', '.join(shown)})" if shown else ""))
    if not named:
        return "the URL"
    return named[0] if len(named) == 1 else f"{', '.join(named[:-1])} and {named[-1]}"


def placeholder_warnings(config: SiteConfig) -> list[str]:
    """The example's placeholder text left in the config's URLs (named by channel and by the part of the URL that
    holds it, placeholder_where; the URL never shown). A warning beside config check's other checks of the URL,
    never instead of them."""
    found = [(f"{channel.where or f'channel {channel.name!r}'}: url", placeholder_where(channel.target[0]))
             for channel in config.alerts.channels if channel.kind != "command"]
    found.append(("heartbeat.url", placeholder_where(config.heartbeat_url or "")))
    return [f"{config.path}: warning: {where}: the URL still holds the example config's placeholder text in {part} "
            "(the rest is not shown: it may sit beside a secret): put a real one in (alerts cannot be delivered to "
            "it)" for where, part in found if part]
