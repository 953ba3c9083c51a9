"""Fixtures for the data-layer tests: a local HTTP server and small configs."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from icmt_pipeline.data.config import DataConfig

_PROXY_VARS = ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY")


@dataclass(frozen=True)
class Reply:
    """One canned HTTP answer; ``content_length`` overrides the header."""

    status: int = 200
    body: bytes = b""
    content_length: int | None = None


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
                self.send_response(reply.status)
                self.send_header(
                    "Content-Length", str(len(reply.body) if length is None else length)
                )
                self.end_headers()
                self.wfile.write(reply.body)
                self.wfile.flush()
                self.close_connection = True

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def add(self, path: str, *replies: Reply) -> str:
        """Serve ``replies`` at ``path``; return its URL."""
        self.routes[path] = list(replies)
        return self.url(path)

    def url(self, path: str) -> str:
        """The URL of ``path`` on this server."""
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}{path}"


@pytest.fixture
def http_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalServer]:
    """A local HTTP server on 127.0.0.1 (random port), proxies disabled."""
    for name in _PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    server = LocalServer()
    server.thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()
        server.thread.join(timeout=5)


@pytest.fixture(autouse=True)
def _no_env_mirror(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests choose their mirror explicitly; ignore the caller's environment."""
    monkeypatch.delenv("ICMT_DATA_MIRROR", raising=False)


@pytest.fixture
def make_config(tmp_path: Path):  # noqa: ANN201 (returns a factory)
    """Factory: a DataConfig with a tmp cache, no mirror, network off, no backoff."""

    def factory(dataset: str, **overrides: Any) -> DataConfig:
        params: dict[str, Any] = {
            "raw_dir": str(tmp_path / "raw"),
            "allow_network": False,
            "download": {"retries": 1, "timeout_s": 5, "backoff_s": 0.0},
        }
        params.update(overrides)
        return DataConfig.from_params(params, dataset)

    return factory
