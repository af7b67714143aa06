"""The trust check (`config check`, `run`) on real files: what logsentry runs as root (restart.systemctl,
command channels), a state directory that does not exist yet, and symlinked rule files. Tests run as
root, so "another user" is uid 65534 (nobody) via os.chown."""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

import pytest
from conftest import run_cli, simple_rule

from logsentry.trust import untrusted

NOBODY = 65534


@pytest.fixture
def site(tmp_path: Path, write_rule, rules_dir: Path):
    """A safe layout: rules, a state dir to be, and a program in a private bin directory."""
    write_rule("boom", simple_rule())
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(mode=0o755)
    program = bin_dir / "fake-systemctl"
    program.write_text("#!/bin/sh\nexit 0\n")
    program.chmod(0o755)
    return tmp_path, rules_dir, program


SYSTEMCTL = shutil.which("systemctl") or "/usr/bin/systemctl"  # config requires an absolute path


def write_config(root: Path, rules: Path, systemctl: Path | str = SYSTEMCTL, command: Path | str | None = None,
                 state_dir: Path | None = None) -> Path:
    config = root / "logsentry.toml"
    channel = f'[[channel]]\ntype = "command"\nargv = ["{command}", "SECRET-ARG"]\n' if command else ""
    config.write_text(f'state_dir = "{state_dir or root / "state"}"\nrules = ["{rules}"]\n'
                      f'[restart]\nsystemctl = ["{systemctl}", "--no-ask-password"]\n{channel}')
    config.chmod(0o600)
    return config


def check(config: Path) -> tuple[int, str]:
    result = run_cli("config", "check", "-c", str(config))
    return result.exit_code, result.stderr


def test_world_writable_systemctl_is_refused(site):
    root, rules, program = site
    config = write_config(root, rules, systemctl=program)
    assert check(config) == (0, "")
    program.chmod(0o777)
    code, errors = check(config)
    assert code == 2 and f"{program}: writable by everyone (mode 777), expected chmod go-w" in errors
    started = run_cli("run", "-c", str(config))
    assert started.exit_code == 2 and "refusing to start" in started.stderr and str(program) in started.stderr


def test_command_program_owned_by_another_user_or_in_an_open_directory_is_refused(site):
    root, rules, program = site
    config = write_config(root, rules, command=program)
    assert check(config) == (0, "")
    os.chown(program, NOBODY, 0)
    code, errors = check(config)
    assert code == 2 and f"{program}: owned by uid {NOBODY}" in errors
    assert "SECRET-ARG" not in errors  # arguments are secrets: never named, never checked as paths
    os.chown(program, 0, 0)
    program.parent.chmod(0o777)  # anyone could swap the program for another
    code, errors = check(config)
    assert code == 2 and f"{program.parent}: writable by everyone (mode 777)" in errors


def test_a_program_named_without_a_path_is_refused(site, monkeypatch):
    """What runs as root is named by an absolute path: a bare name would be whatever PATH finds first."""
    root, rules, program = site
    monkeypatch.setenv("PATH", f"{program.parent}:/usr/bin:/bin")
    for config in (write_config(root, rules, command=program.name), write_config(root, rules, systemctl=program.name)):
        code, errors = check(config)
        assert code == 2 and "absolute program path" in errors, errors


def test_symlinked_program_is_judged_by_the_link_directories_and_the_target(site):
    root, rules, program = site
    link_dir = root / "links"
    link_dir.mkdir(mode=0o755)
    link = link_dir / "systemctl"
    link.symlink_to(program)
    config = write_config(root, rules, systemctl=link, command=link)
    assert check(config) == (0, "")  # a safe link to a safe program
    link_dir.chmod(0o777)  # the link itself can be replaced
    code, errors = check(config)
    assert code == 2 and f"{link_dir}: writable by everyone" in errors
    link_dir.chmod(0o755)
    program.parent.chmod(0o775)  # the target's directory is open to a group
    code, errors = check(config)
    assert code == 2 and f"{program.parent}: writable by group" in errors


def test_link_chain_through_an_open_directory_is_refused(site):
    """link -> open/hop -> program: the intermediate link lives in a directory anyone can write."""
    root, rules, program = site
    open_dir = root / "open"
    open_dir.mkdir()
    open_dir.chmod(0o777)
    (open_dir / "hop").symlink_to(program)
    (root / "bin" / "entry").symlink_to(open_dir / "hop")
    code, errors = check(write_config(root, rules, systemctl=root / "bin" / "entry"))
    assert code == 2 and f"{open_dir}: writable by everyone" in errors


def test_missing_program_that_anyone_could_create_is_refused(site):
    root, rules, _ = site
    sticky = root / "sticky"
    sticky.mkdir()
    sticky.chmod(0o1777)
    code, errors = check(write_config(root, rules, systemctl=sticky / "not-yet"))
    assert code == 2 and f"{sticky / 'not-yet'}: does not exist, and {sticky}: writable by everyone" in errors
    code, errors = check(write_config(root, rules, systemctl=root / "bin" / "not-yet"))
    assert "not-yet" not in errors  # missing in a safe directory: it fails when run, nobody can plant it


def test_missing_state_dir_in_an_open_directory_is_refused(site):
    root, rules, _ = site
    parent = root / "var"
    parent.mkdir()
    config = write_config(root, rules, state_dir=parent / "lib" / "logsentry")
    assert check(config) == (0, "")
    parent.chmod(0o777)  # not sticky: anyone could create lib/logsentry there first, or swap it later
    code, errors = check(config)
    assert code == 2 and f"{parent}: writable by everyone (mode 777)" in errors
    parent.chmod(0o1777)  # sticky, like /tmp: a directory made there by someone else is refused when it exists
    assert check(config) == (0, "")


def test_symlinked_rule_file_is_judged_by_its_target(site):
    root, rules, _ = site
    store = root / "store"
    store.mkdir(mode=0o755)
    target = store / "extra.toml"
    target.write_text('id = "extra"\n' + simple_rule("EXTRA"))
    target.chmod(0o644)
    config = write_config(root, rules)
    before = run_cli("config", "check", "-c", str(config)).stdout.splitlines()[-1]
    (rules / "test" / "extra.toml").symlink_to(target)
    assert check(config) == (0, "")  # a safe target behind a link is accepted (the link's mode 777 means nothing)
    after = run_cli("config", "check", "-c", str(config)).stdout.splitlines()[-1]
    assert int(after.split()[1]) == int(before.split()[1]) + 1, (before, after)  # "rules: N loaded"
    target.chmod(0o666)
    code, errors = check(config)
    assert code == 2 and f"{target}: writable by everyone (mode 666)" in errors
    target.chmod(0o644)
    store.chmod(0o777)
    code, errors = check(config)
    assert code == 2 and f"{store}: writable by everyone" in errors


def test_untrusted_lists_nothing_for_a_safe_tree(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "f").write_text("x")
    assert untrusted([tmp_path / "a", tmp_path / "missing" / "deeper"], [Path("/bin/sh")]) == []


def test_reload_with_an_open_program_is_rejected(site, live_journal):
    from test_service import RunningService, config_text

    root, rules, program = site
    service = RunningService(root, config_text(live_journal, rules))
    service.config_path.chmod(0o600)
    service.start()
    try:
        program.chmod(0o777)
        service.config_path.write_text(service.config_path.read_text() + f'[restart]\nsystemctl = ["{program}"]\n')
        assert service.proc is not None
        service.proc.send_signal(signal.SIGHUP)
        log = service.wait_log("reload rejected")
        assert f"{program}: writable by everyone (mode 777)" in log and "reloaded:" not in log
    finally:
        service.stop()
