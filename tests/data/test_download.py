"""fetch_file: cache, mirror, network (local 127.0.0.1 server), checksums."""

from __future__ import annotations

import hashlib
import logging
import os
import stat
from pathlib import Path

import pytest
from stub_http_server import LocalServer, Reply

from icmt_pipeline.data.download import fetch_file_info, sha256_of
from icmt_pipeline.errors import ChecksumError, ConfigError, DownloadError

BODY = b"0 1 2 3\n1 2 3\n" * 5000  # 70,000 bytes: more than one tqdm refresh
BODY_SHA = hashlib.sha256(BODY).hexdigest()
OTHER_SHA = "0" * 64


def _fetch(
    tmp_path: Path,
    url: str | None,
    *,
    mirror: Path | None = None,
    pinned_sha256: tuple[str, ...] = (),
    allow_network: bool = True,
    retries: int = 2,
) -> Path:
    """fetch_file_info of 'train.txt' for dataset 'toy', no backoff between tries."""
    return fetch_file_info(
        "train.txt",
        url,
        "toy",
        tmp_path / "raw",
        mirror,
        pinned_sha256=pinned_sha256,
        allow_network=allow_network,
        retries=retries,
        timeout_s=5,
        backoff_s=0.0,
    ).path


def _cache_listing(tmp_path: Path) -> list[str]:
    """Every entry of the cache folder (temp files included)."""
    folder = tmp_path / "raw" / "toy"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_sha256_of_matches_hashlib(tmp_path: Path) -> None:
    path = tmp_path / "f.bin"
    path.write_bytes(b"abc")
    # sha256("abc") is the FIPS 180-2 test vector
    assert sha256_of(path) == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )


def test_fetch_file_downloads_with_progress(
    tmp_path: Path,
    http_server: LocalServer,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = http_server.add("/toy/train.txt", Reply(200, BODY))
    with caplog.at_level(logging.INFO, logger="icmt_pipeline.data.download"):
        path = _fetch(tmp_path, url, pinned_sha256=(BODY_SHA,))
    assert path == tmp_path / "raw" / "toy" / "train.txt"
    assert path.read_bytes() == BODY
    assert _cache_listing(tmp_path) == ["train.txt"]
    # tqdm writes to stderr: a bar for the file that reached 100%
    err = capsys.readouterr().err
    assert "train.txt" in err and "100%" in err
    assert f"from network {url} (70000 bytes, sha256 {BODY_SHA})" in caplog.text


def test_fetch_file_info_records_source(
    tmp_path: Path, http_server: LocalServer
) -> None:
    url = http_server.add("/t", Reply(200, BODY))
    info = fetch_file_info(
        "train.txt", url, "toy", tmp_path / "raw", None, retries=0, backoff_s=0
    )
    assert (info.source, info.origin, info.size, info.sha256) == (
        "network",
        url,
        len(BODY),
        BODY_SHA,
    )
    assert info.as_record()["source"] == "network"


def test_fetch_file_retries_after_500(tmp_path: Path, http_server: LocalServer) -> None:
    url = http_server.add("/t", Reply(500, b"oops"), Reply(200, BODY))
    path = _fetch(tmp_path, url)
    assert path.read_bytes() == BODY
    # one failed attempt, one good one
    assert http_server.hits["/t"] == 2


def test_fetch_file_always_500_fails_after_all_tries(
    tmp_path: Path, http_server: LocalServer
) -> None:
    url = http_server.add("/t", Reply(503, b"busy"))
    with pytest.raises(DownloadError, match=r"failed after 3 attempt\(s\).*HTTP 503"):
        _fetch(tmp_path, url, retries=2)
    # retries=2 means 1 + 2 = 3 requests
    assert http_server.hits["/t"] == 3
    assert _cache_listing(tmp_path) == []


def test_fetch_file_truncated_body_retried_then_fails(
    tmp_path: Path, http_server: LocalServer
) -> None:
    # the header promises 10 more bytes than are sent, every time
    url = http_server.add("/t", Reply(200, BODY, content_length=len(BODY) + 10))
    with pytest.raises(DownloadError, match=r"truncated body: got 70000 of 70010"):
        _fetch(tmp_path, url, retries=1)
    assert http_server.hits["/t"] == 2
    assert _cache_listing(tmp_path) == []


def test_fetch_file_truncated_then_complete(
    tmp_path: Path, http_server: LocalServer
) -> None:
    url = http_server.add(
        "/t", Reply(200, BODY[:100], content_length=len(BODY)), Reply(200, BODY)
    )
    assert _fetch(tmp_path, url).read_bytes() == BODY
    assert http_server.hits["/t"] == 2


def test_fetch_file_404_fails_at_once(tmp_path: Path, http_server: LocalServer) -> None:
    url = http_server.add("/t", Reply(404, b"nope"))
    with pytest.raises(DownloadError, match=r"HTTP 404 .*not retried"):
        _fetch(tmp_path, url, retries=3)
    assert http_server.hits["/t"] == 1
    assert _cache_listing(tmp_path) == []


def test_fetch_file_connection_refused_lists_places(
    tmp_path: Path, http_server: LocalServer
) -> None:
    # a port nobody listens on: bind the server's port, then stop the server
    url = http_server.url("/t")
    http_server.stop()
    with pytest.raises(DownloadError, match=r"connection error") as info:
        _fetch(tmp_path, url, retries=1)
    assert str(tmp_path / "raw" / "toy" / "train.txt") in str(info.value)
    assert _cache_listing(tmp_path) == []


def test_fetch_file_cache_hit_skips_network(
    tmp_path: Path, http_server: LocalServer, caplog: pytest.LogCaptureFixture
) -> None:
    url = http_server.add("/t", Reply(200, b"network bytes"))
    cached = tmp_path / "raw" / "toy" / "train.txt"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"cached bytes")
    with caplog.at_level(logging.INFO):
        path = _fetch(tmp_path, url)
    assert path.read_bytes() == b"cached bytes"
    assert http_server.hits["/t"] == 0
    assert "from cache" in caplog.text


