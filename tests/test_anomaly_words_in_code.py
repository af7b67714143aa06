"""A failure word in code or a path is no failure said (rules/anomaly.py in_code): trial 69's 48, a Spring Boot app's
start-up in Tomcat, fired excerpt-failure-template on INFO lines that name `throws java.lang.Exception`, `Mapped
"{[/error]}"` and `...servlet.error.BasicErrorController`. The same words said in a line's text still count."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from conftest import run_cli
from test_anomaly import ANOMALY_RULES

from logsentry.rules.anomaly import Words, words_pattern

WORDS = Words(words_pattern(tuple(
    tomllib.loads((ANOMALY_RULES / "excerpt-failure-template.toml").read_text())["anomaly"]["words"])))


@pytest.mark.parametrize("template", [
    '<TS> INFO <NUM> --- [main] s.w.s.m.m.a.RequestMappingHandlerMapping : Mapped "{[/products/{url}]}" onto public '
    "java.lang.String com.example.web.RedirectController.doProductOld(java.lang.String) throws java.lang.Exception",
    '<TS> INFO <NUM> --- [main] s.w.s.m.m.a.RequestMappingHandlerMapping : Mapped "{[/error]}" onto public '
    "org.springframework.http.ResponseEntity<java.util.Map<java.lang.String, java.lang.Object>> "
    "org.springframework.boot.autoconfigure.web.servlet.error.BasicErrorController.error(javax.servlet.http."
    "HttpServletRequest)",
    "<TS> INFO <NUM> --- [main] o.s.b.w.servlet.FilterRegistrationBean : Mapping filter: 'errorPageFilter' to: [/*]",
    "public void com.example.Job.run() throws IOException, Exception",
    "\tat sun.security.ssl.TransportContext.fatal(TransportContext.java:<NUM>)",
    "Opening /var/log/nginx/error.log for writing",
])
def test_words_in_code_and_paths_are_no_failure(template: str) -> None:
    found = WORDS.search(template)
    assert found is None, found


@pytest.mark.parametrize(("template", "word"), [
    ("<TS> WARN <NUM> --- [main] c.e.Sync : sync error, will retry", "error"),
    ("java.net.ConnectException: Connection refused", "refused"),
    ("Exception: boom", "Exception"),
    ("Got an error. Retrying later", "error"),
    ("The job failed.", "failed"),
    ("Could not open /var/log/app/error.log: Permission denied", "Could not"),
    ("Handler threw an exception while closing: throws nothing else", "exception"),
    ("throws java.lang.Exception, then the request failed", "failed"),
])
def test_the_same_words_in_text_count(template: str, word: str) -> None:
    found = WORDS.search(template)
    assert found is not None and found.group(0) == word


def _incidents(path: Path) -> list[tuple[str, str]]:
    done = run_cli("scan", "--file", str(path), "-o", "json")
    return [(record["rule"], record["severity"]) for record in map(json.loads, done.stdout.splitlines())
            if record["type"] == "incident"]


def test_a_spring_start_up_is_quiet_and_a_repeated_error_fires(tmp_path: Path) -> None:
    """Four mapping lines (trial 69's 48) make no incident; three `sync error` warnings in three minutes do."""
    mapped = [f'2021-02-27 04:29:11.1{n}0  INFO 4441 --- [nio-8080-exec-6] s.w.s.m.m.a.RequestMappingHandlerMapping : '
              f'Mapped "{{[/page{n}/{{url}}]}}" onto public java.lang.String com.example.web.Pages.page{n}(java.lang.'
              "String) throws java.lang.Exception" for n in range(3)]
    mapped.append('2021-02-27 04:29:11.190  INFO 4441 --- [nio-8080-exec-6] s.w.s.m.m.a.RequestMappingHandlerMapping : '
                  'Mapped "{[/error]}" onto public org.springframework.http.ResponseEntity<java.util.Map<java.lang.'
                  "String, java.lang.Object>> org.springframework.boot.autoconfigure.web.servlet.error."
                  "BasicErrorController.error(javax.servlet.http.HttpServletRequest)")
    quiet = tmp_path / "spring.log"
    quiet.write_text("\n".join(mapped) + "\n")
    assert _incidents(quiet) == []
    loud = tmp_path / "sync.log"
    loud.write_text("".join(f"2021-02-27 04:3{n}:00.000  WARN 4441 --- [main] c.e.Sync : sync error, upstream closed "
                            "the stream\n" for n in range(3)))
    assert _incidents(loud) == [("excerpt-failure-template", "warning")]


def test_a_word_after_a_zero_counter_is_judged_in_code_too() -> None:
    """Words.said goes on past a counter of zero (`failed: 0`); the word it finds next is judged as search's are."""
    said = WORDS.said("failed: <NUM>, log in /srv/app/error.log", "failed: 0, log in /srv/app/error.log")
    assert said is None, said
    said = WORDS.said("failed: <NUM>, then the sync failed", "failed: 0, then the sync failed")
    assert said is not None and said.group(0) == "failed"
