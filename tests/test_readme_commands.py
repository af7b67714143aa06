"""README's commands work as written after its own setup steps (a new user's trial, helper-6: the README wrote
`logsentry ...` where only `.venv/bin/logsentry` existed, and "command not found" was the first thing they saw).

Its first two commands stay what a fresh Debian 12 runs as they are (scripts/setup makes the virtualenv: PEP 668
refuses `sudo pip install` into the system); every other `logsentry` command in a code block comes after the
step that puts it on PATH (`. .venv/bin/activate`, which the test runs), and names a real command with real
options (click's own, so a renamed option fails here). The paste section's example gives the card it shows."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import click

from logsentry.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
ACTIVATE = ". .venv/bin/activate"
_INVOKED = re.compile(r"(?:^|[|&;]\s*|\bsudo\s+)((?:\S*/)?logsentry)(?=\s|$)")
"""`logsentry` as a command word: at a line's start, after a pipe or `&&`, or after sudo."""


def code_lines() -> list[tuple[int, str]]:
    """(line number, text) of every code line: indented blocks (4 spaces after a blank line or another code line)
    and fenced blocks; the shell comment dropped."""
    lines, fenced, previous_code, previous_blank = [], False, False, True
    for number, line in enumerate(README.splitlines(), 1):
        if line.startswith("```"):
            fenced, previous_code = not fenced, False
            continue
        code = fenced or (line.startswith("    ") and (previous_blank or previous_code))
        if code and line.strip():
            lines.append((number, re.sub(r"(^|\s)#(\s.*)?$", "", line.strip()).strip()))
        previous_code, previous_blank = code and bool(line.strip()), not line.strip()
    return lines


def invocations() -> list[tuple[int, str, list[str]]]:
    """(line number, how logsentry is named, its words up to a pipe or `&&`) of each logsentry command."""
    found = []
    for number, line in code_lines():
        for invoked in _INVOKED.finditer(line):
            rest = re.sub(r"\[[^\]]*\]", "", line[invoked.end():])  # `[-o json]`: an optional part, not a word
            words = shlex.split(re.split(r"\s(?:\||&&|;)\s", rest, maxsplit=1)[0])
            found.append((number, invoked.group(1), words))
    return found


def test_the_first_two_commands_are_setup_and_demo_then_the_tests():
    commands = [line for _, line in code_lines()]
    assert commands[:2] == ["scripts/setup && .venv/bin/logsentry demo", ".venv/bin/python -m pytest"], commands[:3]


def test_every_logsentry_command_comes_after_the_step_that_puts_it_on_path():
    activate = next(number for number, line in code_lines() if line == ACTIVATE)
    said = README.splitlines()[activate - 8:activate]
    assert any("nothing puts on your PATH" in line for line in said), said  # said once, where it is needed
    bare = [(number, named) for number, named, _ in invocations() if named == "logsentry"]
    assert bare and all(number > activate for number, _ in bare), (activate, bare)
    others = {named for _, named, _ in invocations()} - {"logsentry"}
    assert others == {".venv/bin/logsentry"}, others  # the setup's own; the service's is linked onto PATH


def test_the_readmes_activate_step_puts_logsentry_on_path():
    """As the README says it, from the checkout: `logsentry` is then the virtualenv's (the one running the tests)."""
    venv = Path(sys.executable).parent.parent
    env = {key: value for key, value in os.environ.items() if key not in ("VIRTUAL_ENV", "PYTHONHOME")}
    env["PATH"] = "/usr/local/bin:/usr/bin:/bin"
    done = subprocess.run(["bash", "-c", f"{ACTIVATE.replace('.venv', str(venv))} && command -v logsentry && "
                          "logsentry --version"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == str(venv / "bin" / "logsentry"), done.stdout


def test_the_service_steps_link_logsentry_onto_path():
    section = README.split("## Running the service", 1)[1].split("\n## ", 1)[0]
    assert "sudo ln -sf /opt/logsentry/bin/logsentry /usr/local/bin/logsentry" in section
    assert section.index("/usr/local/bin/logsentry") < section.index("    sudo logsentry config check")


def _command(words: list[str]) -> tuple[click.Command, list[str]]:
    """The (sub)command the words name, and the words after it."""
    command: click.Command = main
    ctx = click.Context(main)
    while isinstance(command, click.Group) and words and (sub := command.get_command(ctx, words[0])) is not None:
        command, words = sub, words[1:]
    return command, words


def test_every_logsentry_command_names_real_commands_and_options():
    checked = 0
    for number, _, words in invocations():
        command, rest = _command(words)
        assert not isinstance(command, click.Group) or not rest or rest[0].startswith("-"), (number, words)
        options = {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}
        options |= {"-h", "--help"}
        for word in rest:
            if word.startswith("-") and word != "-" and not re.fullmatch(r"-\d.*", word):  # (--since -1h's value)
                assert word.split("=", 1)[0] in options, (number, words, word, sorted(options))
        checked += 1
    assert checked >= 20, checked


def test_the_paste_sections_example_gives_its_card():
    section = README.split("## What is wrong in this log?", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"\n\n((?:    .*\n)+)", section)
    paste = next(block for block in blocks if "systemd[1]:" in block and "╭" not in block)
    card = next(block for block in blocks if "╭" in block)
    paste, card = (re.sub(r"^    ", "", block, flags=re.M) for block in (paste, card))
    env = {**os.environ, "COLUMNS": str(len(card.splitlines()[0])), "TERM": "dumb", "NO_COLOR": "1"}
    done = subprocess.run([sys.executable, "-m", "logsentry", "scan", "--file", "-"], input=paste, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr

    def dated(text: str) -> str:  # a year-less time takes this year
        return re.sub(r"\b\d{4}-(\d\d-\d\d)", r"YEAR-\1", text)

    assert dated(card) in dated(done.stdout), done.stdout
