"""Refuse to run on files that someone else could change.

Rules and the config decide which services get restarted and where alerts go, and the state holds the
cursor and the outbox: if another user could write any of them (or a directory above them), that user
could make logsentry restart services or stay silent. So they must be owned by root or by the user
logsentry runs as, and writable by nobody else.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path


def _owner_ok(uid: int) -> bool:
    return uid in (0, os.geteuid())


def _problem(path: Path, info: os.stat_result) -> str | None:
    mode = info.st_mode
    if not _owner_ok(info.st_uid):
        return f"{path}: owned by uid {info.st_uid}, expected root or the user logsentry runs as"
    sticky_dir = stat.S_ISDIR(mode) and mode & stat.S_ISVTX
    if mode & (stat.S_IWGRP | stat.S_IWOTH) and not sticky_dir:
        who = "everyone" if mode & stat.S_IWOTH else f"group {info.st_gid}"
        return f"{path}: writable by {who} (mode {stat.S_IMODE(mode):o}), expected chmod go-w"
    return None


def _parents(path: Path) -> Iterable[Path]:
    return path.resolve().parents


def untrusted(paths: Iterable[Path]) -> list[str]:
    """Every way in which the given files and directories (their contents and the directories above
    them) could be changed by another user; empty when all is well."""
    problems: list[str] = []
    seen: set[Path] = set()

    def check(path: Path) -> None:
        if path in seen:
            return
        seen.add(path)
        try:
            info = path.lstat()
        except OSError:
            return
        if (problem := _problem(path, info)) is not None:
            problems.append(problem)

    for root in paths:
        if not root.exists():
            continue
        root = root.resolve()
        for parent in _parents(root):
            check(parent)
        check(root)
        if root.is_dir():
            for path in sorted(root.rglob("*")):
                check(path)
    return problems
