"""Turn Kedro parameter dicts into frozen dataclasses, loudly.

A typo in ``conf/base/parameters_*.yml`` or in ``kedro run --params`` must fail
at once with the bad key and the allowed ones, not be silently ignored.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from collections.abc import Mapping
from typing import Any, TypeVar

from icmt_pipeline.errors import ConfigError

T = TypeVar("T")
_NAMES = {bool: "true or false", int: "an integer", float: "a number", str: "a string"}
_PLURALS = {bool: "booleans", int: "integers", float: "numbers", str: "strings"}


def from_params(
    cls: type[T],
    params: Mapping[str, Any] | None,
    section: str,
    fixed: Mapping[str, Any] | None = None,
) -> T:
    """Build dataclass ``cls`` from ``params``, rejecting unknown keys.

    Values are type-checked against the field annotations (see
    :func:`_check_type`); a field that is itself a dataclass is built from its
    nested mapping the same way.

    Args:
        cls: A dataclass whose fields are the allowed keys.
        params: The parameter mapping (``None`` means all defaults).
        section: Where the mapping lives (e.g. ``"train.icmt"``), for messages.
        fixed: Fields the caller sets from a top-level parameter (e.g. the
            framework of ``train``); they are not keys of ``params``.

    Returns:
        The dataclass instance.

    Raises:
        ConfigError: If a key is unknown or fixed, or a value is rejected.
    """
    if params is not None and not isinstance(params, Mapping):
        raise ConfigError(
            f"'{section}' must be a mapping of parameters, got "
            f"{type(params).__name__} {params!r}"
        )
    params = dict(params or {})
    fixed = dict(fixed or {})
    taken = sorted(set(params) & set(fixed))
    if taken:
        raise ConfigError(
            f"{', '.join(f'{section}.{k}' for k in taken)} cannot be set here: "
            "choose it with the top-level parameter (dataset, model or framework)"
        )
    allowed = {f.name for f in dataclasses.fields(cls)} - set(fixed)  # type: ignore[arg-type]
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise ConfigError(
            f"Unknown parameter(s) {', '.join(repr(k) for k in unknown)} in "
            f"'{section}'; allowed: {', '.join(sorted(allowed))}"
        )
    hints = typing.get_type_hints(cls)
    checked = {
        key: _check_type(value, hints[key], f"{section}.{key}")
        for key, value in params.items()
    }
    try:
        return cls(**checked, **fixed)
    except TypeError as exc:
        raise ConfigError(f"Bad parameters in '{section}': {exc}") from exc


def _check_type(value: Any, hint: Any, where: str) -> Any:
    """``value`` if it has type ``hint`` (ints pass as floats, lists as tuples).

    YAML and ``--params`` give booleans, numbers and strings their own types,
    so a quoted ``"false"`` or a ``1.5`` where an integer belongs is a mistake
    to report, not to coerce: ``if "false":`` is true.
    """
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(hint)
        if value is None and type(None) in options:
            return None
        (inner,) = [t for t in options if t is not type(None)]
        return _check_type(value, inner, where)
    if origin is tuple:
        item_type = typing.get_args(hint)[0]
        if not isinstance(value, list | tuple):
            raise ConfigError(
                f"{where} must be a list of {_PLURALS[item_type]}, got "
                f"{type(value).__name__} {value!r}"
            )
        return tuple(
            _check_type(v, item_type, f"{where}[{i}]") for i, v in enumerate(value)
        )
    if dataclasses.is_dataclass(hint):
        if isinstance(value, hint):
            return value
        return from_params(hint, value, where)
    ok = {
        bool: isinstance(value, bool),
        int: isinstance(value, int) and not isinstance(value, bool),
        float: isinstance(value, int | float) and not isinstance(value, bool),
        str: isinstance(value, str),
    }.get(hint)
    if ok is None:
        raise TypeError(f"{where}: unsupported parameter type {hint!r}")
    if not ok:
        raise ConfigError(
            f"{where} must be {_NAMES[hint]}, got {type(value).__name__} {value!r}"
        )
    if hint is float:
        if not math.isfinite(value):
            raise ConfigError(f"{where} must be a finite number, got {value!r}")
        return float(value)
    return value


def to_plain(obj: Any) -> Any:
    """Dataclasses, tuples and mappings as plain dicts/lists (for checkpoints, JSON)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, Mapping):
        return {str(k): to_plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_plain(v) for v in obj]
    return obj
