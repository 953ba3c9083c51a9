"""Typed, validated configuration of the data layer.

``DataConfig.from_params`` turns the ``data`` parameter mapping (the content of
``conf/base/parameters_data.yml`` under the key ``data``) into frozen
dataclasses, so that a typo fails at once with the bad key and the allowed ones.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from icmt_pipeline.errors import ConfigError

DATASETS: tuple[str, ...] = ("lastfm", "gowalla", "yelp2018", "ml-1m", "custom")
SPLIT_METHODS: tuple[str, ...] = ("random", "temporal")
FILE_FORMATS: tuple[str, ...] = ("auto", "csv", "parquet")
ID_TYPES: tuple[str, ...] = ("auto", "str", "int")
MIRROR_ENV = "ICMT_DATA_MIRROR"

_SHA256_RE = re.compile(r"[0-9a-f]{64}")
_TOP_KEYS: tuple[str, ...] = (
    "raw_dir",
    "mirror",
    "allow_network",
    "download",
    "seed",
    "split_method",
    "split_ratios",
    "head_share",
    "trusted_sha256",
    "sources",
)
_DOWNLOAD_KEYS: tuple[str, ...] = ("retries", "timeout_s", "backoff_s")
_RATIO_KEYS: tuple[str, ...] = ("train", "valid", "test")
_COLUMN_KEYS: tuple[str, ...] = ("user", "item", "rating", "timestamp")
_ITEM_NAME_KEYS: tuple[str, ...] = ("path", "id_column", "name_column", "sep")
_SOURCE_KEYS: dict[str, tuple[str, ...]] = {
    "lastfm": ("k_core", "url", "split_method"),
    "gowalla": ("k_core", "url", "split_method"),
    "yelp2018": ("k_core", "url", "split_method"),
    "ml-1m": ("k_core", "url", "min_rating", "split_method"),
    "custom": (
        "split_method",
        "path",
        "format",
        "sep",
        "columns",
        "id_type",
        "min_rating",
        "k_core",
        "sha256",
        "item_names",
    ),
}
_DEFAULT_K_CORE: dict[str, int] = {
    "lastfm": 10,
    "gowalla": 20,
    "yelp2018": 20,
    "ml-1m": 10,
    "custom": 5,
}
# Datasets whose files carry no timestamps (no temporal split for them).
_UNTIMED: tuple[str, ...] = ("lastfm", "gowalla", "yelp2018")
_DEFAULT_MIN_RATING: dict[str, float | None] = {"ml-1m": 4.0, "custom": None}
# A file name taken from a URL must fit in a cache file name with its prefix.
_MAX_URL_NAME_BYTES = 200


@dataclass(frozen=True)
class DownloadConfig:
    """How hard to try when a file must come from the network.

    Attributes:
        retries: Extra attempts after the first one (0 = try once).
        timeout_s: Socket timeout of one attempt, in seconds.
        backoff_s: Wait before retry ``r`` (1-based) is ``backoff_s * 2**(r-1)``.
    """

    retries: int = 3
    timeout_s: float = 60.0
    backoff_s: float = 1.0


@dataclass(frozen=True)
class ColumnMap:
    """Which columns of a custom file hold what (``None`` = no such column)."""

    user: str = "user_id"
    item: str = "item_id"
    rating: str | None = None
    timestamp: str | None = None


@dataclass(frozen=True)
class ItemNamesConfig:
    """An optional CSV of item names for the custom source."""

    path: str | None = None
    id_column: str = "item_id"
    name_column: str = "name"
    sep: str = ","


@dataclass(frozen=True)
class SourceConfig:
    """The resolved settings of the chosen dataset.

    Fields that a dataset does not use keep their defaults (for instance
    ``path`` is only read for ``custom``).

    Attributes:
        k_core: Every user and item keeps at least this many interactions.
        url: Upstream URL override (``None`` = the built-in one). For
            ``lastfm`` and ``ml-1m`` the URL of the zip; for ``gowalla`` and
            ``yelp2018`` the base URL of the folder holding the text files.
        min_rating: Keep interactions with ``rating >= min_rating`` (``None``
            = keep all).
        split_method: This dataset's own split method (``None`` = the
            top-level ``data.split_method``).
        path: ``custom`` only: local path or http(s) URL of the file. A URL
            must end in a file name; its download is cached as
            ``<raw_dir>/custom/<first 12 hex digits of sha256(URL)>-<file
            name>``, so different URLs never share a cache file.
        format: ``custom`` only: ``auto``, ``csv`` or ``parquet``.
        sep: ``custom`` only: CSV field separator.
        columns: ``custom`` only: column mapping.
        id_type: ``custom`` only: ``auto``, ``str`` or ``int``.
        sha256: ``custom`` only: pinned digest of the file.
        item_names: ``custom`` only: optional item-name CSV.
    """

    k_core: int
    url: str | None = None
    min_rating: float | None = None
    split_method: str | None = None
    path: str | None = None
    format: str = "auto"
    sep: str = ","
    columns: ColumnMap = field(default_factory=ColumnMap)
    id_type: str = "auto"
    sha256: str | None = None
    item_names: ItemNamesConfig = field(default_factory=ItemNamesConfig)


@dataclass(frozen=True)
class DataConfig:
    """Everything the data layer needs for one dataset.

    Build it with :meth:`from_params`. The parameter mapping has this shape
    (every key optional; the values shown are the defaults)::

        raw_dir: data/01_raw    # str: cache folder; files land in <raw_dir>/<dataset>/
        mirror: null            # str|null: folder laid out as
                                #   <mirror>/<dataset>/<file name>; null = env
                                #   ICMT_DATA_MIRROR if set, else no mirror
        allow_network: true     # bool: may files be downloaded from upstream?
        download:
          retries: 3            # int >= 0: extra attempts after the first one
          timeout_s: 60         # float > 0: socket timeout per attempt (seconds)
          backoff_s: 1.0        # float >= 0: wait backoff_s * 2**(r-1) before retry r
        seed: 2024              # int: seed of the random split
        split_method: random    # random | temporal (temporal needs timestamps);
                                #   every source may set its own split_method,
                                #   which then wins for that dataset
        split_ratios: {train: 0.8, valid: 0.1, test: 0.1}  # each > 0, sum 1
        head_share: 0.2         # float in (0, 1): share of items (by count of
                                #   items) that are head items; it must leave at
                                #   least one tail item (checked on the data)
        trusted_sha256: {}      # {file name or "<dataset>/<file name>": sha256 or
                                #   list of sha256}: extra digests accepted for files
                                #   that have pinned digests
        sources:
          lastfm:   {k_core: 10, url: null}   # url null = built-in upstream zip URL
          gowalla:  {k_core: 20, url: null}   # url = base URL of the folder with
          yelp2018: {k_core: 20, url: null}   #   train.txt and test.txt
          ml-1m:    {k_core: 10, url: null, min_rating: 4}  # positives: rating >= 4
          custom:
            path: null          # required for custom: local path or http(s) URL
                                #   of a CSV or Parquet file (a URL must end in
                                #   a file name; cached per URL)
            format: auto        # auto | csv | parquet (auto: by file extension)
            sep: ","            # CSV field separator: one character ("\\t" =
                                #   tab); longer ones are refused
            columns: {user: user_id, item: item_id, rating: null, timestamp: null}
            id_type: auto       # auto | str | int; auto: int64 when every id of
                                #   the column is a plain integer without leading
                                #   zeros, else string
            min_rating: null    # keep rating >= min_rating (needs a rating column)
            k_core: 5
            sha256: null        # optional pinned sha256 of the file
            item_names: {path: null, id_column: item_id, name_column: name, sep: ","}

    Relative paths are relative to the working directory (the project root
    under ``kedro run``).

    Attributes:
        dataset: One of ``lastfm``, ``gowalla``, ``yelp2018``, ``ml-1m``,
            ``custom``.
        raw_dir: Cache folder; files land in ``raw_dir / dataset``.
        mirror: Mirror folder or ``None``.
        allow_network: Whether downloads are allowed.
        download: Retry settings.
        seed: Seed of the random split.
        split_method: ``random`` or ``temporal``.
        split_ratios: ``(train, valid, test)``.
        head_share: Share of items that are head items.
        trusted_sha256: ``(key, digest)`` pairs; see :meth:`trusted_digests`.
        source: The chosen dataset's settings.
    """

    dataset: str
    raw_dir: Path = Path("data/01_raw")
    mirror: Path | None = None
    allow_network: bool = True
    download: DownloadConfig = field(default_factory=DownloadConfig)
    seed: int = 2024
    split_method: str = "random"
    split_ratios: tuple[float, float, float] = (0.8, 0.1, 0.1)
    head_share: float = 0.2
    trusted_sha256: tuple[tuple[str, str], ...] = ()
    source: SourceConfig = field(default_factory=lambda: SourceConfig(k_core=10))

    @property
    def k_core(self) -> int:
        """The chosen dataset's k-core threshold."""
        return self.source.k_core

    @property
    def dataset_dir(self) -> Path:
        """The cache folder of the chosen dataset, ``raw_dir / dataset``."""
        return self.raw_dir / self.dataset

    def trusted_digests(self, name: str) -> tuple[str, ...]:
        """Digests the user accepts for file ``name`` of the chosen dataset.

        Args:
            name: A file (or archive member) name, e.g. ``"train.txt"``.

        Returns:
            The digests listed under ``name`` or ``"<dataset>/<name>"``.
        """
        keys = {name, f"{self.dataset}/{name}"}
        return tuple(digest for key, digest in self.trusted_sha256 if key in keys)

    @classmethod
    def from_params(cls, params: Mapping[str, Any] | None, dataset: str) -> DataConfig:
        """Validate the ``data`` parameters and resolve them for ``dataset``.

        Unknown keys are rejected at every level and for every dataset; values
        are checked for the chosen dataset (so ``custom.path`` is required only
        when ``dataset == "custom"``).

        Args:
            params: The mapping under the ``data`` key (``None`` = defaults).
            dataset: The dataset to load.

        Returns:
            The frozen configuration.

        Raises:
            ConfigError: On an unknown key or dataset, or a rejected value.
        """
        if dataset not in DATASETS:
            raise ConfigError(
                f"Unknown dataset {dataset!r}; allowed: {', '.join(DATASETS)}"
            )
        raw = _mapping(params, "data")
        _check_keys(raw, _TOP_KEYS, "data")

        download_raw = _mapping(raw.get("download"), "data.download")
        _check_keys(download_raw, _DOWNLOAD_KEYS, "data.download")
        download = DownloadConfig(
            retries=_int(download_raw.get("retries", 3), "data.download.retries", 0),
            timeout_s=_float(
                download_raw.get("timeout_s", 60.0), "data.download.timeout_s"
            ),
            backoff_s=_float(
                download_raw.get("backoff_s", 1.0), "data.download.backoff_s"
            ),
        )
        if download.timeout_s <= 0:
            raise ConfigError(
                f"data.download.timeout_s must be > 0, got {download.timeout_s}"
            )
        if download.backoff_s < 0:
            raise ConfigError(
                f"data.download.backoff_s must be >= 0, got {download.backoff_s}"
            )

        split_method = _choice(
            raw.get("split_method", "random"), SPLIT_METHODS, "data.split_method"
        )
        source = _sources(raw.get("sources"), dataset)
        # A source's own split_method (when set) wins over data.split_method, so
        # a temporal split for one dataset does not change the others.
        split_method = source.split_method or split_method
        if split_method == "temporal" and dataset in _UNTIMED:
            raise ConfigError(
                f"split_method 'temporal' needs timestamps and {dataset} has none; "
                "use 'random' for it, or set the temporal split only for the "
                "dataset that has timestamps (data.sources.<name>.split_method)"
            )
        if (
            split_method == "temporal"
            and dataset == "custom"
            and source.columns.timestamp is None
        ):
            raise ConfigError(
                "split_method 'temporal' needs timestamps but "
                "data.sources.custom.columns.timestamp is null: name the column "
                "that holds them, or use split_method 'random'"
            )
        head_share = _float(raw.get("head_share", 0.2), "data.head_share")
        if not 0.0 < head_share < 1.0:
            raise ConfigError(
                f"data.head_share must be in the open interval (0, 1), got {head_share}"
            )
        raw_dir = _path(raw.get("raw_dir", "data/01_raw"), "data.raw_dir")
        if raw_dir is None:
            raise ConfigError("data.raw_dir must be a folder path, got None")
        check_not_a_file(raw_dir, "data.raw_dir", "it is created if missing")
        mirror = _path(raw.get("mirror"), "data.mirror")
        mirror_setting = "data.mirror"
        if mirror is None and os.environ.get(MIRROR_ENV, "").strip():
            mirror = Path(os.environ[MIRROR_ENV].strip()).expanduser()
            mirror_setting = f"the {MIRROR_ENV} environment variable"
        if mirror is not None:
            check_not_a_file(
                mirror, mirror_setting, "laid out as <mirror>/<dataset>/<file name>"
            )

        return cls(
            dataset=dataset,
            raw_dir=raw_dir,
            mirror=mirror,
            allow_network=_bool(raw.get("allow_network", True), "data.allow_network"),
            download=download,
            seed=_seed(raw.get("seed", 2024)),
            split_method=split_method,
            split_ratios=_ratios(raw.get("split_ratios")),
            head_share=head_share,
            trusted_sha256=_trusted(raw.get("trusted_sha256")),
            source=source,
        )


