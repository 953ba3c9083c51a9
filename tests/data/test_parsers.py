"""Parsers of the public formats: adjacency lists, Last.fm, MovieLens 1M."""

from __future__ import annotations

import logging
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


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("http://127.0.0.1:8765/orders.parquet#v2", "parquet"),
        ("http://127.0.0.1:8765/orders.csv?token=a.parquet#frag", "csv"),
        ("/tmp/x/o?x.csv", "csv"),
        ("/tmp/x/o#1.parquet", "parquet"),
    ],
)
def test_detect_format_url_path_and_local_name(name: str, fmt: str) -> None:
    # URLs: the path only (no query, no fragment); local paths: the whole name
    assert detect_format(name) == fmt


def test_detect_format_local_name_keeps_question_mark() -> None:
    # "/tmp/x/data.csv?.json" is a local .json file, not a CSV
    with pytest.raises(DataError, match=r"Cannot tell the format of .*data.csv\?.json"):
        detect_format("/tmp/x/data.csv?.json")


def test_detect_format_unknown_extension() -> None:
    with pytest.raises(DataError, match=r"'logs.json'.*set data.sources.custom.format"):
        detect_format("logs.json")


def test_parse_ml1m_ratings_id_beyond_int64_refused(tmp_path: Path) -> None:
    data = b"1::1::5::10\n18446744073709551615::2::5::978300000\n"
    path = _write(tmp_path, "ratings.dat", data)
    # 2**64 - 1 would wrap to user_id -1
    pattern = (
        r"ratings.dat: column 'UserID' has 1 value\(s\) outside the int64 range.*"
        r"line 2 \('18446744073709551615'\)"
    )
    with pytest.raises(DataError, match=pattern):
        parse_ml1m_ratings(path)


def test_parse_ml1m_ratings_int64_limit_kept(tmp_path: Path) -> None:
    path = _write(tmp_path, "ratings.dat", b"9223372036854775807::2::5::10\n")
    assert parse_ml1m_ratings(path)["user_id"].tolist() == [2**63 - 1]


def test_parse_ml1m_ratings_timestamp_beyond_int64(tmp_path: Path) -> None:
    path = _write(tmp_path, "ratings.dat", b"1::2::5::99999999999999999999\n")
    with pytest.raises(DataError, match=r"'Timestamp' has 1 value\(s\) outside"):
        parse_ml1m_ratings(path)


def test_parse_lastfm_user_artists_id_beyond_int64(tmp_path: Path) -> None:
    data = b"userID\tartistID\tweight\n2\t51\t1\n2\t9223372036854775808\t1\n"
    path = _write(tmp_path, "user_artists.dat", data)
    with pytest.raises(DataError, match=r"'artistID' has 1 value.*outside.*line 3"):
        parse_lastfm_user_artists(path)


def test_parse_lastfm_user_artists_blank_line_keeps_line_numbers(
    tmp_path: Path,
) -> None:
    data = b"userID\tartistID\tweight\r\n2\t51\t1\r\n\r\n2\tx\t1\r\n"
    path = _write(tmp_path, "user_artists.dat", data)
    # header line 1, data line 2, blank line 3, bad line 4
    with pytest.raises(DataError, match=r"'artistID' has 1 value.*line 4 \('x'\)"):
        parse_lastfm_user_artists(path)


def test_parse_lastfm_artists_extra_field_refused(tmp_path: Path) -> None:
    data = b"id\tname\turl\tpictureURL\n1\tA\tu\tp\n2\tB\tu\tp\textra\n"
    path = _write(tmp_path, "artists.dat", data)
    pattern = r"1 line\(s\) do not have the expected 4 tab-separated fields.*line 3"
    with pytest.raises(DataError, match=pattern):
        parse_lastfm_artists(path)


@pytest.mark.parametrize(
    ("token", "problem"),
    [
        (b"18446744073709551615", "is beyond the int64 range"),
        (b"9223372036854775808", "is beyond the int64 range"),
        (b"1x", "is not a non-negative integer id"),
    ],
)
def test_parse_adjacency_id_beyond_int64(
    tmp_path: Path, token: bytes, problem: str
) -> None:
    path = _write(tmp_path, "train.txt", b"0 1\n1 " + token + b"\n")
    with pytest.raises(DataError, match=rf"line 2: token '{token.decode()}' {problem}"):
        parse_adjacency(path)


