"""A receiver that answers a redirect has not taken the alert: nothing is sent where the Location points (no
Authorization header, no body-less GET whose 200 looked like a delivery), the delivery fails saying the
status (no secret in it) and the alert stays in the outbox. Real receivers on 127.0.0.1: one answers 302 or
307 pointing to another (tests/receivers.py's HttpReceiver), which must see nothing."""

from __future__ import annotations

from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread

import pytest
from receivers import HttpReceiver
from test_delivery_reasons import failing_deliveries, payload

from logsentry.actions.channels import DeliveryError, deliver
from logsentry.config import Channel
from logsentry.silences import SilenceError, new_silence
from logsentry.silences import mirror as mirror_silence

SECRET = "XyzzyPass"


class Redirector:
    """Answers every request with `code`, Location: `to` (on another port: another origin)."""

    def __init__(self, code: int, to: str):
        self.code, self.hits = code, 0
        redirector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                redirector.hits += 1
                self.send_response(code)
                self.send_header("Location", to)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"127.0.0.1:{self.server.server_address[1]}"
        Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def elsewhere() -> Iterator[HttpReceiver]:
    receiver = HttpReceiver()
    yield receiver
    receiver.close()


@pytest.fixture(params=[302, 307])
def redirector(request: pytest.FixtureRequest, elsewhere: HttpReceiver) -> Iterator[Redirector]:
    redirector = Redirector(request.param, f"http://localhost:{elsewhere.port}/elsewhere")
    yield redirector
    redirector.close()


def test_alertmanager_does_not_follow_a_redirect(redirector: Redirector, elsewhere: HttpReceiver) -> None:
    channel = Channel("am", "alertmanager", (f"http://alice:{SECRET}@{redirector.url}/",), timeout_s=10)
    with pytest.raises(DeliveryError) as caught:
        deliver(channel, payload())
    code = redirector.code
    assert str(caught.value).startswith(f"am: Alertmanager did not accept the alert: HTTP {code} "), caught.value
    assert str(caught.value).endswith("(a redirect, not followed: give the URL it points to)")
    assert SECRET not in str(caught.value) and "elsewhere" not in str(caught.value)
    assert redirector.hits == 1 and elsewhere.attempts == 0 and elsewhere.requests == []


def test_apprise_does_not_follow_a_redirect(redirector: Redirector, elsewhere: HttpReceiver) -> None:
    channel = Channel("webhook", "apprise", (f"json://alice:{SECRET}@{redirector.url}/hook",), timeout_s=10)
    with pytest.raises(DeliveryError) as caught:
        deliver(channel, payload())
    code = redirector.code
    assert str(caught.value).endswith(f"Failed to send JSON POST notification: error={code}."), caught.value
    assert SECRET not in str(caught.value)
    assert redirector.hits == 1 and elsewhere.attempts == 0 and elsewhere.requests == []


def test_an_alertmanager_silence_is_not_sent_elsewhere(elsewhere: HttpReceiver) -> None:
    """A 302 (urllib turned the POST into a GET to the Location; it refused a POST's 307 already)."""
    redirector = Redirector(302, f"http://localhost:{elsewhere.port}/elsewhere")
    try:
        channel = Channel("am", "alertmanager", (f"http://{redirector.url}/",), timeout_s=10)
        with pytest.raises(SilenceError, match=r"refused POST silences: HTTP 302 .*a redirect, not followed"):
            mirror_silence(channel, new_silence("app.service", "", "", 3_600_000_000, "deploy", "ops"))
    finally:
        redirector.close()
    assert redirector.hits == 1 and elsewhere.requests == []


def test_the_service_keeps_a_redirected_alert(tmp_path, live_journal, elsewhere: HttpReceiver) -> None:
    to = f"http://localhost:{elsewhere.port}/elsewhere"
    am, hook = Redirector(302, to), Redirector(307, to)
    channels = (f'[[channel]]\nname = "am"\ntype = "alertmanager"\nurl = "http://alice:{SECRET}@{am.url}"\n'
                f'retries = 1\n[[channel]]\nname = "webhook"\ntype = "apprise"\n'
                f'url = "json://alice:{SECRET}@{hook.url}/hook"\nretries = 1\n')
    try:
        service = failing_deliveries(tmp_path, live_journal, channels)
    finally:
        am.close()
        hook.close()
    log = service.log()
    assert ("alert delivery failed (am: Alertmanager did not accept the alert: HTTP 302 Found (a redirect, not "
            "followed: give the URL it points to)); next try via webhook") in log, log
    assert "error=307.); next try via am" in log, log
    assert "delivered via" not in log and SECRET not in log
    assert elsewhere.attempts == 0 and elsewhere.requests == []
    waiting = [row for row in service.state().outbox() if row.kind == "alert"]
    assert [row.status for row in waiting] == ["pending"], waiting
