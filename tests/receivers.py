"""Real alert receivers on 127.0.0.1 for the tests: an HTTP server (webhooks, Alertmanager's v2 API)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class HttpReceiver:
    """Records every POST; answers 500 to the first `fail_first` of them (a receiver that fails first)."""

    def __init__(self, fail_first: int = 0, always_fail: bool = False):
        self.requests: list[tuple[str, Any]] = []
        self.failures_left = fail_first
        self.always_fail = always_fail
        self.attempts = 0
        self.accepted_attempts: list[int] = []  # which attempt (1-based) each accepted POST was
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                receiver.attempts += 1
                if receiver.always_fail or receiver.failures_left > 0:
                    receiver.failures_left -= 1
                    self.send_response(500)
                    self.end_headers()
                    return
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = raw.decode(errors="replace")
                receiver.requests.append((self.path, body))
                receiver.accepted_attempts.append(receiver.attempts)
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"{}")

            def do_GET(self) -> None:
                receiver.requests.append((self.path, None))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"127.0.0.1:{self.port}"

    def wait_for(self, count: int, timeout: float = 10.0) -> list[tuple[str, Any]]:
        deadline = time.monotonic() + timeout
        while len(self.requests) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return list(self.requests)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
