"""Silences and maintenance windows (issue 17): `logsentry silence add/list/expire`.

A silence matches alerts by unit, and optionally host and rule, until it ends. Local silences live in the
state directory (`silences.json`, written whole and renamed, so they survive restarts and the running service
sees them without a reload); the outbox worker reads them before each delivery: a silenced alert is not sent
(marked done, "silenced by ID"), while the incident is still detected, logged and recorded. Where an
Alertmanager channel is configured, the same silence is created there (`POST /api/v2/silences`, matchers
unit/host/rule as logsentry labels its alerts) and expired there with it, so one command quiets both.
"""

from __future__ import annotations

import json
import os
import re
import urllib.parse
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .actions.channels import RequestFailed, call_alertmanager, unusable_url
from .config import Channel
from .sources.selection import glob_matches, is_glob, parent_of
from .timespec import iso_utc, wall_usec

FILE = "silences.json"
HOST_UNIT = "(host)"
"""host_silence.UNIT (which imports this module, through actions.runner): the unit of a host's own alert."""
OWN_UNIT = "logsentry"
"""The unit of logsentry's own alerts (actions.alert.service_payload: a journal it cannot read or see, a gap in
it, a state set aside, a quarantined rule, a restart it could not make)."""
UNGLOBBED = (HOST_UNIT, OWN_UNIT)
"""Units a glob never fits: a silence for a maintenance window (`-u '*'`) must not blind logsentry to a host whose
journal stopped or to its own failures; a silence that names one (`-u logsentry`) quiets it."""


@dataclass
class Silence:
    id: str
    unit: str
    host: str
    rule: str
    starts_usec: int
    ends_usec: int
    comment: str
    created_by: str
    alertmanager: dict[str, str] = field(default_factory=dict)
    """Per Alertmanager channel name, the id of the mirrored silence there."""

    def active(self, now_usec: int) -> bool:
        return self.starts_usec <= now_usec < self.ends_usec

    def matches(self, payload: Mapping[str, Any]) -> bool:
        """The alert's unit is the silence's, or fits it as a glob (`web-*.service`, as journalctl -u and
        watches take them), or is a part of it (a container of `docker.service`, a user unit of
        `user@1000.service`: as `-u` and a watch take them, config.Watch.takes); host and rule, when given, are
        equal. A glob fits units only: a host's own alert ("(host)": its whole journal stopped) and logsentry's
        own ("logsentry") are silenced by a silence that names them, never by `-u '*'`."""
        unit = payload.get("unit")
        return (isinstance(unit, str) and (self._fits(unit) or ((parent := parent_of(unit)) is not None
                                                                 and self._fits(parent)))
                and (not self.host or payload.get("host") == self.host)
                and (not self.rule or payload.get("rule") == self.rule))

    def _fits(self, unit: str) -> bool:
        return unit == self.unit or (is_glob(self.unit) and unit not in UNGLOBBED and glob_matches(self.unit, unit))


class SilenceError(Exception):
    pass


def load(state_dir: Path) -> list[Silence]:
    try:
        items = json.loads((state_dir / FILE).read_text())
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as error:
        raise SilenceError(f"{state_dir / FILE}: cannot read silences: {error}") from None
    return [Silence(**item) for item in items if isinstance(item, dict)]


def save(state_dir: Path, silences: list[Silence]) -> None:
    """Write the silences whole and rename them into place; SilenceError says where and why it could not."""
    path = state_dir / FILE
    temporary = path.with_name(f".{FILE}.{os.getpid()}")
    try:
        state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        temporary.write_text(json.dumps([asdict(s) for s in silences], indent=1))
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except OSError as error:
        from .state_readonly import denied

        why = denied(state_dir, True) if isinstance(error, PermissionError) else error.strerror or str(error)
        raise SilenceError(f"cannot save the silences in {path}: {why}") from None


