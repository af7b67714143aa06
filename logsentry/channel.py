"""An alert channel, in a module of its own: each alert's delivery child (actions/deliver.py) needs this and
not the site config's reader, which imports the rules and the regex engine (half of the child's start-up)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .redaction import redact_url


@dataclass(frozen=True)
class Channel:
    """One alert channel. `target` is an apprise URL, an Alertmanager base URL, or a command's argv."""

    name: str
    kind: str
    target: tuple[str, ...]
    retries: int = 3
    timeout_s: float = 10.0
    where: str = ""
    """How `config check` names its `[[channel]]` table ("channel #2 (line 9)"); "" when not from a config."""

    def redacted(self) -> str:
        """What may be shown or logged: the kind and the URL's scheme, or the program's name; never a host
        (for several apprise schemes it is the API key), user, token, path or argument."""
        if self.kind == "command":
            return f"command {Path(self.target[0]).name} (+{len(self.target) - 1} args)"
        return f"{self.kind} {redact_url(self.target[0])}"

    def secrets(self) -> tuple[str, ...]:
        return self.target[1:] if self.kind == "command" else self.target
