"""Find raw files offline first, download them safely otherwise.

A file is looked up in three places, in order:

1. the cache, ``<raw_dir>/<dataset>/<name>`` (used as is);
2. the mirror, ``<mirror>/<dataset>/<name>`` (copied into the cache);
3. the network (downloaded into the cache).

Every write is atomic: bytes go to a temporary file in the cache folder which
is renamed into place only when complete and, where digests are pinned,
verified. A temporary file is removed on any failure, including
``KeyboardInterrupt``. Files that land get the mode of a normal file write
(``0o666`` less the process umask).
"""

from __future__ import annotations

import hashlib
import http.client
import logging
import os
import shutil
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import BinaryIO

from tqdm.auto import tqdm

from icmt_pipeline.data.config import check_not_a_file
from icmt_pipeline.errors import ChecksumError, ConfigError, DataError, DownloadError

logger = logging.getLogger(__name__)

_CHUNK = 1 << 20
_USER_AGENT = "icmt-pipeline/0.1 (+python urllib)"
_SYMLINK_MODE = 0o120000
_FILE_TYPE_MASK = 0o170000
_IGNORED_MEMBER_PREFIXES = ("__MACOSX/",)


@dataclass(frozen=True)
class FetchedFile:
    """A raw file that is now in the cache.

    Attributes:
        path: Where it is (inside ``<raw_dir>/<dataset>/``).
        source: ``"cache"``, ``"mirror"`` or ``"network"``.
        origin: The path or URL it came from.
        size: Size in bytes.
        sha256: Hex digest.
    """

    path: Path
    source: str
    origin: str
    size: int
    sha256: str

    def as_record(self) -> dict[str, object]:
        """A JSON-able summary (path, source, origin, size, sha256)."""
        return {
            "path": str(self.path),
            "source": self.source,
            "origin": self.origin,
            "size": self.size,
            "sha256": self.sha256,
        }


class _RetryableError(Exception):
    """One download attempt failed in a way worth retrying."""


def sha256_of(path: Path | str) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks.

    Args:
        path: The file.

    Returns:
        The 64-digit lower-case hex digest.
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fetch_file_info(
    name: str,
    url: str | None,
    dataset: str,
    raw_dir: Path,
    mirror: Path | None,
    *,
    pinned_sha256: tuple[str, ...] = (),
    allow_network: bool = True,
    retries: int = 3,
    timeout_s: float = 60,
    backoff_s: float = 1.0,
) -> FetchedFile:
    """Find ``name`` in the cache, else the mirror, else download it.

    Downloads show a progress bar (total from ``Content-Length``) and are
    retried ``retries`` times (``1 + retries`` attempts in all), waiting
    ``backoff_s * 2**(r-1)`` seconds before retry ``r``, on connection errors,
    timeouts, HTTP 5xx and truncated bodies (fewer bytes than
    ``Content-Length``, or a chunked body cut off before its end). HTTP 4xx
    fails at once. A body sent with neither ``Content-Length`` nor chunked
    framing ends when the server closes the connection, so a cut-off transfer
    cannot be told from a complete one: when no digest is pinned this is
    logged as a WARNING.

    When ``pinned_sha256`` is not empty the file's digest must be one of them.
    A downloaded or mirrored file that fails never lands in the cache; a cached
    file that fails is refused but left where it is.

    Args:
        name: File name (no folders), e.g. ``"train.txt"``.
        url: Upstream URL, or ``None`` when there is none.
        dataset: Sub-folder of the cache and mirror, e.g. ``"gowalla"``.
        raw_dir: Cache root.
        mirror: Mirror root, or ``None``.
        pinned_sha256: Accepted digests (empty = accept any).
        allow_network: Whether a download may be tried.
        retries: Extra attempts after the first one.
        timeout_s: Socket timeout of one attempt.
        backoff_s: Base of the exponential wait between attempts.

    Returns:
        Where the file is and where it came from.

    Raises:
        ChecksumError: If the digest is not among ``pinned_sha256``.
        DownloadError: If the file is nowhere to be found.
        ConfigError: If ``raw_dir`` is a file, or the cache folder cannot be
            created or written (naming ``data.raw_dir``).
    """
    if not name or PurePosixPath(name).name != name or "\\" in name:
        raise ValueError(f"File name must be a bare name without folders, got {name!r}")
    if retries < 0:
        raise ValueError(f"retries must be >= 0, got {retries}")
    pins = tuple(d.lower() for d in pinned_sha256)
    raw_dir = Path(raw_dir)
    check_not_a_file(raw_dir, "data.raw_dir", "it is created if missing")
    cache_dir = raw_dir / dataset
    cache_path = cache_dir / name

    if cache_path.is_file():
        fetched = _describe(cache_path, "cache", str(cache_path))
        _verify(fetched, pins)
        return _log_fetched(fetched)

    places = [f"cache: {cache_path} (absent)"]
    if mirror is not None:
        mirror_path = Path(mirror) / dataset / name
        if mirror_path.is_file():
            make_cache_dir(cache_dir)
            fetched = _atomic_write(
                cache_path,
                lambda handle: _copy_into(mirror_path, handle),
                source="mirror",
                origin=str(mirror_path),
                pins=pins,
            )
            return _log_fetched(fetched)
        places.append(f"mirror: {mirror_path} (absent)")
    else:
        places.append("mirror: no mirror set (set ICMT_DATA_MIRROR or data.mirror)")

    if url is None:
        places.append("network: no upstream URL is known for this file")
    elif not allow_network:
        places.append(f"network: {url} (not tried: data.allow_network is false)")
    else:
        make_cache_dir(cache_dir)
        try:
            fetched = _download(
                cache_path, url, pins, retries, timeout_s, backoff_s, name
            )
        except DownloadError as exc:
            places.append(f"network: {url} ({exc})")
        else:
            return _log_fetched(fetched)

    listing = "\n  ".join(places)
    raise DownloadError(
        f"Could not find {name!r} for dataset {dataset!r}. Looked in:\n  {listing}\n"
        f"To fix: put the file at {cache_path}, or point data.mirror (or the "
        f"ICMT_DATA_MIRROR environment variable) at a folder holding "
        f"<dataset>/{name}, or allow the network (data.allow_network: true) "
        f"and check that the URL is reachable."
    )


