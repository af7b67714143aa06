"""The site config and its rules checked in one go, as `logsentry run`, a reload and `config check` refuse them.

Each stage runs whatever the others found, on what they could read: the config's own problems (a refused
setting at its default, config_parse.py), the rule files', the trust check's, the rule names'. Operators met
them in rounds before: a bad channel URL hid the rule-name warnings until it was fixed. A stage that depends
on a refused setting skips what would be about the default instead (the trust check of a refused `state_dir`,
the rule names when `rules` is refused or one of its paths is missing: the rules they name were not loaded).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .config import SiteConfig
from .config_parse import read_config
from .config_rules import RuleNames, check_rule_names
from .rules.loader import RuleSet, load_rules
from .trust import site_problems


@dataclass(frozen=True)
class SiteCheck:
    """`problems`: what `run` and a reload refuse (the config's, its rule files', the trust check's), in that
    order; `config` None only when the file is no TOML (its one problem says why); `refused`: the sections with
    a problem (config_reader.Reader.refused); `names`: the rule names' findings."""

    config: SiteConfig | None
    rule_set: RuleSet
    problems: tuple[str, ...]
    untrusted: bool = False
    refused: frozenset[str] = frozenset()
    names: RuleNames = field(default_factory=RuleNames)


def check_site(path: Path, *, lazy_shipped: bool = False) -> SiteCheck:
    """`lazy_shipped`: as load_rules's, for `run` and a reload (`config check` checks every rule)."""
    parsed = read_config(path)
    if parsed.config is None:
        return SiteCheck(None, RuleSet((), ()), parsed.problems)
    config = parsed.config
    rule_set = load_rules(config.rule_dirs, disabled=config.disabled_rules, lazy_shipped=lazy_shipped)
    trust = site_problems(config, state="state_dir" not in parsed.refused)
    # (a missing rule path, like a refused `rules`, leaves its rules' names unknown: no name can be called a typo)
    names = RuleNames() if "rules" in parsed.refused or not rule_set.complete else \
        check_rule_names(config, rule_set.ids, rule_set.unread)
    return SiteCheck(config, rule_set, (*parsed.problems, *rule_set.errors, *trust), bool(trust), parsed.refused,
                     names)
