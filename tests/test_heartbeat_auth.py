"""A heartbeat URL with `user:password@` is pinged with HTTP Basic authentication (urllib took the user part
for the host name: every ping failed, "heartbeat ping failed (URLError)", and the dead-man's switch paged);
with a password no redirect is followed (urllib would send the Authorization header on to the Location); a
failed ping says why, never the password. The real service, a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from test_service import boom_rules, config_text, service  # noqa: F401  (fixtures)

PASSWORD = "Pw-for-the-Switch-9"


class PingServer:
    """Answers GET /ping with `status` (a 302 to /elsewhere when 302); records each request's path and
    Authorization header."""

    def __init__(self, status: int = 200):
        self.seen: list[tuple[str, str | None]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.seen.append((self.path, self.headers.get("Authorization")))
                self.send_response(status if self.path == "/ping" else 200)
                if status == 302:
                    self.send_header("Location", "/elsewhere")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.http.server_address[1]
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()


@pytest.fixture
def pings() -> Iterator[type[PingServer]]:
    made: list[PingServer] = []

    def make(status: int = 200) -> PingServer:
        made.append(PingServer(status))
        return made[-1]

    yield make  # type: ignore[misc]
    for server in made:
        server.close()


def wait_for(predicate, timeout: float = 8.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (value := predicate()):
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")


def heartbeat(url: str) -> str:
    return f'[heartbeat]\nurl = "{url}"\ninterval = "1s"\n'


def test_a_heartbeat_with_user_and_password_is_pinged_with_basic_auth(live_journal, boom_rules, service,  # noqa: F811
                                                                      pings) -> None:
    beat = pings()
    running = service(config_text(live_journal, boom_rules(),
                                  extra=heartbeat(f"http://switch:{PASSWORD}@127.0.0.1:{beat.port}/ping")))
    running.start()
    wait_for(lambda: len(beat.seen) >= 2)
    token = base64.b64encode(f"switch:{PASSWORD}".encode()).decode()
    assert set(beat.seen) == {("/ping", f"Basic {token}")}
    assert "heartbeat ping failed" not in running.log() and PASSWORD not in running.log()


def test_a_heartbeat_with_a_password_follows_no_redirect_and_says_why(live_journal, boom_rules, service,  # noqa: F811
                                                                      pings) -> None:
    beat = pings(302)
    running = service(config_text(live_journal, boom_rules(),
                                  extra=heartbeat(f"http://switch:{PASSWORD}@127.0.0.1:{beat.port}/ping")))
    running.start()
    running.wait_log("heartbeat ping failed (HTTP Error 302: Found)")
    time.sleep(0.5)  # a followed redirect would have reached /elsewhere by now
    assert beat.seen and {path for path, _ in beat.seen} == {"/ping"}  # never /elsewhere
    assert PASSWORD not in running.log()
