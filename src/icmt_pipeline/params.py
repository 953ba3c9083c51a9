"""Turn Kedro parameter dicts into frozen dataclasses, loudly.

A typo in ``conf/base/parameters_*.yml`` or in ``kedro run --params`` must fail
at once with the bad key and the allowed ones, not be silently ignored.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, TypeVar

from icmt_pipeline.errors import ConfigError

T = TypeVar("T")


def from_params(cls: type[T], params: Mapping[str, Any] | None, section: str) -> T:
    """Build dataclass ``cls`` from ``params``, rejecting unknown keys.

    Args:
        cls: A dataclass whose fields are the allowed keys.
        params: The parameter mapping (``None`` means all defaults).
        section: Where the mapping lives (e.g. ``"train.icmt"``), for messages.

    Returns:
        The dataclass instance.

    Raises:
        ConfigError: If a key is unknown or a value is rejected by ``cls``.
    """
    params = dict(params or {})
    allowed = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise ConfigError(
            f"Unknown parameter(s) {', '.join(repr(k) for k in unknown)} in "
            f"'{section}'; allowed: {', '.join(sorted(allowed))}"
        )
    try:
        return cls(**params)
    except TypeError as exc:
        raise ConfigError(f"Bad parameters in '{section}': {exc}") from exc


def to_plain(obj: Any) -> Any:
    """Dataclasses, tuples and mappings as plain dicts/lists (for checkpoints, JSON)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, Mapping):
        return {str(k): to_plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_plain(v) for v in obj]
    return obj