def test_parse_adjacency_nineteen_digit_ids_within_int64(tmp_path: Path) -> None:
    path = _write(tmp_path, "train.txt", b"9223372036854775807 0000000000000000001\n")
    frame = parse_adjacency(path)
    assert frame.values.tolist() == [[2**63 - 1, 1]]


def test_parse_ml1m_ratings_fifth_field_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "ratings.dat", b"1::1::5::10::0\n1::2::4::11::0\n")
    pattern = (
        r"ratings.dat: 2 line\(s\) do not have the expected 4 '::'-separated fields "
        r"\(UserID::MovieID::Rating::Timestamp\), first at line 1 \(5 fields: "
        r"'1::1::5::10::0'\)"
    )
    with pytest.raises(DataError, match=pattern):
        parse_ml1m_ratings(path)


def test_parse_ml1m_ratings_blank_lines_keep_line_numbers(tmp_path: Path) -> None:
    lines = [b"1::1::5::10", b"", b"1::2::5::10", b"1::3::5::10", b""]
    lines += [b"1::4::5::10", b"1::5::five::10"]
    path = _write(tmp_path, "ratings.dat", b"\n".join(lines) + b"\n")
    # the bad rating is on file line 7, blank lines included
    with pytest.raises(DataError, match=r"'Rating' has 1 value.*line 7 \('five'\)"):
        parse_ml1m_ratings(path)
    bad_fields = _write(tmp_path, "r2.dat", b"1::1::5::10\n\n1::2::5\n")
    with pytest.raises(DataError, match=r"first at line 3 \(3 fields"):
        parse_ml1m_ratings(bad_fields)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (b"1::A (1995)::Drama::X\n2::B (1996)::Comedy::X\n", 1),
        (b"1::A (1995)::Drama::X\n2::B (1996)::Comedy\n", 1),
        (b"1::A (1995)::Drama\n2::B: C::D (1996)::Comedy\n", 2),
    ],
)
def test_parse_ml1m_movies_field_count_names_line(
    tmp_path: Path, text: bytes, line: int
) -> None:
    path = _write(tmp_path, "movies.dat", text)
    pattern = (
        rf"movies.dat: \d line\(s\) do not have the expected 3 '::'-separated "
        rf"fields \(MovieID::Title::Genres\), first at line {line} \(4 fields"
    )
    with pytest.raises(DataError, match=pattern):
        parse_ml1m_movies(path)


def test_parse_ml1m_ratings_empty_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "ratings.dat", b"\n")
    with pytest.raises(DataError, match=r"ratings.dat holds no data lines"):
        parse_ml1m_ratings(path)


def test_parse_ml1m_movies_utf8_copy_not_mojibake(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    text = "1::Café Société (1995)::Drama\n2::Plain (1996)::Comedy\n"
    utf8 = _write(tmp_path, "movies.dat", text.encode("utf-8"))
    with caplog.at_level(logging.DEBUG, logger="icmt_pipeline.data.parsers"):
        names = parse_ml1m_movies(utf8)
    assert names["item_name"].tolist()[0] == "Café Société (1995)"
    assert "movies.dat: decoded as UTF-8" in caplog.text
    caplog.clear()
    # upstream's latin-1 bytes are not valid UTF-8: the fallback reads them
    latin = _write(tmp_path, "latin.dat", text.encode("latin-1"))
    with caplog.at_level(logging.DEBUG, logger="icmt_pipeline.data.parsers"):
        names = parse_ml1m_movies(latin)
    assert names["item_name"].tolist()[0] == "Café Société (1995)"
    assert "latin.dat: decoded as latin-1 (not valid UTF-8: byte 0xe9" in caplog.text


def test_parse_lastfm_artists_latin1_fallback(tmp_path: Path) -> None:
    data = "id\tname\turl\tpictureURL\n5\tBjörk\tu\tp\n".encode("latin-1")
    frame = parse_lastfm_artists(_write(tmp_path, "artists.dat", data))
    assert frame["item_name"].tolist() == ["Björk"]