def _mapping(value: Any, where: str) -> dict[str, Any]:
    """``value`` as a dict (``None`` = empty), else ConfigError."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConfigError(
            f"{where} must be a mapping, got {type(value).__name__} {value!r}"
        )
    return dict(value)


def _check_keys(raw: Mapping[str, Any], allowed: tuple[str, ...], where: str) -> None:
    """Raise ConfigError naming any key of ``raw`` not in ``allowed``."""
    unknown = sorted(str(k) for k in raw if k not in allowed)
    if unknown:
        raise ConfigError(
            f"Unknown key(s) {', '.join(repr(k) for k in unknown)} in {where}; "
            f"allowed: {', '.join(allowed)}"
        )


def _int(value: Any, where: str, minimum: int | None = None) -> int:
    """An int (not a bool), optionally >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(
            f"{where} must be an integer, got {type(value).__name__} {value!r}"
        )
    if minimum is not None and value < minimum:
        raise ConfigError(f"{where} must be >= {minimum}, got {value}")
    return int(value)


def _seed(value: Any) -> int:
    """``data.seed``: an integer in ``0 .. 2**32 - 1`` (what NumPy seeds take)."""
    seed = _int(value, "data.seed", 0)
    if seed >= 2**32:
        raise ConfigError(f"data.seed must be in 0..2**32-1, got {seed}")
    return seed


