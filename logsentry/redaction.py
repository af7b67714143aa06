"""Secret-bearing values of the site config: alert channel URLs, the heartbeat URL, command arguments.

Nothing of them is ever printed, logged or stored in the state: for a URL only its scheme is shown (for
several apprise schemes the "host" is the API key: `pagerduty://KEY@ROUTING`, `slack://TOKEN/...`,
`tgram://BOT:TOKEN/CHAT`), for a command only its program's name. Error texts that can quote a URL
(apprise, urllib, http.client) go through `Secrets.scrub` before they are logged or stored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote, unquote

MASK = "***"
MIN_PIECE = 4  # shorter fragments (ports, "v2") are not worth mangling error text for
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]{0,31}")
_SEPARATORS = re.compile(r"[/:@?&=#;,+\s]+")
_WORD = re.compile(r"[a-z]+")
"""A plain lower-case word (Secrets.of)."""
_BLANK = re.compile(r"\s")
_SHELL_WORD = re.compile(r"[a-z]{1,10}")
"""A script's word that is no secret (a longer lower-case run may be one: a token of letters)."""


def redact_url(url: str) -> str:
    """What may be shown of a URL: its scheme, nothing else (no host, user, path or query)."""
    scheme = url.split("://", 1)[0] if "://" in url else ""
    return f"{scheme}://{MASK}" if _SCHEME.fullmatch(scheme) else MASK


def secret_pieces(value: str) -> set[str]:
    """The value and each part of it that could turn up on its own in an error message (user, password,
    host, path segments, query values), also percent-encoded and decoded; the scheme is not secret."""
    rest = value.split("://", 1)[1] if "://" in value and _SCHEME.fullmatch(value.split("://", 1)[0]) else value
    pieces = {value, rest, unquote(rest), *_SEPARATORS.split(rest), *_SEPARATORS.split(unquote(rest))}
    pieces |= {unquote(piece) for piece in pieces} | {quote(piece, safe="") for piece in pieces}
    return {piece for piece in pieces if len(piece) >= MIN_PIECE}


@dataclass(frozen=True)
class Secrets:
    """Every secret of a config, to be scrubbed out of any text before it is shown (ignoring case: URL
    libraries lower-case host names in their messages)."""

    pattern: re.Pattern[str] | None = None

    @classmethod
    def of(cls, values: Iterable[str]) -> Secrets:
        """A plain lower-case word among the pieces ("page" of a URL's path) is scrubbed as a whole word only, not
        inside others (a channel named "slowpager" was "slow***r", "exited" "***ed"); one in a command's script (an
        argument with a blank: its shell words, "echo ... >&2; exit 1", up to 10 letters) is no secret at all, its
        other pieces are."""
        found: set[str] = set()
        for value in values:
            pieces = secret_pieces(value)
            found |= {piece for piece in pieces if not _SHELL_WORD.fullmatch(piece)} if _BLANK.search(value) \
                else pieces
        if not found:
            return cls()
        inside = sorted((piece for piece in found if not _WORD.fullmatch(piece)), key=lambda p: (-len(p), p))
        words = sorted((piece for piece in found if _WORD.fullmatch(piece)), key=lambda p: (-len(p), p))
        alternatives = [*map(re.escape, inside)]
        if words:
            alternatives.append(f"(?<![A-Za-z0-9])(?:{'|'.join(map(re.escape, words))})(?![A-Za-z0-9])")
        return cls(re.compile("|".join(alternatives), re.IGNORECASE))

    def scrub(self, text: str) -> str:
        return text if self.pattern is None else self.pattern.sub(MASK, text)
