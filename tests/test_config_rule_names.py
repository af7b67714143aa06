"""The config's rule names against the rules there are (config_rules.py): a typo in `disabled_rules` or in a
watch's `rules` is said, with the id it probably meant, by `config check` (a warning: exit 0); a watch none of
whose patterns matches a rule can never act: `config check` refuses it (exit 2), `run` starts with an error
logged."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path


def check(tmp_path: Path, text: str) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "c.toml"
    config.write_text(f'state_dir = "{tmp_path / "state"}"\n' + text)
    config.chmod(0o600)
    return subprocess.run([sys.executable, "-m", "logsentry", "config", "check", "-c", str(config)],
                          capture_output=True, text=True, timeout=60, check=False)


def check_lines(tmp_path: Path, text: str, returncode: int) -> tuple[Path, list[str]]:
    """The config file and `config check`'s stderr lines, once its exit code is `returncode`."""
    done = check(tmp_path, text)
    assert done.returncode == returncode, done.stderr
    return tmp_path / "c.toml", done.stderr.splitlines()


def test_typos_in_rule_names_are_said_with_what_they_probably_meant(tmp_path):
    done = check(tmp_path, 'disabled_rules = ["error-brust", "kernel-oom-kill"]\n[[watch]]\nunits = ["nginx"]\n'
                           'rules = ["nginx-emreg", "kernel-*", "zzz-*", "host-went-silent"]\n')
    assert done.returncode == 0, done.stderr
    config = tmp_path / "c.toml"
    lines = [line for line in done.stderr.splitlines() if "rule" in line]
    assert lines == [
        f"{config}: warning: disabled_rules: no rule has the id 'error-brust' (did you mean 'error-burst'?): "
        "nothing is disabled by it",
        f"{config}: warning: watch #1 (line 3): rules: 'nginx-emreg' matches no rule (did you mean 'nginx-emerg'?): "
        "the watch covers nothing by it",
        f"{config}: warning: watch #1 (line 3): rules: 'zzz-*' matches no rule: the watch covers nothing by it"], \
        done.stderr


def test_right_names_and_a_disabled_rule_in_a_watch_are_no_warning(tmp_path):
    done = check(tmp_path, 'disabled_rules = ["error-burst"]\n[[watch]]\nunits = ["*"]\n'
                           'rules = ["error-burst", "ghc-*"]\n')
    assert done.returncode == 0 and "warning" not in done.stderr, done.stderr


def test_a_watch_whose_every_pattern_matches_no_rule_is_refused(tmp_path):
    """`rules = ["nginx-emreg"]` would leave nginx never restarted: exit 2, one error per such watch (every pattern
    with what it probably meant), no summary line for it, and the other watch's typo still a warning."""
    done = check(tmp_path, '[[watch]]\nunits = ["api"]\nrules = ["error-burst", "zzz-*"]\n[[watch]]\n'
                           'units = ["nginx"]\nrules = ["nginx-emreg", "kernel-oom-kil"]\nactions = ["restart"]\n')
    config = tmp_path / "c.toml"
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == [
        f"{config}: warning: watch #1 (line 2): rules: 'zzz-*' matches no rule: the watch covers nothing by it",
        f"{config}: watch #2 (line 5): rules: no rule matches 'nginx-emreg' (did you mean 'nginx-emerg'?) or "
        "'kernel-oom-kil' (did you mean 'kernel-oom-kill'?): the watch covers no rule, so it can never act",
        f"logsentry: 1 error in {config}, its rules or the files it names (1 warning above them)"], done.stderr
    assert "watch #1 (line 2) api.service: rules error-burst, zzz-*; actions alert, restart" in done.stdout
    assert "nginx" not in done.stdout  # no summary line reads as fine above its error


def test_a_watch_whose_every_rule_is_disabled_is_refused_as_well(tmp_path):
    """Its patterns name rules, but `disabled_rules` turns every one of them off: it can never act, as a typo's
    watch (helper-122's review: neither warned nor refused)."""
    config, lines = check_lines(tmp_path, 'disabled_rules = ["error-burst", "nginx-emerg"]\n[[watch]]\n'
                                'units = ["api"]\nrules = ["error-burst", "ghc-*"]\n[[watch]]\nunits = ["nginx"]\n'
                                'rules = ["nginx-emerg", "error-burst", "zzz"]\nactions = ["restart"]\n', 2)
    assert lines == [
        f"{config}: warning: watch #2 (line 6): rules: 'zzz' matches no rule: the watch covers nothing by it",
        f"{config}: watch #2 (line 6): rules: every rule it covers is in disabled_rules (error-burst or "
        "nginx-emerg): the watch covers no rule that runs, so it can never act",
        f"logsentry: 1 error in {config}, its rules or the files it names (1 warning above them)"], lines


def test_a_watch_every_pair_of_which_an_earlier_watch_takes_is_warned_about(tmp_path):
    """The first watch that covers a unit's rule decides (SiteConfig.watch_for): an alert-only `*` watch above a
    restart watch for nginx left nginx never restarted, without a word (helper-123's review). A watch that keeps
    one pair of its own (api's ghc-* rules under an error-burst-only catch-all) is fine."""
    config, lines = check_lines(tmp_path, '[[watch]]\nunits = ["*"]\nrules = ["error-burst"]\nactions = ["alert"]\n'
                                '[[watch]]\nunits = ["api"]\nrules = ["ghc-*"]\nactions = ["restart"]\n[[watch]]\n'
                                'units = ["nginx", "web-*"]\nrules = ["error-burst"]\nactions = ["restart"]\n', 0)
    assert lines == [
        f"{config}: warning: watch #3 (line 10): every unit and rule it covers is an earlier watch's (watch #1 (line "
        "2)): the first watch that covers a unit's rule decides, so this one never acts; put it before them"], lines


