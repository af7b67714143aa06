"""The config's rule names checked against the rules there are. A typo in `disabled_rules` left the rule on, and
one in a watch's `rules` left the watch covering nothing by that name; both were accepted without a word
(helper-118's fresh-user trial). Warnings, not errors: a rule an upgrade removed must not stop the service."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable

from .config import SiteConfig
from .host_silence import RULE_ID as HOST_RULE
from .tomlfile import did_you_mean


def rule_name_warnings(config: SiteConfig, loaded: Iterable[str]) -> list[str]:
    """One warning per name of `disabled_rules` that is no rule id, and per pattern of a watch's `rules` that
    matches none, among `loaded` (every id of the config's rule files, disabled ones too) and host-went-silent
    (a rule with no file). A watch is named as config errors name it (`watch #1 (line 3)`)."""
    known = sorted({*loaded, HOST_RULE})
    ids = set(known)
    lines = [f"{config.path}: warning: disabled_rules: no rule has the id {name!r}{did_you_mean(name, known)}: "
             "nothing is disabled by it" for name in config.disabled_rules if name not in ids]
    for watch in config.watches:
        lines += [f"{config.path}: warning: {watch.where or 'watch'}: rules: {pattern!r} matches no rule"
                  f"{did_you_mean(pattern, known)}: the watch covers nothing by it" for pattern in watch.rules
                  if not any(fnmatch.fnmatchcase(rule_id, pattern) for rule_id in known)]
    return lines
