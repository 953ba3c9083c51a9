"""load_raw_interactions for the public sources, on small stand-in files."""

from __future__ import annotations

import hashlib
import logging
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from stub_http_server import LocalServer, Reply

from icmt_pipeline.data.config import DataConfig
from icmt_pipeline.data.sources import SOURCES, load_raw_interactions
from icmt_pipeline.errors import ChecksumError, DataError, DownloadError

MakeConfig = Callable[..., DataConfig]

USER_ARTISTS = b"userID\tartistID\tweight\r\n2\t51\t10\r\n2\t52\t5\r\n3\t51\t1\r\n"
ARTISTS = 'id\tname\turl\tpictureURL\n51\tThe "Band"\tu\tp\n52\tBjörk\tu\tp\n'.encode()
YELP_TRAIN = b"0 10 11\n1 10\n2\n"
YELP_TEST = b"0 12 10\n1 11 \n\n"  # (0,10) repeats a training pair


def _sha(data: bytes) -> str:
    """Hex sha256 of bytes."""
    return hashlib.sha256(data).hexdigest()


def _lastfm_zip(folder: Path, subfolder: str = "") -> Path:
    """A tiny hetrec2011-lastfm-2k.zip in ``folder/lastfm/``."""
    (folder / "lastfm").mkdir(parents=True, exist_ok=True)
    path = folder / "lastfm" / "hetrec2011-lastfm-2k.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(f"{subfolder}user_artists.dat", USER_ARTISTS)
        zf.writestr(f"{subfolder}artists.dat", ARTISTS)
        zf.writestr(f"{subfolder}tags.dat", b"upstream has more files")
    return path


def _trust_tiny_lastfm() -> dict[str, str]:
    """trusted_sha256 entries accepting the tiny Last.fm members."""
    return {"user_artists.dat": _sha(USER_ARTISTS), "artists.dat": _sha(ARTISTS)}


@pytest.mark.parametrize("subfolder", ["", "hetrec2011-lastfm-2k/"])
def test_load_lastfm_from_mirror(
    tmp_path: Path, make_config: MakeConfig, subfolder: str
) -> None:
    mirror = tmp_path / "mirror"
    _lastfm_zip(mirror, subfolder)
    config = make_config(
        "lastfm", mirror=str(mirror), trusted_sha256=_trust_tiny_lastfm()
    )
    raw = load_raw_interactions(config)
    # every user-artist pair is a positive; weight is not kept as a rating
    assert raw.interactions.values.tolist() == [[2, 51], [2, 52], [3, 51]]
    assert list(raw.interactions.columns) == ["user_id", "item_id"]
    assert raw.interactions["user_id"].dtype == np.int64
    assert raw.item_names is not None
    assert raw.item_names["item_name"].tolist() == ['The "Band"', "Björk"]
    assert raw.files["hetrec2011-lastfm-2k.zip"]["source"] == "mirror"
    assert raw.files["user_artists.dat"]["sha256"] == _sha(USER_ARTISTS)
    assert raw.files["user_artists.dat"]["source"] == "extracted"


def test_load_lastfm_member_digest_mismatch(
    tmp_path: Path, make_config: MakeConfig
) -> None:
    mirror = tmp_path / "mirror"
    _lastfm_zip(mirror)
    config = make_config("lastfm", mirror=str(mirror))
    pinned = SOURCES["lastfm"].pinned_sha256["user_artists.dat"][0]
    pattern = (
        rf"member 'user_artists.dat' of .*hetrec2011-lastfm-2k.zip \(the archive "
        rf"came from mirror .*expected one of {pinned}, got {_sha(USER_ARTISTS)}"
    )
    with pytest.raises(ChecksumError, match=pattern) as err:
        load_raw_interactions(config)
    assert "data.trusted_sha256" in str(err.value)
    # the rejected member is not left in the cache; the zip copy is (no pin on it)
    extracted = tmp_path / "raw" / "lastfm" / "hetrec2011-lastfm-2k"
    assert not (extracted / "user_artists.dat").exists()


def _ml1m_zip(folder: Path) -> Path:
    """A tiny ml-1m.zip in the real layout, with a latin-1 title."""
    (folder / "ml-1m").mkdir(parents=True, exist_ok=True)
    path = folder / "ml-1m" / "ml-1m.zip"
    ratings = b"1::10::5::100\n1::20::3::200\n2::10::4::300\n2::30::4::50\n"
    movies = "10::Café (1995)::Drama\n20::B (1996)::Comedy\n30::C: D (1997)::War\n"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("ml-1m/ratings.dat", ratings)
        zf.writestr("ml-1m/movies.dat", movies.encode("latin-1"))
        zf.writestr("ml-1m/README", b"readme")
    return path


