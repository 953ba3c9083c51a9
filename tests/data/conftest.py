"""Fixtures for the data-layer tests: a local HTTP server and small configs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from stub_http_server import LocalServer

from icmt_pipeline.data.config import DataConfig

_PROXY_VARS = ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY")


@pytest.fixture
def http_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalServer]:
    """A local HTTP server on 127.0.0.1 (random port), proxies disabled."""
    for name in _PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    server = LocalServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def _no_env_mirror(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests choose their mirror explicitly; ignore the caller's environment."""
    monkeypatch.delenv("ICMT_DATA_MIRROR", raising=False)


@pytest.fixture
def make_config(tmp_path: Path) -> Callable[..., DataConfig]:
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