def _float(value: Any, where: str) -> float:
    """A finite number (ints allowed, bools not) as float."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(
            f"{where} must be a number, got {type(value).__name__} {value!r}"
        )
    if not math.isfinite(value):
        raise ConfigError(f"{where} must be finite, got {value}")
    return float(value)


def _bool(value: Any, where: str) -> bool:
    """A real bool (YAML true/false)."""
    if not isinstance(value, bool):
        raise ConfigError(
            f"{where} must be true or false, got {type(value).__name__} {value!r}"
        )
    return value


def _text(value: Any, where: str) -> str:
    """A non-empty string."""
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{where} must be a non-empty string, got {value!r}")
    return value


def _opt_text(value: Any, where: str) -> str | None:
    """A non-empty string or ``None``."""
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{where} must be a non-empty string or null, got {value!r}")
    return value


def _path(value: Any, where: str) -> Path | None:
    """A path (``~`` expanded) or ``None``."""
    if value is None:
        return None
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    return Path(_text(value, where)).expanduser()


def check_not_a_file(path: Path, where: str, layout: str) -> None:
    """ConfigError when ``path`` exists but is not a folder.

    Args:
        path: A folder setting's value.
        where: The setting, for the message (e.g. ``data.raw_dir``).
        layout: What the folder should hold, for the message.
    """
    if path.exists() and not path.is_dir():
        raise ConfigError(
            f"{where} is {str(path)!r}, which is a file, not a folder; point "
            f"{where} at a folder ({layout})"
        )


def _separator(value: Any, where: str) -> str:
    """A one-character field separator; the two characters ``\\t`` mean tab.

    pandas reads a longer separator as a regular expression, which silently
    splits fields in unexpected places, so only single characters are allowed.
    """
    text = _text(value, where)
    if text == "\\t":
        return "\t"
    if len(text) != 1 or text in '"\r\n':
        raise ConfigError(
            f"{where} must be a single character such as ',', ';', '|' or a tab "
            f'(written "\\t" in YAML), got {text!r}; separators of several '
            "characters are not supported, and a quote or line end cannot separate "
            "fields"
        )
    return text


def _url(value: Any, where: str) -> str | None:
    """An http(s) URL with a host (``None`` passes)."""
    text = _opt_text(value, where)
    if text is None:
        return None
    if not is_url(text):
        raise ConfigError(f"{where} must be an http:// or https:// URL, got {text!r}")
    try:
        parts = urlsplit(text)
        host, _port = parts.hostname, parts.port  # both raise on a malformed URL
    except ValueError as exc:
        raise ConfigError(f"{where} is not a valid URL ({exc}), got {text!r}") from exc
    if not host:
        raise ConfigError(f"{where} URL has no host name, got {text!r}")
    return text


def is_url(text: str) -> bool:
    """Whether ``text`` is an http(s) URL (anything else is a local path)."""
    return text.startswith(("http://", "https://"))


def url_file_name(url: str) -> str | None:
    """The file name at the end of an http(s) URL's path, if it is usable.

    The last path segment is percent-decoded. It is unusable when it is empty
    (the path ends in ``/``), ``.`` or ``..``, holds a slash, a backslash or a
    control character, or is longer than 200 bytes.

    Args:
        url: A URL that :func:`urllib.parse.urlsplit` can parse.

    Returns:
        The decoded file name, or ``None`` when the URL names no usable file.
    """
    segment = urlsplit(url).path.rsplit("/", 1)[-1]
    name = unquote(segment)
    if name in ("", ".", ".."):
        return None
    if any(c in "/\\" or ord(c) < 32 or ord(c) == 127 for c in name):
        return None
    if len(name.encode("utf-8")) > _MAX_URL_NAME_BYTES:
        return None
    return name


def _location(value: Any, where: str) -> str | None:
    """A local path or an http(s) URL that ends in a usable file name."""
    text = _opt_text(value, where)
    if text is None or not is_url(text):
        return text
    _url(text, where)
    if url_file_name(text) is None:
        segment = urlsplit(text).path.rsplit("/", 1)[-1]
        raise ConfigError(
            f"{where} URL {text!r} does not end in a usable file name (last path "
            f"segment {segment!r}); give the URL of the file itself, e.g. "
            "https://host/exports/data.csv"
        )
    return text


def _choice(value: Any, allowed: tuple[str, ...], where: str) -> str:
    """One of ``allowed``."""
    if value not in allowed:
        raise ConfigError(f"{where} is {value!r}; allowed: {', '.join(allowed)}")
    return str(value)


def _sha256(value: Any, where: str) -> str:
    """A 64-digit hexadecimal digest, lower-cased."""
    if not isinstance(value, str) or not _SHA256_RE.fullmatch(value.strip().lower()):
        raise ConfigError(
            f"{where} must be a sha256 digest (64 hexadecimal digits), got {value!r}"
        )
    return value.strip().lower()


def _ratios(value: Any) -> tuple[float, float, float]:
    """The (train, valid, test) ratios: each > 0, sum 1 within 1e-6."""
    raw = _mapping(value, "data.split_ratios")
    _check_keys(raw, _RATIO_KEYS, "data.split_ratios")
    merged = {"train": 0.8, "valid": 0.1, "test": 0.1, **raw}
    ratios = tuple(
        _float(merged[key], f"data.split_ratios.{key}") for key in _RATIO_KEYS
    )
    shown = ", ".join(f"{k}={v}" for k, v in zip(_RATIO_KEYS, ratios, strict=True))
    if any(r <= 0 for r in ratios):
        raise ConfigError(f"data.split_ratios must all be > 0, got {shown}")
    if abs(sum(ratios) - 1.0) > 1e-6:
        raise ConfigError(
            f"data.split_ratios must sum to 1 (tolerance 1e-6), got {shown} "
            f"(sum {sum(ratios):.6g})"
        )
    return ratios[0], ratios[1], ratios[2]


def _trusted(value: Any) -> tuple[tuple[str, str], ...]:
    """``{name: digest or [digests]}`` as sorted ``(name, digest)`` pairs."""
    raw = _mapping(value, "data.trusted_sha256")
    pairs: list[tuple[str, str]] = []
    for name, digests in raw.items():
        where = f"data.trusted_sha256[{name!r}]"
        _text(name, "a data.trusted_sha256 key")
        items = digests if isinstance(digests, list | tuple) else [digests]
        pairs.extend((str(name), _sha256(d, where)) for d in items)
    return tuple(sorted(pairs))


def _sources(value: Any, dataset: str) -> SourceConfig:
    """Check every source's keys; resolve the chosen one's values."""
    raw = _mapping(value, "data.sources")
    _check_keys(raw, DATASETS, "data.sources")
    for name in DATASETS:
        sub = _mapping(raw.get(name), f"data.sources.{name}")
        _check_keys(sub, _SOURCE_KEYS[name], f"data.sources.{name}")
        if name == "custom":
            _check_keys(
                _mapping(sub.get("columns"), "data.sources.custom.columns"),
                _COLUMN_KEYS,
                "data.sources.custom.columns",
            )
            _check_keys(
                _mapping(sub.get("item_names"), "data.sources.custom.item_names"),
                _ITEM_NAME_KEYS,
                "data.sources.custom.item_names",
            )
    sub = _mapping(raw.get(dataset), f"data.sources.{dataset}")
    where = f"data.sources.{dataset}"
    k_core = _int(sub.get("k_core", _DEFAULT_K_CORE[dataset]), f"{where}.k_core", 1)
    min_rating_raw = sub.get("min_rating", _DEFAULT_MIN_RATING.get(dataset))
    min_rating = (
        None
        if min_rating_raw is None
        else _float(min_rating_raw, f"{where}.min_rating")
    )
    split_raw = sub.get("split_method")
    split_method = (
        None
        if split_raw is None
        else _choice(split_raw, SPLIT_METHODS, f"{where}.split_method")
    )
    if dataset != "custom":
        return SourceConfig(
            k_core=k_core,
            url=_url(sub.get("url"), f"{where}.url"),
            min_rating=min_rating,
            split_method=split_method,
        )
    return _custom(sub, k_core, min_rating, split_method)


def _custom(
    sub: dict[str, Any],
    k_core: int,
    min_rating: float | None,
    split_method: str | None,
) -> SourceConfig:
    """Resolve the ``custom`` source (``path`` required)."""
    where = "data.sources.custom"
    path = _location(sub.get("path"), f"{where}.path")
    if path is None:
        raise ConfigError(
            f"{where}.path is required when dataset is 'custom': set it to a local "
            "path or an http(s) URL of a CSV or Parquet file"
        )
    cols = _mapping(sub.get("columns"), f"{where}.columns")
    columns = ColumnMap(
        user=_text(cols.get("user", "user_id"), f"{where}.columns.user"),
        item=_text(cols.get("item", "item_id"), f"{where}.columns.item"),
        rating=_opt_text(cols.get("rating"), f"{where}.columns.rating"),
        timestamp=_opt_text(cols.get("timestamp"), f"{where}.columns.timestamp"),
    )
    named = [
        c
        for c in (columns.user, columns.item, columns.rating, columns.timestamp)
        if c is not None
    ]
    if len(set(named)) != len(named):
        raise ConfigError(
            f"{where}.columns maps two roles to the same column: {columns}; "
            "each of user, item, rating, timestamp needs its own column"
        )
    if min_rating is not None and columns.rating is None:
        raise ConfigError(
            f"{where}.min_rating is {min_rating} but columns.rating is null: "
            "name the rating column or set min_rating to null"
        )
    names = _mapping(sub.get("item_names"), f"{where}.item_names")
    item_names = ItemNamesConfig(
        path=_location(names.get("path"), f"{where}.item_names.path"),
        id_column=_text(
            names.get("id_column", "item_id"), f"{where}.item_names.id_column"
        ),
        name_column=_text(
            names.get("name_column", "name"), f"{where}.item_names.name_column"
        ),
        sep=_separator(names.get("sep", ","), f"{where}.item_names.sep"),
    )
    sha = sub.get("sha256")
    return SourceConfig(
        k_core=k_core,
        min_rating=min_rating,
        split_method=split_method,
        path=path,
        format=_choice(sub.get("format", "auto"), FILE_FORMATS, f"{where}.format"),
        sep=_separator(sub.get("sep", ","), f"{where}.sep"),
        columns=columns,
        id_type=_choice(sub.get("id_type", "auto"), ID_TYPES, f"{where}.id_type"),
        sha256=None if sha is None else _sha256(sha, f"{where}.sha256"),
        item_names=item_names,
    )
