"""A small threaded HTTP server and router for the sandbox (standard library only).

The sandbox needs plain request/response handling on 127.0.0.1; a framework would add a
dependency and start-up time for no gain here.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    raw_query: str = ""  # repeated keys (item_status=A&item_status=B) are read from here

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    def json(self) -> Any:
        if not self.body:
            return {}
        return json.loads(self.body)


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # fault injection: close the connection without answering

    @classmethod
    def json(cls, data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        return cls(status, json.dumps(data, ensure_ascii=False).encode(),
                   {"content-type": "application/json; charset=utf-8", **(headers or {})})

    @classmethod
    def html(cls, text: str, status: int = 200) -> Response:
        return cls(status, text.encode(), {"content-type": "text/html; charset=utf-8"})

    @classmethod
    def redirect(cls, location: str) -> Response:
        return cls(302, b"", {"location": location})


Handler = Callable[[Request], Response]


def request_id() -> str:
    return secrets.token_hex(16)


class Router:
    def __init__(self) -> None:
        self._exact: dict[tuple[str, str], Handler] = {}
        self._prefix: list[tuple[str, str, Handler]] = []
        # Fault injection wraps every routed call (sandbox/faults.py); None in the plain sandbox.
        self.wrapper: Callable[[Request, Handler], Response] | None = None

    def add(self, method: str, path: str, handler: Handler) -> None:
        self._exact[(method, path)] = handler

    def add_prefix(self, method: str, prefix: str, handler: Handler) -> None:
        self._prefix.append((method, prefix, handler))

    def handle(self, request: Request) -> Response:
        handler = self._exact.get((request.method, request.path))
        if handler is None:
            for method, prefix, candidate in self._prefix:
                if method == request.method and request.path.startswith(prefix):
                    handler = candidate
                    break
        if handler is None:
            return Response.json({"error": "not_found", "message": f"no route {request.method} {request.path}"}, 404)
        if self.wrapper is not None:
            return self.wrapper(request, handler)
        return handler(request)


class SandboxServer:
    """Serves a router on 127.0.0.1 in a background thread (tests, demo) or the foreground (CLI)."""

    def __init__(self, router: Router, host: str = "127.0.0.1", port: int = 0) -> None:
        router_ref = router

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Without this every answer waits ~40 ms for Nagle + delayed ACK; with it ~1 ms.
            disable_nagle_algorithm = True

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                request = Request(
                    method=self.command,
                    path=parts.path,
                    query=dict(parse_qsl(parts.query, keep_blank_values=True)),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                    raw_query=parts.query,
                )
                try:
                    response = router_ref.handle(request)
                except Exception as exc:  # a sandbox bug must look like a 500, as a real server's would
                    response = Response.json({"error": "error_server", "message": f"sandbox error: {exc}"}, 500)
                if response.drop:
                    # The client must see a connection closed with no answer, whatever the handler committed.
                    self.close_connection = True
                    return
                self.send_response(response.status)
                for name, value in response.headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(response.body)))
                self.end_headers()
                self.wfile.write(response.body)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

            def log_message(self, format: str, *args: Any) -> None:
                return  # request lines would carry signs and tokens in their query strings

        self._server = ThreadingHTTPServer((host, port), _Handler)
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> SandboxServer:
        # A short poll interval makes stop() quick; the cost is a few idle wake-ups a second.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="sandbox", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
