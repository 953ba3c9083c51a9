"""The public datasets the project knows, and the custom-file source.

Each source has an upstream URL, the files it needs, pinned sha256 digests
where known, a parser and an expected shape (see :data:`SOURCES`).
:func:`load_raw_interactions` fetches the files (cache, then mirror, then
network; see :mod:`icmt_pipeline.data.download`), parses them, applies the
rating threshold and collapses duplicate pairs, the same way for every
source.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd

from icmt_pipeline.data import parsers
from icmt_pipeline.data.config import DataConfig, is_url, url_file_name
from icmt_pipeline.data.download import (
    FetchedFile,
    extract_members,
    fetch_file_info,
    sha256_of,
)
from icmt_pipeline.data.preprocess import binarize, collapse_duplicates, log_describe
from icmt_pipeline.errors import ChecksumError, ConfigError, DataError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SourceSpec:
    """A public dataset: where it lives and what it should look like.

    Attributes:
        name: Dataset name (the cache and mirror sub-folder).
        url: Default upstream URL: the zip for archives, else the base URL of
            the folder holding ``files``.
        files: Files fetched into ``<raw_dir>/<name>/``.
        members: Zip members to extract (empty for plain files).
        pinned_sha256: Accepted digests by file or member name; a name not
            listed is not checked.
        expected: The shape after parsing, for people.
    """

    name: str
    url: str
    files: tuple[str, ...]
    members: tuple[str, ...] = ()
    pinned_sha256: dict[str, tuple[str, ...]] = field(default_factory=dict)
    expected: str = ""


SOURCES: dict[str, SourceSpec] = {
    # HetRec 2011 Last.fm. The workplace mirror's zip holds only the two
    # members below while upstream's holds more files, so the zip bytes differ;
    # the digests pinned are those of the two members (computed from the
    # mirror's zip), checked after extraction. user_artists.dat: tab-separated
    # "userID artistID weight" with a header, CRLF line ends; artists.dat:
    # tab-separated "id name url pictureURL", UTF-8, quotes are literal.
    "lastfm": SourceSpec(
        name="lastfm",
        url="https://files.grouplens.org/datasets/hetrec2011/hetrec2011-lastfm-2k.zip",
        files=("hetrec2011-lastfm-2k.zip",),
        members=("user_artists.dat", "artists.dat"),
        pinned_sha256={
            "user_artists.dat": (
                "650cd69d5a68db24b439042557aa539aec47e473273e12cdfdca2cd944b3773a",
            ),
            "artists.dat": (
                "c173881362c6b28551368fecb3c0be5a6a30a6cd859e1f5775413dfe46d48648",
            ),
        },
        expected="92,834 pairs, 1,892 users, 17,632 artists (before k-core)",
    ),
    # LightGCN adjacency lists ("user item item ..."); train.txt and test.txt
    # are merged. The pins are the workplace mirror's files: its train.txt was
    # rebuilt from the same repository's training matrix (same pairs, items
    # sorted per line), so it need not be byte-identical to upstream; a fresh
    # upstream download may need its digest in data.trusted_sha256.
    "gowalla": SourceSpec(
        name="gowalla",
        url="https://raw.githubusercontent.com/gusye1234/LightGCN-PyTorch/master/data/gowalla/",
        files=("train.txt", "test.txt"),
        pinned_sha256={
            "train.txt": (
                "0f086326b28a56c2e6dcb81d86ee72d4ccb7eed3a8d26788392356d8f51111cc",
            ),
            "test.txt": (
                "099a2a73924e4b754dc6efd730d764f492321b53c38eb93298850c83acf57be3",
            ),
        },
        expected="1,027,370 pairs, 29,858 users, 40,981 items (train + test)",
    ),
    # Same format as Gowalla. Not mirrored here and no digest is known, so
    # nothing is pinned.
    "yelp2018": SourceSpec(
        name="yelp2018",
        url="https://raw.githubusercontent.com/gusye1234/LightGCN-PyTorch/master/data/yelp2018/",
        files=("train.txt", "test.txt"),
        expected="1,561,406 pairs, 31,668 users, 38,048 items (train + test)",
    ),
    # MovieLens 1M: "UserID::MovieID::Rating::Timestamp" and
    # "MovieID::Title::Genres" (latin-1). Positives: rating >= min_rating.
    # Not mirrored here and no digest is known, so nothing is pinned.
    "ml-1m": SourceSpec(
        name="ml-1m",
        url="https://files.grouplens.org/datasets/movielens/ml-1m.zip",
        files=("ml-1m.zip",),
        members=("ml-1m/ratings.dat", "ml-1m/movies.dat"),
        expected="1,000,209 ratings, 6,040 users, 3,706 movies (before binarising)",
    ),
}


@dataclass(frozen=True)
class RawData:
    """Interactions as loaded, before k-core filtering.

    Attributes:
        interactions: ``user_id``, ``item_id`` (original ids, ``int64`` or
            pandas string dtype, never float), plus ``rating`` (``float64``)
            and ``timestamp`` (``int64``) where the source has them. One row
            per distinct pair, sorted by ``(user_id, item_id)``.
        item_names: ``item_id``, ``item_name`` (string), or ``None``.
        files: Per file name (the name in the cache): ``path``, ``source``
            (``cache``, ``mirror``, ``network``, ``local`` or ``extracted``),
            ``origin``, ``size``, ``sha256``, and ``url`` (the upstream URL)
            for files fetched through the cache.
    """

    interactions: pd.DataFrame
    item_names: pd.DataFrame | None
    files: dict[str, dict[str, object]]


def load_raw_interactions(config: DataConfig) -> RawData:
    """Fetch, parse and clean the configured dataset.

    Steps: fetch files, parse, apply ``min_rating`` (ML-1M, custom), collapse
    duplicate pairs (earliest timestamp, highest rating kept). The shape is
    logged after parsing and after cleaning.

    Args:
        config: The resolved data configuration.

    Returns:
        The interactions, item names (where the source has them) and a record
        of every file used.

    Raises:
        DownloadError: If a file cannot be found or downloaded.
        ChecksumError: If a file or archive member fails its pinned digest.
        DataError: If a file is malformed. For a custom file given by URL the
            message also names the URL; a copy fetched in this run is removed
            from the cache (so the next run fetches it again), while one that
            was already cached is kept until deleted.
        ConfigError: If a custom path does not exist, or ``data.raw_dir``
            cannot hold the cache.
    """
    loaders = {
        "lastfm": _load_lastfm,
        "gowalla": _load_adjacency,
        "yelp2018": _load_adjacency,
        "ml-1m": _load_ml1m,
        "custom": _load_custom,
    }
    files: dict[str, dict[str, object]] = {}
    raw, names = loaders[config.dataset](config, files)
    log_describe(raw, f"{config.dataset} raw")
    setting = f"data.sources.{config.dataset}.min_rating"
    clean = collapse_duplicates(
        binarize(raw, config.source.min_rating, setting), origin=config.dataset
    )
    log_describe(clean, f"{config.dataset} after binarising and duplicates")
    return RawData(interactions=clean, item_names=names, files=files)


def _pins(config: DataConfig, name: str, builtin: tuple[str, ...]) -> tuple[str, ...]:
    """Built-in digests widened by trusted ones (nothing when none are built in)."""
    if not builtin:
        return ()
    return tuple(builtin) + config.trusted_digests(name)


def _fetch(
    config: DataConfig,
    name: str,
    url: str | None,
    pins: tuple[str, ...],
    files: dict[str, dict[str, object]],
) -> FetchedFile:
    """fetch_file_info with the config's settings; record the result."""
    fetched = fetch_file_info(
        name,
        url,
        config.dataset,
        config.raw_dir,
        config.mirror,
        pinned_sha256=pins,
        allow_network=config.allow_network,
        retries=config.download.retries,
        timeout_s=config.download.timeout_s,
        backoff_s=config.download.backoff_s,
    )
    record = fetched.as_record()
    if url is not None:
        record["url"] = url
    files[name] = record
    return fetched