def make_cache_dir(folder: Path) -> None:
    """Create a cache folder and its parents.

    Args:
        folder: A folder inside ``data.raw_dir``.

    Raises:
        ConfigError: Naming ``data.raw_dir`` when the folder cannot be created
            (a file is in the way, no permission).
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _cache_dir_error(folder, exc) from exc


def _cache_dir_error(folder: Path, exc: BaseException) -> ConfigError:
    """The ConfigError for a cache folder that cannot take files."""
    reason = getattr(exc, "strerror", None) or str(exc)
    return ConfigError(
        f"data.raw_dir: cannot write the cache folder {folder} "
        f"({type(exc).__name__}: {reason}); point data.raw_dir at a writable "
        "folder, or fix the permissions"
    )


def _describe(path: Path, source: str, origin: str) -> FetchedFile:
    """Size and digest of a file."""
    return FetchedFile(
        path=path,
        source=source,
        origin=origin,
        size=path.stat().st_size,
        sha256=sha256_of(path),
    )


def _log_fetched(fetched: FetchedFile) -> FetchedFile:
    """Log where a file came from, its size and digest; return it."""
    logger.info(
        "%s: from %s %s (%d bytes, sha256 %s)",
        fetched.path,
        fetched.source,
        fetched.origin,
        fetched.size,
        fetched.sha256,
    )
    return fetched


def checksum_message(
    path: Path | str, source: str, expected: Iterable[str], actual: str, name: str
) -> str:
    """The text of a ChecksumError: what, where from, expected, actual, how to fix."""
    return (
        f"sha256 mismatch for {path} (from {source}): expected one of "
        f"{', '.join(expected)}, got {actual}. If the file is damaged or stale, "
        f"delete it so it is fetched again; if you trust this version, add "
        f"'{name}: {actual}' under data.trusted_sha256."
    )


def _verify(fetched: FetchedFile, pins: tuple[str, ...]) -> None:
    """Raise ChecksumError if pins are set and the digest is not among them."""
    if pins and fetched.sha256 not in pins:
        raise ChecksumError(
            checksum_message(
                fetched.origin, fetched.source, pins, fetched.sha256, fetched.path.name
            )
        )


def _copy_into(source: Path, handle: BinaryIO) -> None:
    """Copy a file's bytes into an open handle."""
    with open(source, "rb") as src:
        shutil.copyfileobj(src, handle, _CHUNK)


