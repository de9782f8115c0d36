"""A tiny fault-injecting HTTP proxy in front of a real ``hom-server`` (the test double the
fault tests need for what a real server will not do on request: answer 500, hang past the
client's timeout, or drop the connection after the server committed)."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

PASS = "pass"
ERROR_500 = "500"
HANG = "hang"
CUT_AFTER_COMMIT = "cut"


@dataclass
class Fault:
    mode: str
    path: str = "/sync/push"
    times: int = 1  # how many matching requests it hits


@dataclass
class FaultProxy:
    upstream: str
    faults: list[Fault] = field(default_factory=list)
    hits: list[tuple[str, str]] = field(default_factory=list)  # (path, what happened)

    def __post_init__(self) -> None:
        proxy = self
        self._stop = threading.Event()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path = self.path.split("?", 1)[0]
                fault = proxy._take(path)
                if fault == ERROR_500:
                    proxy.hits.append((path, ERROR_500))
                    payload = b'{"code":"boom","message":"injected failure","detail":[]}'
                    self.send_response(500)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                if fault == HANG:
                    proxy.hits.append((path, HANG))
                    proxy._stop.wait(120)
                    self.close_connection = True
                    return
                headers = {
                    k: v
                    for k, v in self.headers.items()
                    if k.lower() not in ("host", "content-length", "connection", "accept-encoding")
                }
                with httpx.Client(base_url=proxy.upstream, timeout=60) as client:
                    answer = client.request(self.command, self.path, content=body, headers=headers)
                if fault == CUT_AFTER_COMMIT:
                    proxy.hits.append((path, f"{CUT_AFTER_COMMIT} {answer.status_code}"))
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                proxy.hits.append((path, str(answer.status_code)))
                content = answer.content
                self.send_response(answer.status_code)
                self.send_header("Content-Type", answer.headers.get("content-type", "text/plain"))
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = _handle
            do_POST = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _take(self, path: str) -> str:
        for fault in self.faults:
            if fault.times > 0 and path == fault.path:
                fault.times -= 1
                return fault.mode
        return PASS

    def close(self) -> None:
        self._stop.set()
        self.server.shutdown()
        self.server.server_close()