class Matcher:
    """The local silences, re-read when the file changes (the worker asks before every delivery)."""

    def __init__(self, state_dir: Path):
        self.path = state_dir / FILE
        self.state_dir = state_dir
        self._stamp: tuple[int, int] | None = None
        self._silences: list[Silence] = []

    def silencing(self, payload: Mapping[str, Any], now_usec: int | None = None) -> Silence | None:
        try:
            stat = self.path.stat()
            stamp = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            return None
        if stamp != self._stamp:
            try:
                self._silences = load(self.state_dir)
            except SilenceError:
                return None
            self._stamp = stamp
        now = wall_usec() if now_usec is None else now_usec
        return next((s for s in self._silences if s.active(now) and s.matches(payload)), None)


def new_silence(unit: str, host: str, rule: str, duration_usec: int, comment: str, created_by: str) -> Silence:
    now = wall_usec()
    return Silence(uuid.uuid4().hex[:12], unit, host, rule, now, now + duration_usec, comment, created_by)


def _request(channel: Channel, method: str, path: str, body: Any = None) -> Any:
    """One call to the channel's Alertmanager (channels.call_alertmanager: as alerts are sent), its JSON answer;
    a failure says why (the HTTP status or the network error), scrubbed of the channel's secrets."""
    name = path.split("/")[3]
    what = f"{channel.name}: Alertmanager refused {method} {name}"
    try:
        _, raw = call_alertmanager(channel, method, path, body)
    except RequestFailed as error:
        said = {"http": f"{what}: {error.words}", "url": unusable_url(channel, error),
                "network": f"{channel.name}: cannot reach Alertmanager for {method} {name} ({error.words})"}
        raise SilenceError(said[error.kind]) from None
    try:
        return json.loads(raw) if raw.strip() else None
    except ValueError:
        raise SilenceError(f"{what}: its answer is no JSON") from None


def glob_regex(glob: str) -> str:
    """A unit glob as the regular expression Alertmanager's matchers take (RE2, matched whole): `*` any
    characters, `?` one, a backslash quotes the next one. Character classes are refused by `silence add`."""
    out, quoted = [], False
    for char in glob:
        if quoted:
            out.append(re.escape(char))
            quoted = False
        elif char == "\\":
            quoted = True
        else:
            out.append(".*" if char == "*" else "." if char == "?" else re.escape(char))
    return "".join(out)


def mirror(channel: Channel, silence: Silence) -> str:
    """Create the silence in an Alertmanager (matchers on the labels logsentry gives its alerts); its id."""
    glob = is_glob(silence.unit)
    # the unit and its parts (`docker.service/web`, `user@1000.service/app.service`), as Silence.matches has it
    unit = glob_regex(silence.unit) if glob else re.escape(silence.unit)
    matchers = [{"name": "unit", "value": f"{unit}(?:/.+)?", "isRegex": True, "isEqual": True}]
    if glob:  # a glob fits units only, as Silence.matches has it: not a host's own alert, nor logsentry's
        matchers.extend({"name": "unit", "value": own, "isRegex": False, "isEqual": False} for own in UNGLOBBED)
    if silence.host:
        matchers.append({"name": "host", "value": silence.host, "isRegex": False, "isEqual": True})
    if silence.rule:
        matchers.append({"name": "rule", "value": silence.rule, "isRegex": False, "isEqual": True})
    answer = _request(channel, "POST", "/api/v2/silences", {
        "matchers": matchers, "startsAt": iso_utc(silence.starts_usec), "endsAt": iso_utc(silence.ends_usec),
        "createdBy": silence.created_by, "comment": f"{silence.comment} (logsentry silence {silence.id})"})
    if not isinstance(answer, dict) or not isinstance(answer.get("silenceID"), str):
        raise SilenceError(f"{channel.name}: Alertmanager's answer to POST silences has no silenceID")
    return str(answer["silenceID"])


def unmirror(channel: Channel, silence_id: str) -> None:
    _request(channel, "DELETE", f"/api/v2/silence/{urllib.parse.quote(silence_id)}")