def test_load_ml1m_binarised_with_titles(
    tmp_path: Path, make_config: MakeConfig
) -> None:
    mirror = tmp_path / "mirror"
    _ml1m_zip(mirror)
    raw = load_raw_interactions(make_config("ml-1m", mirror=str(mirror)))
    # min_rating 4 keeps (1,10,5), (2,10,4), (2,30,4); drops (1,20,3)
    assert raw.interactions.to_dict("records") == [
        {"user_id": 1, "item_id": 10, "rating": 5.0, "timestamp": 100},
        {"user_id": 2, "item_id": 10, "rating": 4.0, "timestamp": 300},
        {"user_id": 2, "item_id": 30, "rating": 4.0, "timestamp": 50},
    ]
    assert raw.item_names is not None
    assert raw.item_names.loc[0, "item_name"] == "Café (1995)"


def test_load_ml1m_min_rating_override(tmp_path: Path, make_config: MakeConfig) -> None:
    mirror = tmp_path / "mirror"
    _ml1m_zip(mirror)
    config = make_config(
        "ml-1m", mirror=str(mirror), sources={"ml-1m": {"min_rating": 5}}
    )
    # only (1,10) has rating >= 5
    assert len(load_raw_interactions(config).interactions) == 1


def _yelp_expected() -> list[list[int]]:
    """Merged Yelp stand-in pairs, duplicates collapsed, sorted.

    train: (0,10) (0,11) (1,10); user 2 has no items
    test:  (0,12) (0,10) (1,11) -> (0,10) already seen
    """
    return [[0, 10], [0, 11], [0, 12], [1, 10], [1, 11]]


def test_load_yelp2018_from_mirror(tmp_path: Path, make_config: MakeConfig) -> None:
    mirror = tmp_path / "mirror"
    (mirror / "yelp2018").mkdir(parents=True)
    (mirror / "yelp2018" / "train.txt").write_bytes(YELP_TRAIN)
    (mirror / "yelp2018" / "test.txt").write_bytes(YELP_TEST)
    raw = load_raw_interactions(make_config("yelp2018", mirror=str(mirror)))
    assert raw.interactions.values.tolist() == _yelp_expected()
    assert raw.item_names is None
    assert {f["source"] for f in raw.files.values()} == {"mirror"}
    assert (tmp_path / "raw" / "yelp2018" / "test.txt").read_bytes() == YELP_TEST


def test_load_yelp2018_from_http(
    tmp_path: Path, make_config: MakeConfig, http_server: LocalServer
) -> None:
    http_server.add("/data/yelp2018/train.txt", Reply(200, YELP_TRAIN))
    http_server.add("/data/yelp2018/test.txt", Reply(500, b""), Reply(200, YELP_TEST))
    config = make_config(
        "yelp2018",
        allow_network=True,
        # base URL without the final slash: one is added
        sources={"yelp2018": {"url": http_server.url("/data/yelp2018")}},
    )
    raw = load_raw_interactions(config)
    assert raw.interactions.values.tolist() == _yelp_expected()
    assert raw.files["test.txt"]["source"] == "network"
    assert http_server.hits["/data/yelp2018/test.txt"] == 2  # one retry after 500


def test_load_gowalla_pinned_digest_and_trust(
    tmp_path: Path, make_config: MakeConfig
) -> None:
    mirror = tmp_path / "mirror"
    (mirror / "gowalla").mkdir(parents=True)
    (mirror / "gowalla" / "train.txt").write_bytes(YELP_TRAIN)
    (mirror / "gowalla" / "test.txt").write_bytes(YELP_TEST)
    with pytest.raises(ChecksumError, match=r"gowalla/train.txt \(from mirror\)"):
        load_raw_interactions(make_config("gowalla", mirror=str(mirror)))
    assert not (tmp_path / "raw" / "gowalla" / "train.txt").exists()
    trusted = {"gowalla/train.txt": _sha(YELP_TRAIN), "test.txt": _sha(YELP_TEST)}
    config = make_config("gowalla", mirror=str(mirror), trusted_sha256=trusted)
    assert load_raw_interactions(config).interactions.values.tolist() == (
        _yelp_expected()
    )


def test_load_public_nowhere_lists_places(
    tmp_path: Path, make_config: MakeConfig
) -> None:
    with pytest.raises(DownloadError, match=r"'ml-1m.zip' for dataset 'ml-1m'") as err:
        load_raw_interactions(make_config("ml-1m"))
    message = str(err.value)
    assert "no mirror set (set ICMT_DATA_MIRROR or data.mirror)" in message
    assert "https://files.grouplens.org/datasets/movielens/ml-1m.zip" in message
    assert "not tried: data.allow_network is false" in message


