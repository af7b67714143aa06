"""A JSON line's template is its message and the keys that name its source or error, not its request context
(trial 75, D7): Nextcloud writes reqId, remoteAddr, user, method, url, userAgent and version on every line, and each
user agent or URL made its one harmless notice (`You are using a fallback implementation of the intl extension`)
a new template: 7 noise cards on one file. A real Nextcloud-format log read by `scan --file`, every shipped rule;
the C masker calls the same JSON step as the reference (tests/test_mask_equivalence.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from conftest import json_events, of_type, run_cli

from logsentry.engine.templates.tokens import reference_tokenize, tokenize

START = datetime(2019, 1, 20, 0, 30, tzinfo=UTC)
CLIENTS = [("cdrive", "GET", "/nextcloud/index.php/apps/files/",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:64.0) Gecko/20100101 Firefox/64.0"),
           ("cdrive", "PROPFIND", "/nextcloud/remote.php/dav/files/cdrive/", "Mozilla/5.0 (Windows) mirall/2.5.1"),
           ("--", "GET", "/nextcloud/status.php", "Mozilla/5.0 (Linux; Android 9; SM-G960F Build/PPR1.180610.011) "
            "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/71.0.3578.99 Mobile Safari/537.36"),
           ("testuser", "POST", "/nextcloud/index.php/login", "curl/7.58.0"),
           ("--", "GET", "/nextcloud/ocs/v2.php/apps/notifications/api/v2/notifications?format=json",
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_14_2) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/12.0.2 "
            "Safari/605.1.15")]
NOTICE = ("You are using a fallback implementation of the intl extension. Installing the native one is highly "
          "recommended instead. at "
          "/var/www/html/nextcloud/3rdparty/patchwork/utf8/src/Patchwork/Utf8/Bootup/intl.php#18")


def line(at: datetime, n: int, level: int, app: str, message: str, client: int) -> str:
    user, method, url, agent = CLIENTS[client % len(CLIENTS)]
    return json.dumps({"reqId": f"waHadM704UeNU2VQ{n:04d}", "level": level, "time": at.isoformat(),
                       "remoteAddr": f"172.69.70.{n % 250}", "user": user, "app": app, "method": method, "url": url,
                       "message": message, "userAgent": agent, "version": "15.0.2.0"}, separators=(",", ":"))


def nextcloud_log(tmp_path: Path) -> Path:
    """Three days: cron every 15 min, the notice on each page load (4 requests), then the antivirus failing."""
    lines = []
    for n in range(3 * 24 * 4):
        at = START + timedelta(minutes=15 * n)
        lines.append(line(at, 10 * n + 9, 1, "cron",
                          "Finished OCA\\Files\\BackgroundJob\\ScanFiles (id: 3) in 0 seconds", 3))
        client = n % 2 if n < 100 else n % len(CLIENTS)  # (a new phone or browser on day 2)
        lines += [line(at + timedelta(seconds=7 + k), 10 * n + k, 3, "PHP", NOTICE, client) for k in range(4)]
    for k in range(4):
        lines.append(line(START + timedelta(days=3, minutes=k), 9000 + k, 3, "files_antivirus",
                          "The antivirus executable could not be found at /usr/bin/clamscan", 3))
    path = tmp_path / "nextcloud.log"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_request_context_makes_no_template(tmp_path: Path) -> None:
    path = nextcloud_log(tmp_path)
    result = run_cli("scan", "--file", str(path), "-o", "json")
    assert result.exit_code in (0, 3), result.output
    incidents = of_type(json_events(result), "incident")
    templates = [i["template"] for i in incidents]
    assert not any("Mozilla" in t or "userAgent" in t or "reqId" in t for t in templates), templates
    news = [i for i in incidents if i["rule"].startswith("new-") and "fallback" in i["template"]]
    assert len(news) <= 1, [(i["rule"], i["template"]) for i in news]
    assert any("antivirus" in t for t in templates), templates
    notices = {" ".join(tokenize(text)) for text in path.read_text().splitlines() if "fallback" in text}
    assert len(notices) == 1, notices  # (its tokens: one masked line for every client)
    (notice,) = notices
    assert "app= PHP" in notice and "Mozilla" not in notice and "GET" not in notice, notice


def test_a_line_without_a_message_keeps_its_keys() -> None:
    """Its keys are its event (a metrics or audit line): none is left out, and C and the reference agree."""
    text = '{"level":"info","user":"alice","method":"GET","status":200,"url":"/x"}'
    assert tokenize(text) == reference_tokenize(text)
    assert " ".join(tokenize(text)).split() == ["info", "user=", "alice", "method=", "GET", "status=", "<NUM>",
                                                "url=", "<PATH>"], tokenize(text)


def test_a_card_shows_what_a_json_line_said(tmp_path: Path) -> None:
    """Its example lines and last lines are `app: message`, not the 400-character object (views/json_said.py)."""
    result = run_cli("scan", "--file", str(nextcloud_log(tmp_path)))
    report = " ".join(result.stdout.replace("│", " ").split())
    assert "files_antivirus: The antivirus executable could not be found at /usr/bin/clamscan" in report, report
    assert '"reqId"' not in report and "userAgent" not in report, report
