"""The config's rule names checked against the rules there are. A typo in `disabled_rules` left the rule on, and
one in a watch's `rules` left the watch covering nothing by that name; both were accepted without a word
(helper-118's fresh-user trial). Warnings, not errors: a rule an upgrade removed must not stop the service. But a
watch none of whose patterns names a rule can never act (`rules = ["nginx-emreg"]`: nginx is never restarted),
which is what an operator reloading it must hear: `config check` refuses it (and so does `systemctl reload`,
which runs it first), while `run` and a SIGHUP log it as an error and go on."""

from __future__ import annotations

import fnmatch
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .config import SiteConfig, Watch
from .engine.host_boots import RULE_ID as REBOOT_RULE
from .host_silence import RULE_ID as HOST_RULE
from .sources.selection import CONTAINER_SEPARATOR
from .tomlfile import did_you_mean


@dataclass(frozen=True)
class RuleNames:
    """What the config's rule names say: `dead`, one line per watch that can never act (`dead_watches` names
    them: Watch.where); `warnings`, one per other name that matches no rule."""

    dead: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    dead_watches: frozenset[str] = frozenset()


def log_rule_names(log: logging.Logger, names: RuleNames, anyway: str) -> None:
    """Log what the rule names say where the service goes on with them (`run` at its start, a reload): each
    warning, and each watch that can never act as an error, "(ANYWAY anyway; `logsentry config check` refuses it)"."""
    for line in names.warnings:
        log.warning("%s", line)
    for line in names.dead:  # loud, but no reason to stop: a rule an upgrade removed must not stop the service
        log.error("%s (%s anyway; `logsentry config check` refuses it)", line, anyway)


def _any_of(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def check_rule_names(config: SiteConfig, loaded: Iterable[str], unread: Iterable[str] = ()) -> RuleNames:
    """The names of `disabled_rules` that are no rule id and the patterns of a watch's `rules` that match none,
    among `loaded` (every id of the config's rule files, disabled ones too), host-went-silent and
    host-rebooted-uncleanly (rules with no file); a watch with no pattern that matches (or none at all: `rules = []`),
    or whose every rule is disabled, is `dead`. A name of `unread` (a rule file with an error, RuleSet.unread) is no
    typo and leaves its watch to that error: said here too, it was a second error for one fault, worded as a typo."""
    known = sorted({*loaded, HOST_RULE, REBOOT_RULE})
    broken = sorted(set(unread) - set(known))
    ids = {*known, *broken}
    warnings = [f"{config.path}: warning: disabled_rules: no rule has the id {name!r}{did_you_mean(name, known)}: "
                "nothing is disabled by it" for name in config.disabled_rules if name not in ids]
    dead, dead_watches = [], set()
    for index, watch in enumerate(config.watches):
        where = watch.where or "watch"
        unknown = [pattern for pattern in watch.rules if not any(fnmatch.fnmatchcase(rule, pattern) for rule in ids)]
        covered = sorted(rule for rule in known if any(fnmatch.fnmatchcase(rule, pattern) for pattern in watch.rules))
        # a rule whose file has an error: the watch is not dead by its names, that error says what is wrong
        waiting = any(fnmatch.fnmatchcase(rule, pattern) for rule in broken for pattern in watch.rules)
        if not watch.rules:  # (no pattern matches no rule: as dead as a typo, and no name to suggest a rule for)
            dead.append(f"{config.path}: {where}: rules: an empty list: the watch covers no rule, so it can never act "
                        "(leave `rules` out for every rule)")
            dead_watches.add(watch.where)
        elif not covered and not waiting:
            dead.append(f"{config.path}: {where}: rules: no rule matches "
                        f"{_any_of([f'{pattern!r}{did_you_mean(pattern, known)}' for pattern in unknown])}: the "
                        "watch covers no rule, so it can never act")
            dead_watches.add(watch.where)
        elif covered and not waiting and all(rule in config.disabled_rules for rule in covered):
            # (its patterns name rules, every one of them off: as dead as a typo)
            named = _any_of(covered) if len(covered) <= 5 else f"{', '.join(covered[:5])} and {len(covered) - 5} more"
            dead.append(f"{config.path}: {where}: rules: every rule it covers is in disabled_rules ({named}): the "
                        "watch covers no rule that runs, so it can never act")
            dead_watches.add(watch.where)
        if covered or waiting:
            warnings += [f"{config.path}: warning: {where}: rules: {pattern!r} matches no rule"
                         f"{did_you_mean(pattern, known)}: the watch covers nothing by it" for pattern in unknown]
        # (no unit's name holds the separator: such a pattern covers containers' and user units' subjects alone;
        # `user@*.service` covers user managers and their units, none of which is restarted)
        if "restart" in watch.actions and watch.units and all(CONTAINER_SEPARATOR in unit or unit.startswith("user@")
                                                              for unit in watch.units):
            warnings.append(f"{config.path}: warning: {where}: actions: restart never applies to "
                            f"{_any_of(list(watch.units))}: a container, a user's own unit or its manager is never "
                            "restarted (logsentry restarts system units): its incidents are alerted, saying so")
        if watch.where not in dead_watches and (before := shadowed_by(config.watches[:index], watch, covered)):
            warnings.append(f"{config.path}: warning: {where}: every unit and rule it covers is an earlier watch's "
                            f"({', '.join(before)}): the first watch that covers a unit's rule decides, so this one "
                            "never acts; put it before them")
    return RuleNames(tuple(dead), tuple(warnings), frozenset(dead_watches))


def shadowed_by(earlier: Sequence[Watch], watch: Watch, covered: list[str]) -> list[str]:
    """The earlier watches that take every (unit, rule) `watch` covers (SiteConfig.watch_for: the first that covers
    it decides), by their `where`; [] when some pair is its own. A unit pattern is tried as a name (`web-*` is taken
    by an earlier `*` or `web-*`): a warning, not an error, since glob against glob is only nearly a subset test."""
    if not earlier or not covered:
        return []
    takers: dict[str, None] = {}
    for unit in watch.units:
        for rule in covered:
            taker = next((other for other in earlier if other.covers(unit, rule)), None)
            if taker is None:
                return []
            takers[taker.where or "an earlier watch"] = None
    return list(takers)