def _fetch_spec_files(
    config: DataConfig, spec: SourceSpec, files: dict[str, dict[str, object]]
) -> dict[str, FetchedFile]:
    """Fetch every file of a public source."""
    base = config.source.url or spec.url
    fetched: dict[str, FetchedFile] = {}
    for name in spec.files:
        if spec.members:
            url = base
        else:
            url = base if base.endswith("/") else base + "/"
            url += name
        pins = _pins(config, name, spec.pinned_sha256.get(name, ()))
        fetched[name] = _fetch(config, name, url, pins, files)
    return fetched


def _extract_checked(
    config: DataConfig,
    spec: SourceSpec,
    archive: FetchedFile,
    files: dict[str, dict[str, object]],
) -> dict[str, Path]:
    """Extract the spec's members next to the archive and check their pins."""
    target = archive.path.parent / PurePosixPath(archive.path.name).stem
    paths = extract_members(archive.path, list(spec.members), target)
    for member, path in paths.items():
        base = PurePosixPath(member).name
        digest = sha256_of(path)
        files[base] = {
            "path": str(path),
            "source": "extracted",
            "origin": f"{archive.path} ({archive.source})",
            "size": path.stat().st_size,
            "sha256": digest,
        }
        pins = _pins(config, base, spec.pinned_sha256.get(base, ()))
        if pins and digest not in pins:
            path.unlink(missing_ok=True)
            raise ChecksumError(
                f"sha256 mismatch for member {base!r} of {archive.path} (the archive "
                f"came from {archive.source} {archive.origin}): expected one of "
                f"{', '.join(pins)}, got {digest}. If the archive is damaged or "
                f"stale, delete {archive.path} so it is fetched again; if you trust "
                f"this version, add '{base}: {digest}' under data.trusted_sha256."
            )
        logger.info("%s: extracted from %s (sha256 %s)", path, archive.path, digest)
    return paths