def _atomic_write(
    target: Path,
    write: Callable[[BinaryIO], None],
    *,
    source: str,
    origin: str,
    pins: tuple[str, ...],
) -> FetchedFile:
    """Write via a temp file in ``target``'s folder, verify, then rename."""
    try:
        fd, tmp_name = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".part"
        )
    except OSError as exc:
        raise _cache_dir_error(target.parent, exc) from exc
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        fetched = _describe(tmp, source, origin)
        _verify(fetched, pins)
        # mkstemp creates 0o600; give the file the mode a plain open() would.
        os.chmod(tmp, 0o666 & ~_current_umask())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return FetchedFile(target, source, origin, fetched.size, fetched.sha256)


def _current_umask() -> int:
    """The process umask (read from /proc where possible, else set and reset)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _download(
    target: Path,
    url: str,
    pins: tuple[str, ...],
    retries: int,
    timeout_s: float,
    backoff_s: float,
    name: str,
) -> FetchedFile:
    """Download ``url`` into ``target`` with retries; DownloadError on failure."""
    attempts = retries + 1
    last_error = "no attempt made"
    for attempt in range(1, attempts + 1):
        if attempt > 1:
            wait = backoff_s * 2 ** (attempt - 2)
            logger.warning(
                "Download of %s failed (%s); retry %d of %d in %.1f s",
                url,
                last_error,
                attempt - 1,
                retries,
                wait,
            )
            time.sleep(wait)
        try:
            return _atomic_write(
                target,
                lambda handle: _stream(url, handle, timeout_s, name, bool(pins)),
                source="network",
                origin=url,
                pins=pins,
            )
        except _RetryableError as exc:
            last_error = str(exc)
    raise DownloadError(f"failed after {attempts} attempt(s); last error: {last_error}")


def _stream(
    url: str, handle: BinaryIO, timeout_s: float, name: str, pinned: bool
) -> None:
    """One attempt: GET ``url`` into ``handle`` with a progress bar.

    ``pinned`` says whether a digest will check the bytes; when it will not and
    the body has no length to check (no ``Content-Length``, not chunked), a
    WARNING says so.
    """
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    try:
        response = urllib.request.urlopen(request, timeout=timeout_s)
    except urllib.error.HTTPError as exc:
        exc.close()
        if 500 <= exc.code < 600:
            raise _RetryableError(f"HTTP {exc.code} {exc.reason}") from exc
        raise DownloadError(f"HTTP {exc.code} {exc.reason} (not retried)") from exc
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", exc)
        raise _RetryableError(f"connection error: {reason}") from exc
    except ValueError as exc:
        raise DownloadError(f"invalid URL {url!r}: {exc}") from exc
    with response:
        length_header = response.headers.get("Content-Length")
        total = (
            int(length_header) if length_header and length_header.isdigit() else None
        )
        chunked = bool(getattr(response, "chunked", False))
        received = 0
        with tqdm(
            total=total,
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            desc=name,
            mininterval=0.5,
            leave=True,
        ) as progress:
            while True:
                try:
                    chunk = response.read(_CHUNK)
                except http.client.IncompleteRead as exc:
                    got = received + len(exc.partial)
                    raise _RetryableError(
                        f"truncated body: got {got} of {total} bytes"
                        if total is not None
                        else f"truncated body: the connection closed after {got} "
                        "bytes, before the end of the chunked body"
                    ) from exc
                except (OSError, http.client.HTTPException) as exc:
                    raise _RetryableError(
                        f"connection lost after {received} bytes: {exc}"
                    ) from exc
                if not chunk:
                    break
                # Local write errors (disk full) propagate: retrying cannot help.
                handle.write(chunk)
                received += len(chunk)
                progress.update(len(chunk))
    if total is not None and received < total:
        raise _RetryableError(f"truncated body: got {received} of {total} bytes")
    if total is None and not chunked:
        log = logger.debug if pinned else logger.warning
        log(
            "%s: the server sent no Content-Length, so the size of the download "
            "(%d bytes) could not be checked and a cut-off transfer would go "
            "unnoticed; pinning the file's sha256 (for a custom file: "
            "data.sources.custom.sha256) guards against a truncated or changed file",
            url,
            received,
        )


def extract_members(
    archive: Path, members: list[str], target_dir: Path
) -> dict[str, Path]:
    """Safely extract ``members`` of a zip into ``target_dir``.

    The whole archive is refused if any entry has an absolute name, a ``..``
    that escapes the target, or is a symbolic link. Members are matched by
    base name, so ``"ratings.dat"`` and ``"ml-1m/ratings.dat"`` both find
    ``ml-1m/ratings.dat`` (a full path wins when several entries share a base
    name; ``__MACOSX/`` entries are ignored). Each member is written to
    ``target_dir / <base name>``; members are extracted into a temporary
    folder first and moved into place only when all are complete.

    Args:
        archive: The zip file.
        members: Wanted member names (base names or paths inside the zip).
        target_dir: Destination folder (created if needed).

    Returns:
        ``{member as requested: extracted path}``.

    Raises:
        DataError: On an unsafe entry, a corrupt or non-zip file, or a missing
            member.
        ConfigError: If ``target_dir`` cannot be created or written (it lies
            in ``data.raw_dir``).
    """
    archive = Path(archive)
    target_dir = Path(target_dir)
    try:
        with zipfile.ZipFile(archive) as zf:
            infos = zf.infolist()
            _check_entries(archive, infos)
            chosen = {m: _match_member(archive, infos, m) for m in members}
            make_cache_dir(target_dir)
            try:
                staging = Path(tempfile.mkdtemp(dir=target_dir, prefix=".extract-"))
            except OSError as exc:
                raise _cache_dir_error(target_dir, exc) from exc
            try:
                staged: dict[str, Path] = {}
                for member, info in chosen.items():
                    out = staging / PurePosixPath(info.filename).name
                    with zf.open(info) as src, open(out, "wb") as dst:
                        shutil.copyfileobj(src, dst, _CHUNK)
                    staged[member] = out
                result: dict[str, Path] = {}
                for member, out in staged.items():
                    final = target_dir / out.name
                    os.replace(out, final)
                    result[member] = final
            finally:
                shutil.rmtree(staging, ignore_errors=True)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise DataError(
            f"{archive} is not a readable zip archive ({exc}); delete it so that "
            "it is fetched again"
        ) from exc
    for member, path in result.items():
        logger.debug("Extracted %s from %s to %s", member, archive, path)
    return result


def _check_entries(archive: Path, infos: list[zipfile.ZipInfo]) -> None:
    """Refuse absolute names, escaping ``..`` and symlinks in any entry."""
    for info in infos:
        name = info.filename
        windows = PureWindowsPath(name)
        if name.startswith(("/", "\\")) or windows.drive or windows.root:
            raise DataError(f"Refusing {archive}: member {name!r} has an absolute path")
        depth = 0
        for part in name.replace("\\", "/").split("/"):
            if part == "..":
                depth -= 1
                if depth < 0:
                    raise DataError(
                        f"Refusing {archive}: member {name!r} escapes the "
                        "target folder with '..'"
                    )
            elif part not in ("", "."):
                depth += 1
        if (info.external_attr >> 16) & _FILE_TYPE_MASK == _SYMLINK_MODE:
            raise DataError(f"Refusing {archive}: member {name!r} is a symbolic link")


def _match_member(
    archive: Path, infos: list[zipfile.ZipInfo], member: str
) -> zipfile.ZipInfo:
    """The entry whose path or base name is ``member``'s."""
    files = [
        i
        for i in infos
        if not i.is_dir() and not i.filename.startswith(_IGNORED_MEMBER_PREFIXES)
    ]
    exact = [i for i in files if i.filename == member]
    base = PurePosixPath(member).name
    same = exact or [i for i in files if PurePosixPath(i.filename).name == base]
    if same and all(i.filename == same[0].filename for i in same):
        if len(same) > 1:
            raise DataError(
                f"Refusing {archive}: it holds {len(same)} entries named "
                f"{same[0].filename!r} (wanted member {member!r}), so which one is "
                "meant is ambiguous; delete the archive so it is fetched again, or "
                "rebuild it with one entry per name"
            )
        return same[0]
    present = ", ".join(i.filename for i in files) or "(no files)"
    if not same:
        raise DataError(
            f"{archive} has no member {member!r}; members present: {present}"
        )
    raise DataError(
        f"{archive} has several members named {base!r} "
        f"({', '.join(i.filename for i in same)}); ask for one by its full path"
    )