def test_fetch_file_mirror_hit_copied_into_cache(tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    (mirror / "toy").mkdir(parents=True)
    (mirror / "toy" / "train.txt").write_bytes(BODY)
    path = _fetch(tmp_path, None, mirror=mirror, pinned_sha256=(BODY_SHA,))
    assert path == tmp_path / "raw" / "toy" / "train.txt"
    assert path.read_bytes() == BODY
    assert _cache_listing(tmp_path) == ["train.txt"]
    # the mirror keeps its file
    assert (mirror / "toy" / "train.txt").exists()


def test_fetch_file_checksum_mismatch_in_cache_refused_not_deleted(
    tmp_path: Path,
) -> None:
    cached = tmp_path / "raw" / "toy" / "train.txt"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(BODY)
    with pytest.raises(ChecksumError, match=r"from cache.*expected one of 0000") as err:
        _fetch(tmp_path, None, pinned_sha256=(OTHER_SHA,))
    message = str(err.value)
    assert str(cached) in message and BODY_SHA in message
    assert "delete it" in message and "data.trusted_sha256" in message
    assert cached.read_bytes() == BODY


def test_fetch_file_checksum_mismatch_from_mirror_never_cached(tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    (mirror / "toy").mkdir(parents=True)
    (mirror / "toy" / "train.txt").write_bytes(BODY)
    with pytest.raises(ChecksumError, match=r"from mirror") as err:
        _fetch(tmp_path, None, mirror=mirror, pinned_sha256=(OTHER_SHA,))
    assert str(mirror / "toy" / "train.txt") in str(err.value)
    assert _cache_listing(tmp_path) == []
    assert (mirror / "toy" / "train.txt").read_bytes() == BODY


def test_fetch_file_checksum_mismatch_from_network_never_lands(
    tmp_path: Path, http_server: LocalServer
) -> None:
    url = http_server.add("/t", Reply(200, BODY))
    with pytest.raises(ChecksumError, match=rf"from network.*got {BODY_SHA}"):
        _fetch(tmp_path, url, pinned_sha256=(OTHER_SHA,))
    assert _cache_listing(tmp_path) == []
    # a bad digest is not a transient error: no retry
    assert http_server.hits["/t"] == 1


def test_fetch_file_any_pinned_digest_accepted(tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    (mirror / "toy").mkdir(parents=True)
    (mirror / "toy" / "train.txt").write_bytes(BODY)
    path = _fetch(tmp_path, None, mirror=mirror, pinned_sha256=(OTHER_SHA, BODY_SHA))
    assert sha256_of(path) == BODY_SHA


def test_fetch_file_nowhere_network_off_lists_places(tmp_path: Path) -> None:
    url = "http://127.0.0.1:9/toy/train.txt"
    with pytest.raises(DownloadError) as err:
        _fetch(tmp_path, url, allow_network=False)
    message = str(err.value)
    assert f"cache: {tmp_path / 'raw' / 'toy' / 'train.txt'} (absent)" in message
    assert "no mirror set (set ICMT_DATA_MIRROR or data.mirror)" in message
    assert f"network: {url} (not tried: data.allow_network is false)" in message
    assert "To fix" in message


def test_fetch_file_nowhere_with_mirror_names_mirror_path(tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    with pytest.raises(DownloadError, match=r"no upstream URL is known") as err:
        _fetch(tmp_path, None, mirror=mirror)
    assert f"mirror: {mirror / 'toy' / 'train.txt'} (absent)" in str(err.value)


def test_fetch_file_keyboard_interrupt_removes_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mirror = tmp_path / "mirror"
    (mirror / "toy").mkdir(parents=True)
    (mirror / "toy" / "train.txt").write_bytes(BODY)

    def interrupted(source: Path, handle: object) -> None:
        handle.write(b"partial")  # type: ignore[attr-defined]
        raise KeyboardInterrupt

    monkeypatch.setattr("icmt_pipeline.data.download._copy_into", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _fetch(tmp_path, None, mirror=mirror)
    assert _cache_listing(tmp_path) == []


def test_fetch_file_rejects_name_with_folder(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"bare name without folders, got '../x'"):
        fetch_file_info("../x", None, "toy", tmp_path, None)


def test_fetch_file_no_content_length_warns_that_size_is_unchecked(
    tmp_path: Path, http_server: LocalServer, caplog: pytest.LogCaptureFixture
) -> None:
    url = http_server.add("/t", Reply(200, BODY, send_length=False))
    with caplog.at_level(logging.WARNING, logger="icmt_pipeline.data.download"):
        path = _fetch(tmp_path, url)
    assert path.read_bytes() == BODY
    warning = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warning) == 1
    message = warning[0].getMessage()
    assert url in message and "no Content-Length" in message
    assert "could not be checked" in message
    assert "data.sources.custom.sha256" in message


def test_fetch_file_no_content_length_pinned_does_not_warn(
    tmp_path: Path, http_server: LocalServer, caplog: pytest.LogCaptureFixture
) -> None:
    url = http_server.add("/t", Reply(200, BODY, send_length=False))
    with caplog.at_level(logging.WARNING, logger="icmt_pipeline.data.download"):
        _fetch(tmp_path, url, pinned_sha256=(BODY_SHA,))
    # the pinned digest checks the bytes, so there is nothing to warn about
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_fetch_file_chunked_body_cut_off_is_retried(
    tmp_path: Path, http_server: LocalServer, caplog: pytest.LogCaptureFixture
) -> None:
    url = http_server.add(
        "/t", Reply(200, BODY, chunked=True, cut_at=100), Reply(200, BODY, chunked=True)
    )
    with caplog.at_level(logging.WARNING, logger="icmt_pipeline.data.download"):
        path = _fetch(tmp_path, url)
    assert path.read_bytes() == BODY
    assert http_server.hits["/t"] == 2
    assert "truncated body: the connection closed after" in caplog.text
    # a complete chunked body has its own end marker: no unchecked-size warning
    assert "no Content-Length" not in caplog.text


def test_fetch_file_chunked_body_always_cut_off_fails(
    tmp_path: Path, http_server: LocalServer
) -> None:
    url = http_server.add("/t", Reply(200, BODY, chunked=True, cut_at=100))
    with pytest.raises(DownloadError, match=r"before the end of the chunked body"):
        _fetch(tmp_path, url, retries=1)
    assert http_server.hits["/t"] == 2
    assert _cache_listing(tmp_path) == []


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o027, 0o640)])
def test_fetch_file_written_with_umask_mode(
    tmp_path: Path, http_server: LocalServer, umask: int, mode: int
) -> None:
    url = http_server.add("/t", Reply(200, BODY))
    mirror = tmp_path / "mirror"
    (mirror / "other").mkdir(parents=True)
    (mirror / "other" / "train.txt").write_bytes(BODY)
    old = os.umask(umask)
    try:
        downloaded = _fetch(tmp_path, url)
        mirrored = fetch_file_info(
            "train.txt", None, "other", tmp_path / "raw", mirror
        ).path
    finally:
        os.umask(old)
    # like open(..., "w"): 0o666 less the umask, not mkstemp's 0o600
    assert stat.S_IMODE(downloaded.stat().st_mode) == mode
    assert stat.S_IMODE(mirrored.stat().st_mode) == mode


def test_fetch_file_raw_dir_under_a_file_names_setting(tmp_path: Path) -> None:
    blocker = tmp_path / "raw"
    blocker.write_text("a file where the cache folder should be")
    mirror = tmp_path / "mirror"
    (mirror / "toy").mkdir(parents=True)
    (mirror / "toy" / "train.txt").write_bytes(BODY)
    with pytest.raises(ConfigError, match=r"data.raw_dir is '.*raw', which is a file"):
        _fetch(tmp_path, None, mirror=mirror)
    # a file further up the path: mkdir fails with NotADirectoryError
    with pytest.raises(
        ConfigError, match=r"data.raw_dir: cannot write the cache folder .*raw/x/toy"
    ):
        fetch_file_info("train.txt", None, "toy", blocker / "x", mirror)


def test_fetch_file_unwritable_raw_dir_names_setting(
    tmp_path: Path, http_server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    # chmod cannot stop root, so the refusal is simulated
    monkeypatch.setattr("icmt_pipeline.data.download.tempfile.mkstemp", refuse)
    url = http_server.add("/train.txt", Reply(200, BODY))
    pattern = (
        r"data.raw_dir: cannot write the cache folder .*raw/toy \(PermissionError: "
        r"Permission denied\); point data.raw_dir at a writable folder"
    )
    with pytest.raises(ConfigError, match=pattern):
        _fetch(tmp_path, url)