def _load_lastfm(
    config: DataConfig, files: dict[str, dict[str, object]]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Last.fm: every user-artist pair is a positive; names from artists.dat."""
    return _load_zip_with_names(
        config,
        files,
        ("user_artists.dat", parsers.parse_lastfm_user_artists),
        ("artists.dat", parsers.parse_lastfm_artists),
    )


def _load_adjacency(
    config: DataConfig, files: dict[str, dict[str, object]]
) -> tuple[pd.DataFrame, None]:
    """Gowalla / Yelp2018: train.txt and test.txt merged."""
    spec = SOURCES[config.dataset]
    fetched = _fetch_spec_files(config, spec, files)
    parts = [parsers.parse_adjacency(fetched[name].path) for name in spec.files]
    return pd.concat(parts, ignore_index=True), None


def _load_ml1m(
    config: DataConfig, files: dict[str, dict[str, object]]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """MovieLens 1M: ratings (binarised later) and titles."""
    return _load_zip_with_names(
        config,
        files,
        ("ml-1m/ratings.dat", parsers.parse_ml1m_ratings),
        ("ml-1m/movies.dat", parsers.parse_ml1m_movies),
    )


def _load_zip_with_names(
    config: DataConfig,
    files: dict[str, dict[str, object]],
    pairs: tuple[str, Callable[[Path], pd.DataFrame]],
    names: tuple[str, Callable[[Path], pd.DataFrame]],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A zipped source: fetch, extract, parse the pairs and the item names.

    Args:
        config: The data configuration (its dataset names the source).
        files: The record of files used, extended here.
        pairs: Archive member of the interactions and its parser.
        names: Archive member of the item names and its parser.
    """
    spec = SOURCES[config.dataset]
    archive = _fetch_spec_files(config, spec, files)[spec.files[0]]
    paths = _extract_checked(config, spec, archive, files)
    (pairs_member, parse_pairs), (names_member, parse_names) = pairs, names
    interactions = parse_pairs(paths[pairs_member])
    item_names = parsers.unique_item_names(
        parse_names(paths[names_member]), str(paths[names_member])
    )
    _warn_unnamed(
        interactions, item_names, str(paths[pairs_member]), str(paths[names_member])
    )
    return interactions, item_names


def url_cache_name(url: str) -> str:
    """The cache file name of a custom file downloaded from ``url``.

    ``<first 12 hex digits of sha256(url)>-<file name>``: different URLs never
    share a cache file (``.../v1/data.csv`` and ``.../v2/data.csv`` differ),
    while the same URL always finds its earlier download.

    Args:
        url: The http(s) URL, exactly as configured.

    Returns:
        The file name inside ``<raw_dir>/custom/``.

    Raises:
        ConfigError: If the URL does not end in a usable file name.
    """
    name = url_file_name(url)
    if name is None:
        raise ConfigError(
            f"URL {url!r} does not end in a usable file name; give the URL of the "
            "file itself"
        )
    prefix = hashlib.sha256(url.encode("utf-8")).hexdigest()[:12]
    return f"{prefix}-{name}"


def _custom_file(
    config: DataConfig,
    location: str,
    pinned: str | None,
    files: dict[str, dict[str, object]],
    key: str,
) -> tuple[Path, str]:
    """A custom file: downloaded through the cache when a URL, else local.

    Returns the path and where it came from (``cache``, ``mirror``,
    ``network`` or ``local``).
    """
    if is_url(location):
        cache_name = url_cache_name(location)
        pins: tuple[str, ...] = ()
        if pinned:
            # trusted digests may be listed under the URL's file name or the
            # cache name
            trusted = config.trusted_digests(str(url_file_name(location)))
            pins = (pinned, *trusted, *config.trusted_digests(cache_name))
        fetched = _fetch(config, cache_name, location, pins, files)
        return fetched.path, fetched.source
    path = Path(location).expanduser()
    if not path.is_file():
        raise ConfigError(
            f"data.sources.custom.{key} is {location!r}, which is not a file "
            f"(resolved to {path.resolve()}); give an existing local path or an "
            "http(s) URL"
        )
    pins = (pinned, *config.trusted_digests(path.name)) if pinned else ()
    digest = sha256_of(path)
    files[path.name] = {
        "path": str(path),
        "source": "local",
        "origin": str(path),
        "size": path.stat().st_size,
        "sha256": digest,
    }
    logger.info(
        "%s: local file (%d bytes, sha256 %s)", path, path.stat().st_size, digest
    )
    if pins and digest not in pins:
        raise ChecksumError(
            f"sha256 mismatch for {path} (from local path): expected one of "
            f"{', '.join(pins)}, got {digest}. Check the file, or update "
            f"data.sources.custom.sha256 (or add '{path.name}: {digest}' under "
            "data.trusted_sha256) if this version is right."
        )
    return path, "local"


@contextmanager
def _cached_download_hint(location: str, path: Path, source: str) -> Iterator[None]:
    """Add the URL and the cache's state to a DataError raised while parsing.

    A file fetched in this run (from the network or the mirror) that cannot be
    parsed is removed from the cache, so the next run fetches it again; a file
    that was already cached is kept and the message says how to refresh it.
    Local files are left alone.
    """
    if not is_url(location):
        yield
        return
    try:
        yield
    except DataError as exc:
        if source == "cache":
            fate = (
                f"the cached copy at {path} is reused until deleted (delete it to "
                "fetch it again)"
            )
        else:
            path.unlink(missing_ok=True)
            fate = (
                f"the copy fetched in this run (from {source}) was removed from "
                f"{path}, so the next run fetches it again"
            )
        raise DataError(
            f"{exc} [the file was downloaded from {location}; {fate}; check that "
            "the URL serves the file itself, not e.g. a login or error page]"
        ) from exc


def _named(
    interactions: pd.DataFrame, names: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """The distinct item ids of ``interactions`` and which of them have a name."""
    items = pd.unique(interactions["item_id"])
    return items, pd.Series(items).isin(names["item_id"]).to_numpy(dtype=bool)


def _warn_unnamed(
    interactions: pd.DataFrame,
    names: pd.DataFrame,
    interactions_where: str,
    names_where: str,
) -> None:
    """WARNING counting (with an example) the items that have no name."""
    items, named = _named(interactions, names)
    unnamed = int((~named).sum())
    if unnamed:
        first = int(np.flatnonzero(~named)[0])
        example = items[first : first + 1].tolist()[0]
        logger.warning(
            "%s: %d of %d item(s) of %s have no name, e.g. %r (item_name stays "
            "missing; empty or blank names count as missing)",
            names_where,
            unnamed,
            len(items),
            interactions_where,
            example,
        )


def _check_item_names(
    interactions: pd.DataFrame,
    names: pd.DataFrame,
    interactions_where: str,
    names_where: str,
) -> None:
    """DataError when no item has a name; WARNING when only some have one."""
    items, named = _named(interactions, names)
    if len(items) and not named.any():
        shown_names = ", ".join(repr(v) for v in names["item_id"].head(3).tolist())
        shown_items = ", ".join(repr(v) for v in items[:3].tolist())
        raise DataError(
            f"{names_where} matches none of the {len(items)} item id(s) of "
            f"{interactions_where}: e.g. names have {shown_names or '(no rows)'}, "
            f"interactions have {shown_items}. Check "
            "data.sources.custom.item_names.id_column and that both files use the "
            "same item ids"
        )
    _warn_unnamed(interactions, names, interactions_where, names_where)


def _load_custom(
    config: DataConfig, files: dict[str, dict[str, object]]
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """A user's CSV or Parquet file, with optional item names."""
    source = config.source
    location = source.path
    if location is None:
        raise ConfigError("data.sources.custom.path is required for dataset 'custom'")
    fmt = source.format if source.format != "auto" else parsers.detect_format(location)
    path, origin = _custom_file(config, location, source.sha256, files, "path")
    with _cached_download_hint(location, path, origin):
        interactions = parsers.read_custom_interactions(
            path,
            fmt=fmt,
            sep=source.sep,
            columns=source.columns,
            id_type=source.id_type,
        )
    names = None
    names_location = source.item_names.path
    if names_location is not None:
        names_path, names_origin = _custom_file(
            config, names_location, None, files, "item_names.path"
        )
        with _cached_download_hint(names_location, names_path, names_origin):
            names = parsers.read_item_names(
                names_path,
                id_column=source.item_names.id_column,
                name_column=source.item_names.name_column,
                sep=source.item_names.sep,
                id_dtype=interactions["item_id"].dtype,
            )
        _check_item_names(
            interactions,
            names,
            f"{path} (column {source.columns.item!r})",
            f"Item-name file {names_path} (column {source.item_names.id_column!r})",
        )
    return interactions, names