def test_load_ml1m_duplicate_member_refused(
    tmp_path: Path, make_config: MakeConfig
) -> None:
    mirror = tmp_path / "mirror"
    (mirror / "ml-1m").mkdir(parents=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile: "Duplicate name"
        with zipfile.ZipFile(mirror / "ml-1m" / "ml-1m.zip", "w") as zf:
            zf.writestr("ml-1m/ratings.dat", b"1::10::5::100\n")
            zf.writestr("ml-1m/ratings.dat", b"2::10::5::100\n")
            zf.writestr("ml-1m/movies.dat", b"10::A (1995)::Drama\n")
    with pytest.raises(DataError, match=r"ml-1m.zip: it holds 2 entries named"):
        load_raw_interactions(make_config("ml-1m", mirror=str(mirror)))


def test_load_lastfm_duplicate_member_refused(
    tmp_path: Path, make_config: MakeConfig
) -> None:
    mirror = tmp_path / "mirror"
    (mirror / "lastfm").mkdir(parents=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        with zipfile.ZipFile(mirror / "lastfm" / "hetrec2011-lastfm-2k.zip", "w") as zf:
            zf.writestr("user_artists.dat", USER_ARTISTS)
            zf.writestr("artists.dat", ARTISTS)
            zf.writestr("artists.dat", ARTISTS)
    config = make_config(
        "lastfm", mirror=str(mirror), trusted_sha256=_trust_tiny_lastfm()
    )
    pattern = r"2 entries named 'artists.dat' \(wanted member 'artists.dat'\)"
    with pytest.raises(DataError, match=pattern):
        load_raw_interactions(config)


def test_load_ml1m_min_rating_keeping_nothing_names_setting(
    tmp_path: Path, make_config: MakeConfig
) -> None:
    mirror = tmp_path / "mirror"
    _ml1m_zip(mirror)
    config = make_config(
        "ml-1m", mirror=str(mirror), sources={"ml-1m": {"min_rating": 6}}
    )
    # the tiny ratings are 3, 4, 4 and 5: none reaches 6
    pattern = (
        r"data.sources.ml-1m.min_rating is 6 and keeps none of the 4 row\(s\): "
        r"ratings range from 3 to 5"
    )
    with pytest.raises(DataError, match=pattern):
        load_raw_interactions(config)


def test_load_public_records_url(tmp_path: Path, make_config: MakeConfig) -> None:
    mirror = tmp_path / "mirror"
    _ml1m_zip(mirror)
    raw = load_raw_interactions(make_config("ml-1m", mirror=str(mirror)))
    assert raw.files["ml-1m.zip"]["url"] == SOURCES["ml-1m"].url


def test_load_ml1m_utf8_titles_and_missing_titles_warned(
    tmp_path: Path, make_config: MakeConfig, caplog: pytest.LogCaptureFixture
) -> None:
    # a re-encoded UTF-8 movies.dat; movie 30 has no line and 20 a blank title
    mirror = tmp_path / "mirror"
    (mirror / "ml-1m").mkdir(parents=True)
    ratings = b"1::10::5::100\n1::20::4::200\n2::10::4::300\n2::30::4::50\n"
    movies = "10::Café Société (1995)::Drama\n20:: ::Comedy\n"
    with zipfile.ZipFile(mirror / "ml-1m" / "ml-1m.zip", "w") as zf:
        zf.writestr("ml-1m/ratings.dat", ratings)
        zf.writestr("ml-1m/movies.dat", movies.encode("utf-8"))
    with caplog.at_level(logging.WARNING, logger="icmt_pipeline.data.sources"):
        raw = load_raw_interactions(make_config("ml-1m", mirror=str(mirror)))
    assert raw.item_names is not None
    assert raw.item_names.to_dict("records") == [
        {"item_id": 10, "item_name": "Café Société (1995)"}
    ]
    assert "movies.dat: 2 of 3 item(s) of" in caplog.text
    assert "ratings.dat have no name, e.g. 20" in caplog.text


def test_load_lastfm_duplicate_artist_ids_warned(
    tmp_path: Path, make_config: MakeConfig, caplog: pytest.LogCaptureFixture
) -> None:
    mirror = tmp_path / "mirror"
    (mirror / "lastfm").mkdir(parents=True)
    artists = ARTISTS + b"51\tOther name\tu\tp\n"
    with zipfile.ZipFile(mirror / "lastfm" / "hetrec2011-lastfm-2k.zip", "w") as zf:
        zf.writestr("user_artists.dat", USER_ARTISTS)
        zf.writestr("artists.dat", artists)
    trusted = {"user_artists.dat": _sha(USER_ARTISTS), "artists.dat": _sha(artists)}
    config = make_config("lastfm", mirror=str(mirror), trusted_sha256=trusted)
    with caplog.at_level(logging.WARNING, logger="icmt_pipeline.data.parsers"):
        raw = load_raw_interactions(config)
    assert raw.item_names is not None
    assert raw.item_names["item_name"].tolist() == ['The "Band"', "Björk"]
    assert "1 repeated id(s), e.g. id 51 named 'The \"Band\"' and 'Other name'" in (
        caplog.text
    )
