"""extract_members: safe zip extraction, base-name matching, corrupt archives."""

from __future__ import annotations

import stat
import warnings
import zipfile
from pathlib import Path

import pytest

from icmt_pipeline.data.download import extract_members
from icmt_pipeline.errors import DataError


def _zip(path: Path, entries: dict[str, bytes]) -> Path:
    """Write a zip with ``entries`` (name -> bytes)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return path


def test_extract_members_by_base_name_from_subfolder(tmp_path: Path) -> None:
    archive = _zip(
        tmp_path / "a.zip",
        {"ml-1m/ratings.dat": b"r", "ml-1m/movies.dat": b"m", "ml-1m/README": b"x"},
    )
    target = tmp_path / "out"
    paths = extract_members(archive, ["ratings.dat", "ml-1m/movies.dat"], target)
    assert paths == {
        "ratings.dat": target / "ratings.dat",
        "ml-1m/movies.dat": target / "movies.dat",
    }
    assert (target / "ratings.dat").read_bytes() == b"r"
    # only the asked members, and no staging folder left behind
    assert sorted(p.name for p in target.iterdir()) == ["movies.dat", "ratings.dat"]


def test_extract_members_top_level_and_macosx_ignored(tmp_path: Path) -> None:
    archive = _zip(
        tmp_path / "a.zip",
        {"user_artists.dat": b"u", "__MACOSX/._user_artists.dat": b"junk"},
    )
    paths = extract_members(archive, ["user_artists.dat"], tmp_path / "out")
    assert paths["user_artists.dat"].read_bytes() == b"u"


def test_extract_members_missing_member_lists_present(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "a.zip", {"dir/a.dat": b"a", "b.dat": b"b"})
    with pytest.raises(
        DataError, match=r"no member 'c.dat'; members present: dir/a.dat"
    ):
        extract_members(archive, ["a.dat", "c.dat"], tmp_path / "out")
    # nothing half-extracted: a.dat was found but c.dat was not
    assert not (tmp_path / "out").exists()


def test_extract_members_ambiguous_base_name(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "a.zip", {"x/a.dat": b"1", "y/a.dat": b"2"})
    with pytest.raises(DataError, match=r"several members named 'a.dat'"):
        extract_members(archive, ["a.dat"], tmp_path / "out")
    # the full path picks one
    assert extract_members(archive, ["y/a.dat"], tmp_path / "out")


@pytest.mark.parametrize(
    ("bad_name", "pattern"),
    [
        ("../evil.txt", r"'../evil.txt' escapes the target"),
        ("ok/../../evil.txt", r"'ok/../../evil.txt' escapes the target"),
        ("/etc/evil.txt", r"'/etc/evil.txt' has an absolute path"),
        ("C:/evil.txt", r"'C:/evil.txt' has an absolute path"),
    ],
)
def test_extract_members_refuses_unsafe_archive(
    tmp_path: Path, bad_name: str, pattern: str
) -> None:
    archive = _zip(tmp_path / "a.zip", {"good.dat": b"g", bad_name: b"evil"})
    target = tmp_path / "deep" / "out"
    with pytest.raises(DataError, match=rf"Refusing .*a.zip: member {pattern}"):
        # the whole archive is refused, even if only good.dat is asked for
        extract_members(archive, ["good.dat"], target)
    assert not target.exists()
    assert not (tmp_path / "deep" / "evil.txt").exists()
    assert not (tmp_path / "evil.txt").exists()


def test_extract_members_dotdot_inside_target_allowed(tmp_path: Path) -> None:
    # a/../b.dat stays inside the target: depth goes 1, 0, 1
    archive = _zip(tmp_path / "a.zip", {"a/../b.dat": b"b"})
    assert extract_members(archive, ["b.dat"], tmp_path / "out")["b.dat"].exists()


def test_extract_members_refuses_symlink(tmp_path: Path) -> None:
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("good.dat", b"g")
        link = zipfile.ZipInfo("link.dat")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, "/etc/passwd")
    with pytest.raises(DataError, match=r"member 'link.dat' is a symbolic link"):
        extract_members(archive, ["good.dat"], tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_extract_members_not_a_zip(tmp_path: Path) -> None:
    archive = tmp_path / "a.zip"
    archive.write_bytes(b"<html>rate limited</html>")
    with pytest.raises(DataError, match=r"a.zip is not a readable zip.*delete it"):
        extract_members(archive, ["x"], tmp_path / "out")


def test_extract_members_crc_error(tmp_path: Path) -> None:
    archive = tmp_path / "a.zip"
    data = b"hello world, " * 100
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr("a.dat", data)
    raw = bytearray(archive.read_bytes())
    offset = raw.find(data)
    raw[offset] ^= 0xFF  # flip one stored byte: the CRC no longer matches
    archive.write_bytes(bytes(raw))
    target = tmp_path / "out"
    with pytest.raises(DataError, match=r"not a readable zip.*CRC.*fetched again"):
        extract_members(archive, ["a.dat"], target)
    # the staging folder is gone and nothing landed
    assert list(target.iterdir()) == []


def _zip_with_duplicate(path: Path, name: str, first: bytes, second: bytes) -> Path:
    """A zip holding two entries called ``name`` (zipfile warns, but writes it)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr(name, first)
            zf.writestr(name, second)
    return path


@pytest.mark.parametrize("asked", ["ml-1m/ratings.dat", "ratings.dat"])
def test_extract_members_duplicate_entry_refused(tmp_path: Path, asked: str) -> None:
    archive = _zip_with_duplicate(
        tmp_path / "a.zip", "ml-1m/ratings.dat", b"1::1::5::1\n", b"2::2::5::2\n"
    )
    pattern = (
        r"Refusing .*a.zip: it holds 2 entries named 'ml-1m/ratings.dat' "
        rf"\(wanted member '{asked}'\)"
    )
    with pytest.raises(DataError, match=pattern):
        extract_members(archive, [asked], tmp_path / "out")
    assert not (tmp_path / "out").exists()
