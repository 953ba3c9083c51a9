"""A canned-reply HTTP server on 127.0.0.1 for download tests (no network)."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Reply:
    """One canned HTTP answer.

    ``content_length`` overrides the header; ``send_length=False`` omits it (the
    body then ends when the connection closes). ``chunked=True`` sends the body
    as one HTTP/1.1 chunk; ``cut_at`` then stops after that many body bytes and
    closes the connection without ending the chunk.
    """

    status: int = 200
    body: bytes = b""
    content_length: int | None = None
    send_length: bool = True
    chunked: bool = False
    cut_at: int | None = None


class LocalServer:
    """A 127.0.0.1 HTTP server answering canned replies per path.

    Replies for a path are used in order; the last one repeats.
    """

    def __init__(self) -> None:
        self.routes: dict[str, list[Reply]] = {}
        self.hits: Counter[str] = Counter()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                replies = server.routes.get(self.path, [Reply(404, b"not found")])
                reply = replies[min(server.hits[self.path], len(replies) - 1)]
                server.hits[self.path] += 1
                length = reply.content_length
                if reply.chunked:
                    self.protocol_version = "HTTP/1.1"
                self.send_response(reply.status)
                if reply.chunked:
                    self.send_header("Transfer-Encoding", "chunked")
                elif reply.send_length:
                    self.send_header(
                        "Content-Length",
                        str(len(reply.body) if length is None else length),
                    )
                self.send_header("Connection", "close")
                self.end_headers()
                if reply.chunked:
                    sent = reply.body[: reply.cut_at]
                    self.wfile.write(b"%x\r\n" % len(reply.body) + sent)
                    if reply.cut_at is None:
                        self.wfile.write(b"\r\n0\r\n\r\n")
                else:
                    self.wfile.write(reply.body)
                self.wfile.flush()
                self.close_connection = True

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.stopped = False

    def start(self) -> None:
        """Serve in a background thread."""
        self.thread.start()

    def stop(self) -> None:
        """Stop serving and close the socket (idempotent)."""
        if not self.stopped:
            self.stopped = True
            self.httpd.shutdown()
            self.httpd.server_close()
            self.thread.join(timeout=5)

    def add(self, path: str, *replies: Reply) -> str:
        """Serve ``replies`` at ``path``; return its URL."""
        self.routes[path] = list(replies)
        return self.url(path)

    def url(self, path: str) -> str:
        """The URL of ``path`` on this server."""
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}{path}"
