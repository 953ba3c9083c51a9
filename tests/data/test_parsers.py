"""Parsers of the public formats: adjacency lists, Last.fm, MovieLens 1M."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from icmt_pipeline.data.parsers import (
    detect_format,
    parse_adjacency,
    parse_lastfm_artists,
    parse_lastfm_user_artists,
    parse_ml1m_movies,
    parse_ml1m_ratings,
)
from icmt_pipeline.errors import DataError


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    """Write bytes to tmp_path / name."""
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_parse_adjacency_edge_cases(tmp_path: Path) -> None:
    text = (
        b"0 1 2\n"  # plain line
        b"1\n"  # a user with no items
        b"\n"  # blank line
        b"2 3  4\t5 \n"  # double space, tab, trailing space
        b"   \n"  # whitespace-only line
        b"3 6\r\n"  # CRLF line end
        b"4 7"  # no final newline
    )
    frame = parse_adjacency(_write(tmp_path, "train.txt", text))
    pairs = list(zip(frame["user_id"], frame["item_id"], strict=True))
    assert pairs == [(0, 1), (0, 2), (2, 3), (2, 4), (2, 5), (3, 6), (4, 7)]
    assert frame["user_id"].dtype == np.int64
    assert frame["item_id"].dtype == np.int64


def test_parse_adjacency_empty_file(tmp_path: Path) -> None:
    frame = parse_adjacency(_write(tmp_path, "test.txt", b"\n\n"))
    assert len(frame) == 0
    assert list(frame.columns) == ["user_id", "item_id"]


@pytest.mark.parametrize(
    ("text", "line", "token"),
    [
        (b"0 1 2\n1 x3\n", 2, "x3"),
        (b"0 1\n\n\n2 1.5\n", 4, "1.5"),  # blank lines still count
        (b"0 1\n-1 2\n", 2, "-1"),
        (b"a 1\n", 1, "a"),
    ],
)
def test_parse_adjacency_bad_token_names_line(
    tmp_path: Path, text: bytes, line: int, token: str
) -> None:
    path = _write(tmp_path, "train.txt", text)
    pattern = rf"train.txt: line {line}: token '{token}' is not a non-negative integer"
    with pytest.raises(DataError, match=pattern):
        parse_adjacency(path)


def test_parse_lastfm_user_artists_crlf_and_weight_dropped(tmp_path: Path) -> None:
    data = b"userID\tartistID\tweight\r\n2\t51\t13883\r\n2\t52\t11690\r\n3\t51\t7\r\n"
    frame = parse_lastfm_user_artists(_write(tmp_path, "user_artists.dat", data))
    assert frame.values.tolist() == [[2, 51], [2, 52], [3, 51]]
    assert list(frame.columns) == ["user_id", "item_id"]
    assert frame["item_id"].dtype == np.int64


def test_parse_lastfm_user_artists_bad_id(tmp_path: Path) -> None:
    data = b"userID\tartistID\tweight\n2\t51\t1\n2\tx\t1\n"
    path = _write(tmp_path, "user_artists.dat", data)
    # the header is line 1, so the second data row is line 3
    with pytest.raises(DataError, match=r"'artistID' has 1 value.*line 3 \('x'\)"):
        parse_lastfm_user_artists(path)


def test_parse_lastfm_user_artists_missing_column(tmp_path: Path) -> None:
    path = _write(tmp_path, "user_artists.dat", b"user\tartistID\n1\t2\n")
    with pytest.raises(DataError, match=r"missing column\(s\) userID"):
        parse_lastfm_user_artists(path)


def test_parse_lastfm_artists_quotes_and_na_names(tmp_path: Path) -> None:
    data = (
        'id\tname\turl\tpictureURL\n1\tMALICE MIZER\tu\tp\n2\tThe "Band"\tu\tp\n'
        '3\t"Quoted\tu\t\n4\tNA\tu\tp\n5\tBjörk\tu\tp\n'
    ).encode()
    frame = parse_lastfm_artists(_write(tmp_path, "artists.dat", data))
    assert frame["item_id"].tolist() == [1, 2, 3, 4, 5]
    # quotes are literal; "NA" is a name, not a missing value; UTF-8 decoded
    assert frame["item_name"].tolist() == [
        "MALICE MIZER",
        'The "Band"',
        '"Quoted',
        "NA",
        "Björk",
    ]


def test_parse_ml1m_ratings_and_movies(tmp_path: Path) -> None:
    ratings = _write(tmp_path, "ratings.dat", b"1::1193::5::978300760\n2::661::3::9\n")
    frame = parse_ml1m_ratings(ratings)
    assert frame.to_dict("records") == [
        {"user_id": 1, "item_id": 1193, "rating": 5.0, "timestamp": 978300760},
        {"user_id": 2, "item_id": 661, "rating": 3.0, "timestamp": 9},
    ]
    assert frame["rating"].dtype == np.float64
    movies_text = "1::Café: Story (1995)::Comedy\n2::Star Wars: IV (1977)::Sci-Fi\n"
    movies = _write(tmp_path, "movies.dat", movies_text.encode("latin-1"))
    names = parse_ml1m_movies(movies)
    assert names["item_name"].tolist() == ["Café: Story (1995)", "Star Wars: IV (1977)"]


def test_parse_ml1m_ratings_bad_values(tmp_path: Path) -> None:
    # no header: the second row is line 2
    bad_rating = _write(tmp_path, "r1.dat", b"1::1::5::10\n1::2::five::11\n")
    with pytest.raises(DataError, match=r"'Rating' has 1 value.*line 2 \('five'\)"):
        parse_ml1m_ratings(bad_rating)
    negative = _write(tmp_path, "r2.dat", b"1::1::5::10\n1::2::4::-11\n")
    with pytest.raises(DataError, match=r"1 negative Timestamp value\(s\).*line 2"):
        parse_ml1m_ratings(negative)


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("logs.csv", "csv"),
        ("https://x.org/a/logs.TSV?raw=1", "csv"),
        ("logs.csv.gz", "csv"),
        ("logs.parquet", "parquet"),
        ("logs.pq", "parquet"),
    ],
)
def test_detect_format(name: str, fmt: str) -> None:
    assert detect_format(name) == fmt


def test_detect_format_unknown_extension() -> None:
    with pytest.raises(DataError, match=r"'logs.json'.*set data.sources.custom.format"):
        detect_format("logs.json")
