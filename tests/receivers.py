"""Real alert receivers on 127.0.0.1 for the tests: an HTTP server (webhooks, Alertmanager's v2 API)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class HttpReceiver:
    """Records every POST; answers `status` (500) to the first `fail_first` of them (a receiver that fails
    first), or to all of them."""

    def __init__(self, fail_first: int = 0, always_fail: bool = False, status: int = 500):
        self.requests: list[tuple[str, Any]] = []
        self.headers: list[dict[str, str]] = []  # of each accepted POST, in the order of `requests`
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
                    self.send_response(status)
                    self.end_headers()
                    return
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = raw.decode(errors="replace")
                receiver.requests.append((self.path, body))
                receiver.headers.append(dict(self.headers))
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


class TrickleReceiver:
    """An HTTP endpoint that reads the request, then answers one byte every `every` seconds, forever (until
    closed): every socket operation succeeds within any per-operation timeout, the answer never ends."""

    def __init__(self, every: float = 0.5):
        import socket

        self.every = every
        self.connections = 0
        self._stop = threading.Event()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            threading.Thread(target=self._trickle, args=(conn,), daemon=True).start()

    def _trickle(self, conn: Any) -> None:
        answer = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n" + b" " * 100000
        try:
            conn.settimeout(5)
            conn.recv(65536)
            for byte in answer:
                if self._stop.wait(self.every):
                    break
                conn.sendall(bytes([byte]))
        except OSError:
            pass
        finally:
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self.sock.close()
