"""Catching an OAuth redirect on 127.0.0.1: the seller approves in a browser, the browser comes back here."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


class RedirectCatcher:
    def __init__(self, port: int = 0) -> None:
        self.params: dict[str, str] = {}
        self._done = threading.Event()
        catcher = self

        class _Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                query = parse_qs(urlsplit(self.path).query)
                if "code" in query:
                    catcher.params = {k: v[0] for k, v in query.items()}
                    catcher._done.set()
                    text = b"SyncStore received the authorization. You can close this tab."
                else:
                    text = b"Waiting for an authorization code."
                self.send_response(200)
                self.send_header("content-type", "text/plain; charset=utf-8")
                self.send_header("content-length", str(len(text)))
                self.end_headers()
                self.wfile.write(text)

            def log_message(self, format: str, *args: Any) -> None:
                return  # the query carries the authorization code

        self._server = HTTPServer(("127.0.0.1", port), _Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/callback"

    def wait(self, timeout: float) -> dict[str, str] | None:
        thread = threading.Thread(target=self._serve_until_done, daemon=True)
        thread.start()
        got = self._done.wait(timeout)
        self._server.shutdown()
        self._server.server_close()
        thread.join(timeout=5)
        return self.params if got else None

    def _serve_until_done(self) -> None:
        self._server.serve_forever(poll_interval=0.2)
