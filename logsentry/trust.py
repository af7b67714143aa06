"""Refuse to run on files that someone else could change.

Rules and the config decide which services get restarted and where alerts go, the state holds the
cursor and the outbox, and `restart.systemctl` and command channels are programs logsentry runs (as
root): if another user could write any of them, or a directory above them, that user could make
logsentry restart services, stay silent or run their code. So they must be owned by root or by the user
logsentry runs as, and writable by nobody else (a directory may be writable by others if it is sticky,
like /tmp: nobody else can then replace what is in it).

Each path is checked component by component as written, and through every symbolic link to its target
(the link's own directories, then the target and the target's directories): a link is as safe as the
directories it lives in and the file it leads to; its own mode means nothing. A path that does not exist
yet (a state directory before the first start) is judged by its nearest existing ancestor, since whoever
can write there can create it; for a program even a sticky ancestor is refused (anyone could create the
program there before logsentry runs it).
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .config import SiteConfig

MAX_LINKS = 40  # like the kernel's limit on symlinks followed in one lookup


def _owner_ok(uid: int) -> bool:
    return uid in (0, os.geteuid())


def _problem(path: Path, info: os.stat_result, sticky_ok: bool = True) -> str | None:
    mode = info.st_mode
    if not _owner_ok(info.st_uid):
        return f"{path}: owned by uid {info.st_uid}, expected root or the user logsentry runs as"
    sticky_dir = sticky_ok and stat.S_ISDIR(mode) and mode & stat.S_ISVTX
    if mode & (stat.S_IWGRP | stat.S_IWOTH) and not sticky_dir:
        who = "everyone" if mode & stat.S_IWOTH else f"group {info.st_gid}"
        return f"{path}: writable by {who} (mode {stat.S_IMODE(mode):o}), expected chmod go-w"
    return None


class _Checker:
    """Collects problems; each path is looked at once however many roots lead to it."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self._seen: set[tuple[Path, bool]] = set()

    def check(self, path: Path, info: os.stat_result, sticky_ok: bool = True) -> None:
        if (path, sticky_ok) in self._seen:
            return
        self._seen.add((path, sticky_ok))
        if (problem := _problem(path, info, sticky_ok)) is not None:
            self.problems.append(problem)

    def walk(self, path: Path, links: int = 0) -> Path | None:
        """Check every component of the absolute `path` as written, following each symlink to its target
        (checked the same way); the resolved path, or None when some component does not exist."""
        current = Path(path.anchor or "/")
        self.check(current, current.lstat())
        for part in path.parts[1:]:
            if part == "..":
                current = current.parent
                continue
            candidate = current / part
            try:
                info = candidate.lstat()
            except OSError:
                return None
            if not stat.S_ISLNK(info.st_mode):
                self.check(candidate, info)
                current = candidate
                continue
            if links >= MAX_LINKS:
                self.problems.append(f"{path}: too many levels of symbolic links")
                return None
            target = Path(os.readlink(candidate))
            resolved = self.walk(target if target.is_absolute() else current / target, links + 1)
            if resolved is None:
                return None
            current = resolved
        return current

    def missing_program(self, path: Path) -> None:
        """A program that does not exist: whoever can create it in its nearest existing directory (even a
        sticky one) decides what logsentry runs."""
        ancestor = path.parent
        while not ancestor.is_dir() and ancestor != ancestor.parent:
            ancestor = ancestor.parent
        resolved = ancestor.resolve()
        if (problem := _problem(resolved, resolved.stat(), sticky_ok=False)) is not None:
            self.problems.append(f"{path}: does not exist, and {problem}")


def untrusted(paths: Iterable[Path], programs: Iterable[Path] = ()) -> list[str]:
    """Every way in which the given files and directories (their contents and the directories above
    them, through symlinks) or programs could be changed by another user; empty when all is well."""
    checker = _Checker()
    for root in paths:
        # A missing path (a state directory before the first start) has had its existing ancestors checked:
        # whoever can write to the nearest one could create it.
        resolved = checker.walk(Path.cwd() / root)  # not abspath: ".." after a symlink is the kernel's to resolve
        if resolved is not None and resolved.is_dir():
            for path in sorted(resolved.rglob("*")):
                checker.walk(path)
    for program in programs:
        program = Path.cwd() / program
        if checker.walk(program) is None:
            checker.missing_program(program)
    return checker.problems


def program_path(argv0: str) -> Path | None:
    """Where a program named in the config is found: as given when it has a slash, else on PATH (as
    subprocess finds it); None when it is nowhere."""
    if "/" in argv0:
        return Path(argv0)
    found = shutil.which(argv0)
    return Path(found) if found else None


def site_problems(config: SiteConfig, which: Callable[[str], Path | None] = program_path,
                  state: bool = True) -> list[str]:
    """The trust check of `logsentry run`, `config check`, reload and `tail --act`: the config, rule
    directories, state directory (not with `state` False: a refused `state_dir` is at its default, which is not
    the operator's), and the programs run (systemctl and command channels)."""
    argv0s = [config.restart.systemctl[0], *(c.target[0] for c in config.alerts.channels if c.kind == "command"),
              *(w.command[0] for w in config.watches if w.command)]
    programs = [path for path in map(which, argv0s) if path is not None]
    return untrusted([config.path, *config.rule_dirs, *([config.state_dir] if state else [])], programs)


def exposure_warnings(config: SiteConfig) -> list[str]:
    """Warnings for `config check`: a config holding secrets (alert channel URLs, the heartbeat URL,
    command arguments: redaction.py) that every local user can read. Not refused, since the site may mean
    it (no secret worth hiding), but said: README installs it with mode 0600."""
    if config.secrets().pattern is None:
        return []
    try:
        mode = config.path.stat().st_mode
    except OSError:
        return []
    if not mode & stat.S_IROTH:
        return []
    return [f"{config.path}: warning: readable by every user (mode {stat.S_IMODE(mode):04o}) but it holds secrets "
            "(alert channel URLs, the heartbeat URL or command arguments): chmod 0600 it"]
