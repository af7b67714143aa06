"""Find rule files in the rule directories and load them all, collecting every error.

Later directories override earlier ones by rule id: a local rule in /etc/logsentry/rules.d/ with a
shipped id replaces the shipped rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .rule import Rule, RuleError, load_rule_file

LOCAL_RULES_DIR = Path("/etc/logsentry/rules.d")


def shipped_rules_dir() -> Path:
    """The rule library: packaged beside the code in a wheel, or rules/ in a source checkout."""
    package = Path(__file__).resolve().parent.parent
    packaged = package / "shipped_rules"
    return packaged if packaged.is_dir() else package.parent / "rules"


def default_rule_dirs() -> tuple[Path, ...]:
    dirs = [shipped_rules_dir()]
    if LOCAL_RULES_DIR.is_dir():
        dirs.append(LOCAL_RULES_DIR)
    return tuple(dirs)


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    errors: tuple[str, ...]
    ids: frozenset[str] = frozenset()
    """Every rule id loaded, the disabled ones too (config_rules.py checks the config's names against them)."""
    unread: frozenset[str] = frozenset()
    """The ids of rule files that could not be loaded (each file's name, which its id must equal): a config naming
    one names no typo, its file's error says what is wrong (config_rules.py)."""
    complete: bool = True
    """False when a rule path is missing or no file or directory: the ids of its rules are unknown."""

    def by_id(self) -> dict[str, Rule]:
        return {rule.id: rule for rule in self.rules}


def _rule_files(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    return sorted(root.rglob("*.toml"))


def _is_shipped(root: Path) -> bool:
    return root.is_dir() and root.resolve() == shipped_rules_dir().resolve()


def _display(path: Path, root: Path, shipped: bool) -> str:
    """A rule file's name in errors: as the operator's `--rules`/`rules` path leads to it (so it opens from where
    they gave it), and the shipped library's as `rules/...` (its place in the source tree)."""
    return str(Path("rules") / path.relative_to(root)) if shipped else str(path)


def load_rules(paths: Sequence[Path], disabled: Iterable[str] = (), *, lazy_shipped: bool = False) -> RuleSet:
    """Load every rule file under `paths` (directories or files); errors never stop the others loading.

    `lazy_shipped`: the shipped library's regexes are compiled when first used (rules/pattern.py: about 65% of
    loading it), not checked here; the operator's rules always are. Only for the commands that run rules (scan,
    tail, run): `rules test` and `config check` check the shipped rules."""
    found: dict[str, Rule] = {}
    errors: list[str] = []
    unread: set[str] = set()
    complete = True
    for root in paths:
        if not root.exists():
            errors.append(f"{root}: no such rule file or directory")
            complete = False
            continue
        if not root.is_dir() and not root.is_file():
            errors.append(f"{root}: neither a directory nor a regular file, expected rule files")
            complete = False
            continue
        seen_here: dict[str, Path] = {}
        shipped = _is_shipped(root)
        for path in _rule_files(root):
            try:
                rule = load_rule_file(path, _display(path, root, shipped), lazy=lazy_shipped and shipped)
            except RuleError as error:
                errors.extend(error.problems)
                unread.add(path.stem)
                continue
            if rule.id in seen_here:
                errors.append(f"{_display(path, root, shipped)}: id: duplicate, expected a unique id ({rule.id!r} is "
                              f"also {_display(seen_here[rule.id], root, shipped)})")
                continue
            seen_here[rule.id] = path
            found[rule.id] = rule
    off = set(disabled)
    return RuleSet(rules=tuple(rule for rule_id, rule in sorted(found.items()) if rule_id not in off),
                   errors=tuple(errors), ids=frozenset(found), unread=frozenset(unread - found.keys()),
                   complete=complete)
