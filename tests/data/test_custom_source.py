"""The custom source: CSV and Parquet files, id typing, validation errors."""

from __future__ import annotations

import gzip
import hashlib
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from stub_http_server import LocalServer, Reply

from icmt_pipeline.data import parsers
from icmt_pipeline.data.config import DataConfig
from icmt_pipeline.data.sources import RawData, load_raw_interactions, url_cache_name
from icmt_pipeline.errors import ChecksumError, ConfigError, DataError

MakeConfig = Callable[..., DataConfig]


def _load(make_config: MakeConfig, path: Path | str, **custom: Any) -> RawData:
    """load_raw_interactions for a custom file with extra custom settings."""
    config = make_config("custom", sources={"custom": {"path": str(path), **custom}})
    return load_raw_interactions(config)


def _csv(tmp_path: Path, text: str, name: str = "logs.csv") -> Path:
    """Write a CSV file."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


FULL_COLUMNS = {"user": "u", "item": "i", "rating": "r", "timestamp": "t"}


def test_custom_csv_string_ids_ratings_timestamps_duplicates(
    tmp_path: Path, make_config: MakeConfig, caplog: pytest.LogCaptureFixture
) -> None:
    path = _csv(
        tmp_path,
        "u,i,r,t,extra\n"
        "alice,007,4.5,300,x\n"
        "bob,7,2,100,y\n"
        "alice,007,3,200,z\n"  # duplicate of line 2: max rating 4.5, min time 200
        "carol,x1,5,50,w\n"
        "alice,007,1,250,v\n",  # third copy
    )
    with caplog.at_level(logging.WARNING):
        raw = _load(make_config, path, columns=FULL_COLUMNS)
    assert raw.interactions.to_dict("records") == [
        {"user_id": "alice", "item_id": "007", "rating": 4.5, "timestamp": 200},
        {"user_id": "bob", "item_id": "7", "rating": 2.0, "timestamp": 100},
        {"user_id": "carol", "item_id": "x1", "rating": 5.0, "timestamp": 50},
    ]
    # item ids: "007" has a leading zero and "x1" is text -> strings under auto
    assert pd.api.types.is_string_dtype(raw.interactions["item_id"])
    assert raw.interactions["rating"].dtype == np.float64
    assert raw.interactions["timestamp"].dtype == np.int64
    # 5 rows, 3 of them (alice, 007) -> 2 duplicate rows collapsed
    assert "collapsed 2 duplicate (user, item) row(s); 3 pairs remain" in caplog.text
    assert raw.files["logs.csv"]["source"] == "local"


def test_custom_csv_binarised(tmp_path: Path, make_config: MakeConfig) -> None:
    path = _csv(tmp_path, "u,i,r\n1,1,4\n1,2,3.5\n2,1,5\n2,2,3.99\n")
    raw = _load(
        make_config,
        path,
        columns={"user": "u", "item": "i", "rating": "r"},
        min_rating=4,
    )
    # kept: ratings 4 and 5; dropped 3.5 and 3.99
    assert raw.interactions[["user_id", "item_id"]].values.tolist() == [[1, 1], [2, 1]]


@pytest.mark.parametrize(
    ("id_type", "expected", "kind"),
    [
        ("auto", ["007", "7", "8"], "str"),  # a leading zero keeps text
        ("str", ["007", "7", "8"], "str"),
        ("int", [7, 8], "int"),  # "007" and "7" both become 7 (collapsed)
    ],
)
def test_custom_csv_id_type(
    tmp_path: Path,
    make_config: MakeConfig,
    id_type: str,
    expected: list[object],
    kind: str,
) -> None:
    path = _csv(tmp_path, "user_id,item_id\n1,007\n1,7\n2,8\n")
    raw = _load(make_config, path, id_type=id_type)
    assert sorted(raw.interactions["item_id"].unique().tolist()) == expected
    if kind == "int":
        assert raw.interactions["item_id"].dtype == np.int64
    else:
        assert pd.api.types.is_string_dtype(raw.interactions["item_id"])
    # user ids 1, 2 are plain integers: int64 unless id_type is str
    user_is_int = raw.interactions["user_id"].dtype == np.int64
    assert user_is_int == (id_type != "str")


def test_custom_csv_int_id_type_rejects_text(
    tmp_path: Path, make_config: MakeConfig
) -> None:
    path = _csv(tmp_path, "user_id,item_id\n1,7\n2,abc\n")
    with pytest.raises(DataError, match=r"'item_id' has 1 id.*not integers.*line 3"):
        _load(make_config, path, id_type="int")


def test_custom_parquet_round_trip_keeps_ids_exact(
    tmp_path: Path, make_config: MakeConfig
) -> None:
    source = pd.DataFrame(
        {
            "user_id": pd.Series([10, 11, 10], dtype="int64"),
            "item_id": pd.Series(["007", "7", "0"], dtype="str"),
            "when": pd.Series([3, 1, 2], dtype="int64"),
        }
    )
    path = tmp_path / "logs.parquet"
    source.to_parquet(path)
    raw = _load(
        make_config,
        path,
        columns={"user": "user_id", "item": "item_id", "timestamp": "when"},
    )
    frame = raw.interactions
    assert frame["user_id"].dtype == np.int64
    assert pd.api.types.is_string_dtype(frame["item_id"])
    assert frame[["user_id", "item_id"]].values.tolist() == [
        [10, "0"],
        [10, "007"],
        [11, "7"],
    ]
    assert frame["timestamp"].tolist() == [2, 3, 1]


def test_custom_parquet_string_plain_ints_become_int64_under_auto(
    tmp_path: Path, make_config: MakeConfig
) -> None:
    path = tmp_path / "logs.pq"
    pd.DataFrame({"user_id": ["1", "2"], "item_id": ["5", "6"]}).to_parquet(path)
    raw = _load(make_config, path)
    assert raw.interactions["item_id"].dtype == np.int64
    assert raw.interactions["item_id"].tolist() == [5, 6]


def test_custom_parquet_datetime_timestamps(
    tmp_path: Path, make_config: MakeConfig
) -> None:
    when = pd.to_datetime(["1970-01-01 00:01:40", "2001-09-09 01:46:40"])
    path = tmp_path / "logs.parquet"
    pd.DataFrame({"user_id": [1, 2], "item_id": [1, 1], "ts": when}).to_parquet(path)
    raw = _load(
        make_config,
        path,
        columns={"user": "user_id", "item": "item_id", "timestamp": "ts"},
    )
    # Unix seconds: 100 and 1,000,000,000
    assert raw.interactions["timestamp"].tolist() == [100, 1_000_000_000]


def test_custom_parquet_float_ids_refused(
    tmp_path: Path, make_config: MakeConfig
) -> None:
    path = tmp_path / "logs.parquet"
    pd.DataFrame({"user_id": [1, 2], "item_id": [1.0, 2.0]}).to_parquet(path)
    with pytest.raises(DataError, match=r"item id column 'item_id' holds floats"):
        _load(make_config, path)


def test_custom_parquet_null_ids_refused(
    tmp_path: Path, make_config: MakeConfig
) -> None:
    path = tmp_path / "logs.parquet"
    table = pa.table(
        {"user_id": pa.array([1, None, 3], pa.int64()), "item_id": ["a", "b", "c"]}
    )
    pq.write_table(table, path)
    with pytest.raises(DataError, match=r"'user_id' has 1 missing id\(s\).*row\(s\) 2"):
        _load(make_config, path)


def test_custom_parquet_no_rows(tmp_path: Path, make_config: MakeConfig) -> None:
    path = tmp_path / "logs.parquet"
    pd.DataFrame({"user_id": pd.Series([], dtype="int64"), "item_id": []}).to_parquet(
        path
    )
    with pytest.raises(
        DataError, match=r"has columns \(user_id, item_id\) but no rows"
    ):
        _load(make_config, path)


def test_custom_missing_column_lists_found(
    tmp_path: Path, make_config: MakeConfig
) -> None:
    path = _csv(tmp_path, "user,item_id\n1,2\n")
    pattern = (
        r"mapped column\(s\) 'user_id' not found; columns found: 'user', 'item_id'"
    )
    with pytest.raises(DataError, match=pattern):
        _load(make_config, path)


def test_custom_wrong_separator_hint(tmp_path: Path, make_config: MakeConfig) -> None:
    path = _csv(tmp_path, "user_id;item_id\n1;2\n")
    with pytest.raises(DataError, match=r"or data.sources.custom.sep \(now ','"):
        _load(make_config, path)


def test_custom_empty_file(tmp_path: Path, make_config: MakeConfig) -> None:
    path = _csv(tmp_path, "")
    with pytest.raises(DataError, match=r"logs.csv is empty \(0 bytes\)"):
        _load(make_config, path)


def test_custom_header_only(tmp_path: Path, make_config: MakeConfig) -> None:
    path = _csv(tmp_path, "user_id,item_id\n")
    with pytest.raises(
        DataError, match=r"has a header \(user_id, item_id\) but no data"
    ):
        _load(make_config, path)


def test_custom_blank_lines_skipped(tmp_path: Path, make_config: MakeConfig) -> None:
    path = _csv(tmp_path, "user_id,item_id\n1,2\n\n3,4\n\n")
    assert len(_load(make_config, path).interactions) == 2


def test_custom_empty_and_nan_ids_name_lines(
    tmp_path: Path, make_config: MakeConfig
) -> None:
    # header is line 1: "" at line 3, "NaN" at line 5, " " at line 6
    path = _csv(tmp_path, "user_id,item_id\n1,2\n,3\n4,5\nNaN,6\n ,7\n")
    pattern = r"'user_id' has 3 empty or NaN id\(s\), first at line\(s\) 3, 5, 6"
    with pytest.raises(DataError, match=pattern):
        _load(make_config, path)


def test_custom_non_numeric_ratings(tmp_path: Path, make_config: MakeConfig) -> None:
    path = _csv(tmp_path, "u,i,r\n1,1,4\n1,2,good\n2,1,\n")
    pattern = r"rating column 'r' has 2 value\(s\).*line 3 \('good'\), line 4 \(''\)"
    with pytest.raises(DataError, match=pattern):
        _load(make_config, path, columns={"user": "u", "item": "i", "rating": "r"})


def test_custom_negative_timestamps(tmp_path: Path, make_config: MakeConfig) -> None:
    path = _csv(tmp_path, "u,i,t\n1,1,10\n1,2,-5\n")
    with pytest.raises(DataError, match=r"1 negative value\(s\), first at line 3"):
        _load(make_config, path, columns={"user": "u", "item": "i", "timestamp": "t"})


def test_custom_non_integer_timestamps(tmp_path: Path, make_config: MakeConfig) -> None:
    path = _csv(tmp_path, "u,i,t\n1,1,10.0\n1,2,10.5\n2,2,2020-01-01\n")
    # 10.0 is integral and accepted; 10.5 and the date text are not
    pattern = r"2 value\(s\) that are not integers, first at line 3 \('10.5'\), line 4"
    with pytest.raises(DataError, match=pattern):
        _load(make_config, path, columns={"user": "u", "item": "i", "timestamp": "t"})


def test_custom_item_names(tmp_path: Path, make_config: MakeConfig) -> None:
    path = _csv(tmp_path, "user_id,item_id\n1,10\n2,20\n")
    names = _csv(tmp_path, 'id,title\n10,Ten\n20,"Twenty, two"\n10,Dup\n', "names.csv")
    raw = _load(
        make_config,
        path,
        item_names={"path": str(names), "id_column": "id", "name_column": "title"},
    )
    assert raw.item_names is not None
    # ids typed like the interactions' (int64); the first name of id 10 wins
    assert raw.item_names.to_dict("records") == [
        {"item_id": 10, "item_name": "Ten"},
        {"item_id": 20, "item_name": "Twenty, two"},
    ]


def test_custom_from_url_lands_in_cache(
    tmp_path: Path, make_config: MakeConfig, http_server: LocalServer
) -> None:
    body = b"user_id,item_id\n1,2\n3,4\n"
    url = http_server.add("/exports/logs.csv", Reply(200, body))
    digest = hashlib.sha256(body).hexdigest()
    config = make_config(
        "custom",
        allow_network=True,
        sources={"custom": {"path": url, "sha256": digest}},
    )
    raw = load_raw_interactions(config)
    assert raw.interactions.values.tolist() == [[1, 2], [3, 4]]
    name = url_cache_name(url)
    assert (tmp_path / "raw" / "custom" / name).read_bytes() == body
    assert raw.files[name]["source"] == "network"
    assert raw.files[name]["url"] == url


def test_custom_local_digest_mismatch(tmp_path: Path, make_config: MakeConfig) -> None:
    path = _csv(tmp_path, "user_id,item_id\n1,2\n")
    with pytest.raises(ChecksumError, match=r"logs.csv \(from local path\)"):
        _load(make_config, path, sha256="f" * 64)


def test_custom_missing_local_file(tmp_path: Path, make_config: MakeConfig) -> None:
    with pytest.raises(ConfigError, match=r"custom.path is '.*nope.csv', which is not"):
        _load(make_config, tmp_path / "nope.csv")


@pytest.mark.parametrize("id_type", ["auto", "str"])
def test_custom_csv_ids_survive_parquet_round_trip(
    tmp_path: Path, make_config: MakeConfig, id_type: str
) -> None:
    # items "007" and "7" are different text ids; users are plain integers
    path = _csv(tmp_path, "user_id,item_id\n1,007\n2,7\n10,007\n")
    raw = _load(make_config, path, id_type=id_type)
    saved = tmp_path / "interactions.parquet"
    raw.interactions.to_parquet(saved)
    back = pd.read_parquet(saved)
    if id_type == "auto":
        # plain integer user ids stay int64; sorted numerically 1 < 2 < 10
        assert back["user_id"].dtype == np.int64
        assert back.values.tolist() == [[1, "007"], [2, "7"], [10, "007"]]
    else:
        # text user ids, sorted as text: "1" < "10" < "2"
        assert back.values.tolist() == [["1", "007"], ["10", "007"], ["2", "7"]]
    pd.testing.assert_frame_equal(back, raw.interactions)


def test_url_cache_name_depends_on_full_url() -> None:
    v1 = url_cache_name("http://127.0.0.1:8765/v1/data.csv")
    v2 = url_cache_name("http://127.0.0.1:8765/v2/data.csv")
    # 12 hex digits of sha256(url), a dash, the URL's file name
    expected = hashlib.sha256(b"http://127.0.0.1:8765/v1/data.csv").hexdigest()[:12]
    assert v1 == f"{expected}-data.csv"
    assert v2.endswith("-data.csv") and v2 != v1


def test_custom_url_versions_never_share_a_cache_file(
    tmp_path: Path, make_config: MakeConfig, http_server: LocalServer
) -> None:
    v1 = http_server.add("/v1/data.csv", Reply(200, b"user_id,item_id\n1,2\n"))
    v2 = http_server.add("/v2/data.csv", Reply(200, b"user_id,item_id\n7,8\n"))

    def load(url: str) -> RawData:
        config = make_config(
            "custom", allow_network=True, sources={"custom": {"path": url}}
        )
        return load_raw_interactions(config)

    assert load(v1).interactions.values.tolist() == [[1, 2]]
    assert load(v2).interactions.values.tolist() == [[7, 8]]
    again = load(v1)
    assert again.interactions.values.tolist() == [[1, 2]]
    # the same URL hits its cache file; each URL was downloaded once
    assert http_server.hits["/v1/data.csv"] == 1
    assert http_server.hits["/v2/data.csv"] == 1
    record = again.files[url_cache_name(v1)]
    assert (record["source"], record["url"]) == ("cache", v1)
    cached = sorted(p.name for p in (tmp_path / "raw" / "custom").iterdir())
    assert cached == sorted([url_cache_name(v1), url_cache_name(v2)])


def test_custom_item_names_url_with_same_file_name(
    tmp_path: Path, make_config: MakeConfig, http_server: LocalServer
) -> None:
    logs = http_server.add("/logs/data.csv", Reply(200, b"user_id,item_id\n1,10\n"))
    names = http_server.add("/names/data.csv", Reply(200, b"item_id,name\n10,Ten\n"))
    config = make_config(
        "custom",
        allow_network=True,
        sources={"custom": {"path": logs, "item_names": {"path": names}}},
    )
    raw = load_raw_interactions(config)
    assert raw.item_names is not None
    assert raw.item_names.to_dict("records") == [{"item_id": 10, "item_name": "Ten"}]
    assert raw.files[url_cache_name(logs)]["url"] == logs
    assert raw.files[url_cache_name(names)]["url"] == names


def test_custom_csv_row_with_extra_fields_refused(
    tmp_path: Path, make_config: MakeConfig
) -> None:
    # an unquoted comma inside an id: line 3 has 3 fields under a 2-field header
    path = _csv(tmp_path, "user_id,item_id\n1,2\n3,4,5\n6,7\n")
    pattern = (
        r"logs.csv: 1 line\(s\) do not have the header's 2 field\(s\) \(sep ','\), "
        r"first at line 3 \(3 fields: '3,4,5'\)"
    )
    with pytest.raises(DataError, match=pattern):
        _load(make_config, path)


def test_custom_csv_first_row_with_extra_fields_refused(
    tmp_path: Path, make_config: MakeConfig
) -> None:
    # pandas would read the extra leading field as an index: (1,2) instead
    path = _csv(tmp_path, "user_id,item_id\n1,2,3\n")
    with pytest.raises(DataError, match=r"first at line 2 \(3 fields: '1,2,3'\)"):
        _load(make_config, path)


def test_custom_csv_row_with_too_few_fields_refused(
    tmp_path: Path, make_config: MakeConfig
) -> None:
    path = _csv(tmp_path, "u,i,r\n1,1,4\n\n1,5\n")
    with pytest.raises(DataError, match=r"first at line 4 \(2 fields: '1,5'\)"):
        _load(make_config, path, columns={"user": "u", "item": "i", "rating": "r"})


def test_custom_csv_quoted_separator_accepted(
    tmp_path: Path, make_config: MakeConfig
) -> None:
    path = _csv(tmp_path, 'user_id,item_id\n1,"a,b"\n2,c\n')
    raw = _load(make_config, path)
    assert raw.interactions["item_id"].tolist() == ["a,b", "c"]


def test_custom_csv_padded_ids_warned(
    tmp_path: Path, make_config: MakeConfig, caplog: pytest.LogCaptureFixture
) -> None:
    path = _csv(tmp_path, "user_id,item_id\n1, 2\n1,2\n3,2 \n")
    with caplog.at_level(logging.WARNING, logger="icmt_pipeline.data.parsers"):
        raw = _load(make_config, path)
    # ' 2', '2' and '2 ' stay three different item ids
    assert sorted(raw.interactions["item_id"].tolist()) == [" 2", "2", "2 "]
    assert "column 'item_id': 2 id(s) have leading or trailing whitespace" in (
        caplog.text
    )
    assert "Strip the spaces" in caplog.text


def test_custom_csv_gz_that_is_not_gzip(
    tmp_path: Path, make_config: MakeConfig
) -> None:
    path = _csv(tmp_path, "user_id,item_id\n1,2\n", "logs.csv.gz")
    with pytest.raises(DataError, match=r"logs.csv.gz: cannot read the file \(Bad"):
        _load(make_config, path)


def test_custom_csv_gz_read(tmp_path: Path, make_config: MakeConfig) -> None:
    path = tmp_path / "logs.csv.gz"
    path.write_bytes(gzip.compress(b"user_id,item_id\n1,2\n3,4,5\n"))
    # the field check reads the decompressed text
    with pytest.raises(DataError, match=r"first at line 3 \(3 fields"):
        _load(make_config, path)


def test_custom_timestamps_beyond_int64(
    tmp_path: Path, make_config: MakeConfig
) -> None:
    path = _csv(tmp_path, "u,i,t\n1,1,10\n1,2,1e20\n2,2,18446744073709551615\n")
    pattern = (
        r"timestamp column 't' has 2 value\(s\) outside the int64 range, first at "
        r"line 3 \('1e20'\), line 4"
    )
    with pytest.raises(DataError, match=pattern):
        _load(make_config, path, columns={"user": "u", "item": "i", "timestamp": "t"})


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('user_id,item_id\n1,"2\n3,4\n', 2),
        ('user_id,item_id\n1,2\n"3\n4",5\n6,"7\n8,9\n', 5),
    ],
)
def test_custom_csv_unclosed_quote_names_line(
    tmp_path: Path, make_config: MakeConfig, text: str, line: int
) -> None:
    path = _csv(tmp_path, text)
    pattern = rf"logs.csv: line {line}: a quoted field opened here is never closed"
    with pytest.raises(DataError, match=pattern):
        _load(make_config, path)


def test_custom_int_ids_beyond_int64_refused(
    tmp_path: Path, make_config: MakeConfig
) -> None:
    path = _csv(tmp_path, "user_id,item_id\n1,2\n18446744073709551615,3\n")
    pattern = (
        r"'user_id' has 1 id\(s\) outside the int64 range \(id_type is 'int'\), "
        r"first at line 3 \('18446744073709551615'\)"
    )
    with pytest.raises(DataError, match=pattern):
        _load(make_config, path, id_type="int")


def test_custom_auto_ids_beyond_int64_stay_text(
    tmp_path: Path, make_config: MakeConfig
) -> None:
    path = _csv(tmp_path, "user_id,item_id\n1,2\n18446744073709551615,3\n")
    raw = _load(make_config, path)
    # too long for an int64: kept as text, never wrapped to -1
    assert sorted(raw.interactions["user_id"].tolist()) == [
        "1",
        "18446744073709551615",
    ]


def test_custom_int_ids_at_int64_limits_kept(
    tmp_path: Path, make_config: MakeConfig
) -> None:
    path = _csv(
        tmp_path, "user_id,item_id\n9223372036854775807,1\n-9223372036854775808,1\n"
    )
    raw = _load(make_config, path, id_type="int")
    assert raw.interactions["user_id"].tolist() == [-(2**63), 2**63 - 1]


def test_custom_parquet_unsigned_ids_beyond_int64_name_row(
    tmp_path: Path, make_config: MakeConfig
) -> None:
    path = tmp_path / "logs.parquet"
    table = pa.table(
        {
            "user_id": pa.array([1, 2**64 - 1], pa.uint64()),
            "item_id": pa.array([1, 2], pa.int64()),
        }
    )
    pq.write_table(table, path)
    with pytest.raises(DataError, match=r"beyond the int64 range.*first at row\(s\) 2"):
        _load(make_config, path)


@pytest.mark.parametrize("unit", ["ms", "us", "ns"])
def test_custom_parquet_subsecond_timestamps_truncated(
    tmp_path: Path,
    make_config: MakeConfig,
    caplog: pytest.LogCaptureFixture,
    unit: str,
) -> None:
    per_second = {"ms": 10**3, "us": 10**6, "ns": 10**9}[unit]
    # 100.5 s, 200 s, 300.25 s after the epoch
    ticks = [100 * per_second + per_second // 2, 200 * per_second]
    ticks.append(300 * per_second + per_second // 4)
    path = tmp_path / "logs.parquet"
    table = pa.table(
        {
            "user_id": [1, 1, 2],
            "item_id": [1, 2, 1],
            "ts": pa.array(ticks, pa.timestamp(unit)),
        }
    )
    pq.write_table(table, path)
    with caplog.at_level(logging.WARNING, logger="icmt_pipeline.data.parsers"):
        raw = _load(
            make_config,
            path,
            columns={"user": "user_id", "item": "item_id", "timestamp": "ts"},
        )
    assert raw.interactions["timestamp"].tolist() == [100, 200, 300]
    assert f"timestamp column 'ts' (timestamp[{unit}]): 2 value(s) had sub-second" in (
        caplog.text
    )
    assert "logs.parquet" in caplog.text


def test_custom_item_names_matching_no_item_refused(
    tmp_path: Path, make_config: MakeConfig
) -> None:
    path = _csv(tmp_path, "user_id,item_id\n1,10\n2,20\n")
    names = _csv(tmp_path, "item_id,name\n1,One\n2,Two\n", "names.csv")
    pattern = (
        r"Item-name file .*names.csv \(column 'item_id'\) matches none of the 2 item "
        r"id\(s\) of .*logs.csv \(column 'item_id'\): e.g. names have 1, 2, "
        r"interactions have 10, 20"
    )
    with pytest.raises(DataError, match=pattern):
        _load(make_config, path, item_names={"path": str(names)})


def test_custom_item_names_partial_match_warned(
    tmp_path: Path, make_config: MakeConfig, caplog: pytest.LogCaptureFixture
) -> None:
    path = _csv(tmp_path, "user_id,item_id\n1,10\n2,20\n3,30\n")
    names = _csv(tmp_path, "item_id,name\n10,Ten\n", "names.csv")
    with caplog.at_level(logging.WARNING, logger="icmt_pipeline.data.sources"):
        raw = _load(make_config, path, item_names={"path": str(names)})
    assert raw.item_names is not None and len(raw.item_names) == 1
    # items 20 and 30 have no name
    assert "2 of 3 item(s) of" in caplog.text and "have no name" in caplog.text


def test_custom_item_names_extra_field_refused(
    tmp_path: Path, make_config: MakeConfig
) -> None:
    path = _csv(tmp_path, "user_id,item_id\n1,10\n")
    # an unquoted comma in a title would shift it into the next column
    names = _csv(tmp_path, "item_id,name\n10,Ten, the\n", "names.csv")
    with pytest.raises(DataError, match=r"names.csv: 1 line\(s\).*line 2 \(3 fields"):
        _load(make_config, path, item_names={"path": str(names)})


def test_custom_min_rating_keeping_nothing_names_setting(
    tmp_path: Path, make_config: MakeConfig
) -> None:
    path = _csv(tmp_path, "u,i,r\n1,1,1\n1,2,3.5\n2,1,2\n")
    pattern = (
        r"data.sources.custom.min_rating is 4 and keeps none of the 3 row\(s\): "
        r"ratings range from 1 to 3.5"
    )
    with pytest.raises(DataError, match=pattern):
        _load(
            make_config,
            path,
            columns={"user": "u", "item": "i", "rating": "r"},
            min_rating=4,
        )


LOGIN_PAGE = b"<html><body><form>Please log in</form></body></html>\n"


def test_custom_url_bad_body_fetched_this_run_is_removed(
    tmp_path: Path, make_config: MakeConfig, http_server: LocalServer
) -> None:
    # a 200 answer whose body is a login page, not the CSV
    url = http_server.add("/exports/logs.csv", Reply(200, LOGIN_PAGE))
    config = make_config(
        "custom", allow_network=True, sources={"custom": {"path": url}}
    )
    cached = tmp_path / "raw" / "custom" / url_cache_name(url)
    pattern = (
        r"mapped column\(s\) 'user_id', 'item_id' not found.*the file was "
        rf"downloaded from {re.escape(url)}; the copy fetched in this run \(from "
        r"network\) was removed from .*logs.csv, so the next run fetches it again"
    )
    with pytest.raises(DataError, match=pattern):
        load_raw_interactions(config)
    assert not cached.exists()
    # the next run downloads again (and gets the real file this time)
    http_server.add("/exports/logs.csv", Reply(200, b"user_id,item_id\n1,2\n"))
    assert load_raw_interactions(config).interactions.values.tolist() == [[1, 2]]
    assert cached.exists()


def test_custom_url_bad_body_already_cached_is_kept_with_hint(
    tmp_path: Path, make_config: MakeConfig, http_server: LocalServer
) -> None:
    url = http_server.add("/exports/logs.csv", Reply(200, b"user_id,item_id\n1,2\n"))
    cached = tmp_path / "raw" / "custom" / url_cache_name(url)
    cached.parent.mkdir(parents=True)
    cached.write_bytes(LOGIN_PAGE)  # left by an earlier run
    config = make_config(
        "custom", allow_network=True, sources={"custom": {"path": url}}
    )
    pattern = (
        rf"downloaded from {re.escape(url)}; the cached copy at .*logs.csv is reused "
        r"until deleted \(delete it to fetch it again\)"
    )
    with pytest.raises(DataError, match=pattern):
        load_raw_interactions(config)
    assert cached.read_bytes() == LOGIN_PAGE
    assert http_server.hits["/exports/logs.csv"] == 0


def test_custom_url_item_names_bad_body_removed(
    tmp_path: Path, make_config: MakeConfig, http_server: LocalServer
) -> None:
    logs = _csv(tmp_path, "user_id,item_id\n1,10\n")
    names = http_server.add("/names.csv", Reply(200, LOGIN_PAGE))
    config = make_config(
        "custom",
        allow_network=True,
        sources={"custom": {"path": str(logs), "item_names": {"path": names}}},
    )
    with pytest.raises(DataError, match=r"Item-name file .*downloaded from http"):
        load_raw_interactions(config)
    assert not (tmp_path / "raw" / "custom" / url_cache_name(names)).exists()


def test_custom_local_bad_file_is_never_removed(
    tmp_path: Path, make_config: MakeConfig
) -> None:
    path = _csv(tmp_path, LOGIN_PAGE.decode())
    with pytest.raises(DataError, match=r"not found") as err:
        _load(make_config, path)
    assert "downloaded" not in str(err.value)
    assert path.exists()


def test_custom_csv_line_numbers_count_quoted_newlines(
    tmp_path: Path, make_config: MakeConfig
) -> None:
    # records start on lines 2, 4 and 7; the bad rating is on physical line 7
    text = 'u,i,r\n1,"a\nb",4\n2,"c\nd\ne",5\n3,f,bad\n'
    path = _csv(tmp_path, text)
    with pytest.raises(DataError, match=r"first at line 7 \('bad'\)"):
        _load(make_config, path, columns={"user": "u", "item": "i", "rating": "r"})


def test_custom_item_names_line_numbers_count_quoted_newlines(
    tmp_path: Path, make_config: MakeConfig
) -> None:
    path = _csv(tmp_path, "user_id,item_id\n1,10\n")
    names = _csv(tmp_path, 'item_id,name\n10,"Ten\nlines"\nx,Bad\n', "names.csv")
    with pytest.raises(DataError, match=r"not integers.*first at line 4 \('x'\)"):
        _load(make_config, path, item_names={"path": str(names)})


@pytest.mark.parametrize(
    ("data", "line", "byte"),
    [
        (b"user_id,item_id\n1,2\n3,M\xfcller\n", 3, "0xfc"),
        (b"user_\xe9d,item_id\n1,2\n", 1, "0xe9"),
    ],
)
def test_custom_csv_not_utf8_names_line(
    tmp_path: Path, make_config: MakeConfig, data: bytes, line: int, byte: str
) -> None:
    path = tmp_path / "logs.csv"
    path.write_bytes(data)
    pattern = (
        rf"logs.csv: line {line}: byte {byte} is not valid UTF-8; the file must be "
        r"UTF-8 text: convert it, e.g. iconv -f latin1 -t utf-8 logs.csv"
    )
    with pytest.raises(DataError, match=pattern):
        _load(make_config, path)


def test_custom_csv_gz_not_utf8_line_of_decompressed_text(
    tmp_path: Path, make_config: MakeConfig
) -> None:
    path = tmp_path / "logs.csv.gz"
    path.write_bytes(gzip.compress(b"user_id,item_id\n1,2\n3,4\n5,\xff\n"))
    with pytest.raises(DataError, match=r"line 4: byte 0xff is not valid UTF-8"):
        _load(make_config, path)


def test_first_bad_utf8_across_chunk_boundaries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 3-byte characters cut by 4-byte chunks are valid; the stray byte is not
    monkeypatch.setattr(parsers, "_SCAN_CHUNK", 4)
    path = tmp_path / "t.csv"
    path.write_bytes("a€\n€€b\n€\n".encode() + b"x\x80\n")
    assert parsers._first_bad_utf8(path) == (4, 0x80)
    path.write_bytes("a€\n€€b\n".encode())
    assert parsers._first_bad_utf8(path) is None
    path.write_bytes("a\n€".encode()[:-1])  # the file ends inside a character
    assert parsers._first_bad_utf8(path) == (2, 0xE2)


def test_custom_item_names_not_utf8_names_line(
    tmp_path: Path, make_config: MakeConfig
) -> None:
    path = _csv(tmp_path, "user_id,item_id\n1,10\n")
    names = tmp_path / "names.csv"
    names.write_bytes(b"item_id,name\n10,Caf\xe9\n")
    pattern = r"Item-name file .*names.csv: line 2: byte 0xe9 is not valid UTF-8"
    with pytest.raises(DataError, match=pattern):
        _load(make_config, path, item_names={"path": str(names)})


def test_custom_item_names_duplicates_warned_with_example(
    tmp_path: Path, make_config: MakeConfig, caplog: pytest.LogCaptureFixture
) -> None:
    path = _csv(tmp_path, "user_id,item_id\n1,10\n2,20\n")
    names = _csv(
        tmp_path, "item_id,name\n10,Ten\n20,Twenty\n10,Dup\n20,Again\n", "names.csv"
    )
    with caplog.at_level(logging.WARNING, logger="icmt_pipeline.data.parsers"):
        raw = _load(make_config, path, item_names={"path": str(names)})
    assert raw.item_names is not None
    assert raw.item_names["item_name"].tolist() == ["Ten", "Twenty"]
    assert (
        "names.csv: 2 repeated id(s), e.g. id 10 named 'Ten' and 'Dup'; the first "
        "name of each id is kept ('Ten')"
    ) in caplog.text


def test_custom_item_names_blank_names_count_as_missing(
    tmp_path: Path, make_config: MakeConfig, caplog: pytest.LogCaptureFixture
) -> None:
    path = _csv(tmp_path, "user_id,item_id\n1,10\n2,20\n3,30\n")
    # 10 is blank first, then named; 20 is empty; 30 is whitespace only
    names = _csv(tmp_path, 'item_id,name\n10,"  "\n10,Ten\n20,\n30," "\n', "names.csv")
    with caplog.at_level(logging.WARNING, logger="icmt_pipeline.data.sources"):
        raw = _load(make_config, path, item_names={"path": str(names)})
    assert raw.item_names is not None
    assert raw.item_names.to_dict("records") == [{"item_id": 10, "item_name": "Ten"}]
    assert "2 of 3 item(s) of" in caplog.text and "e.g. 20" in caplog.text


def test_custom_item_names_all_blank_refused(
    tmp_path: Path, make_config: MakeConfig
) -> None:
    path = _csv(tmp_path, "user_id,item_id\n1,10\n")
    names = _csv(tmp_path, "item_id,name\n10,\n10, \n", "names.csv")
    pattern = r"names.csv: column 'name' is empty or blank on all 2 row\(s\)"
    with pytest.raises(DataError, match=pattern):
        _load(make_config, path, item_names={"path": str(names)})