def test_run_starts_with_a_watch_that_can_never_act_and_says_so_loudly(tmp_path, live_journal):
    """A rule an upgrade removed must not stop the service: `run` (and a reload) go on, logging an error."""
    from test_service import BOOM_RULE, RunningService, config_text

    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "boom.toml").write_text(BOOM_RULE.format(action="alert", within="60s", group=""))
    running = RunningService(tmp_path, config_text(live_journal, rules).replace(
        'units = ["app"]', 'units = ["app"]\nrules = ["bom"]'))
    try:
        running.start()
        log = running.log()
        assert ("watch #1 (line 8): rules: no rule matches 'bom' (did you mean 'boom'?): the watch covers no rule, so "
                "it can never act (starting anyway; `logsentry config check` refuses it)") in log, log
        assert "ERROR" in next(line for line in log.splitlines() if "can never act" in line)
        running.config_path.write_text(running.config_path.read_text().replace('"bom"', '"bomb"'))
        assert running.proc is not None
        running.proc.send_signal(signal.SIGHUP)
        log = running.wait_log("reloaded:")
        assert "no rule matches 'bomb' (did you mean 'boom'?): the watch covers no rule, so it can never act " \
            "(reloaded anyway; `logsentry config check` refuses it)" in log, log
    finally:
        running.stop(signal.SIGKILL)


def test_a_watch_with_an_empty_rules_list_is_refused_as_one_that_can_never_act(tmp_path):
    """`rules = []` covers no rule (Watch.covers matches none of no patterns): nginx is never restarted, yet `config
    check` printed `rules ; actions restart` and exited 0 (`units = []` is refused; leaving `rules` out means all)."""
    done = check(tmp_path, '[[watch]]\nunits = ["nginx"]\nrules = []\nactions = ["restart"]\n')
    config = tmp_path / "c.toml"
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == [
        f"{config}: watch #1 (line 2): rules: an empty list: the watch covers no rule, so it can never act (leave "
        "`rules` out for every rule)",
        f"logsentry: 1 error in {config}, its rules or the files it names"], done.stderr
    assert "nginx" not in done.stdout  # no summary line reads as fine above its error


BROKEN_RULE = ('id = "my-restart"\ntitle = "x"\nseverity = "error"\naction = "restart"\n[match]\n'
               'message = "(unclosed"\n[trigger]\ncount = 1\nwithin = "60s"\n')


def test_a_rule_whose_file_has_an_error_is_no_unknown_name(tmp_path):
    """The watch and disabled_rules name a rule whose file has an error (its regex): that error is the problem, said
    once. It was also said as a second error, `no rule matches 'my-restart'`, and a warning that no rule has that
    id, as if the name were a typo (with a shipped id it "probably meant" beside it when one is close)."""
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "my-restart.toml").write_text(BROKEN_RULE)
    config, lines = check_lines(tmp_path, f'rules = ["{rules}"]\ndisabled_rules = ["my-restart"]\n[[watch]]\n'
                                'units = ["nginx"]\nrules = ["my-restart"]\nactions = ["restart"]\n[[watch]]\n'
                                'units = ["api"]\nrules = ["my-*"]\n', 2)
    assert lines == [
        f"{rules / 'my-restart.toml'}: match.message (line 6): invalid regular expression: missing ) at position 9, "
        "expected a valid regex (got '(unclosed')",
        f"logsentry: 1 error in {config}, its rules or the files it names"], lines


def test_a_missing_rule_directory_leaves_the_names_unjudged(tmp_path):
    """A `rules` directory that is not there: its rules' names cannot be told from typos (as with a refused `rules`),
    so only the missing directory is said, not each watch naming one of its rules as one that can never act."""
    gone = tmp_path / "gone"
    done = check(tmp_path, f'rules = ["{gone}"]\n[[watch]]\nunits = ["nginx"]\nrules = ["my-restart"]\n')
    config = tmp_path / "c.toml"
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == [f"{gone}: no such rule file or directory",
                                        f"logsentry: 1 error in {config}, its rules or the files it names"], done.stderr


def test_a_restart_watch_of_containers_or_user_units_alone_is_warned_about(tmp_path):
    """A container or a user's own unit is never restarted (engine/policy.not_restarted): a watch of them alone
    asking restart would say `actions alert, restart` as if it could (helper-163's trial, F16). A watch that also
    names a unit restarts that unit: no warning."""
    config, lines = check_lines(tmp_path, '[[watch]]\nunits = ["docker.service/*", "user@1000.service/app.service"]\n'
                                'actions = ["restart", "alert"]\n[[watch]]\nunits = ["docker.service", "web/x"]\n'
                                'actions = ["restart"]\n[[watch]]\nunits = ["user@*.service"]\n'
                                'actions = ["restart"]\n', 0)
    assert lines == [
        f"{config}: warning: watch #1 (line 2): actions: restart never applies to docker.service/* or "
        "user@1000.service/app.service: a container, a user's own unit or its manager is never restarted (logsentry "
        "restarts system units): its incidents are alerted, saying so",
        f"{config}: warning: watch #3 (line 8): actions: restart never applies to user@*.service: a container, a "
        "user's own unit or its manager is never restarted (logsentry restarts system units): its incidents are "
        "alerted, saying so"], lines
