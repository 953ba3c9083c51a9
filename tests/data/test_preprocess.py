"""Binarising, duplicate collapse, k-core, id remapping and describe."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from icmt_pipeline.data.preprocess import (
    binarize,
    collapse_duplicates,
    describe,
    item_map,
    k_core_filter,
    log_describe,
    remap_ids,
    user_map,
)
from icmt_pipeline.errors import ConfigError, DataError


def _pairs(rows: list[tuple[object, object]]) -> pd.DataFrame:
    """A user_id/item_id frame from (user, item) tuples."""
    return pd.DataFrame(rows, columns=["user_id", "item_id"])


def _as_set(df: pd.DataFrame) -> set[tuple[object, object]]:
    """The (user_id, item_id) pairs of a frame."""
    return set(zip(df["user_id"], df["item_id"], strict=True))


# A 2-core that needs four passes.
# Start: users u1{i1,i2} u2{i1,i2} u3{i2,i3} u4{i3};
#        items i1{u1,u2}=2 i2{u1,u2,u3}=3 i3{u3,u4}=2.
# Pass 1: u4 has 1 pair -> drop (u4,i3).        i3 now has 1 pair.
# Pass 2: i3 has 1 pair -> drop (u3,i3).        u3 now has 1 pair.
# Pass 3: u3 has 1 pair -> drop (u3,i2).        i2 now has 2 pairs.
# Pass 4: everyone has >= 2 -> nothing dropped, fixed point.
CHAIN = _pairs(
    [
        ("u1", "i1"),
        ("u1", "i2"),
        ("u2", "i1"),
        ("u2", "i2"),
        ("u3", "i2"),
        ("u3", "i3"),
        ("u4", "i3"),
    ]
)


def test_k_core_filter_iterates_to_fixed_point(
    caplog: pytest.LogCaptureFixture,
) -> None:
    before = CHAIN.copy()
    with caplog.at_level(logging.DEBUG, logger="icmt_pipeline.data.preprocess"):
        out = k_core_filter(CHAIN, 2)
    assert _as_set(out) == {("u1", "i1"), ("u1", "i2"), ("u2", "i1"), ("u2", "i2")}
    pass_lines = [r.getMessage() for r in caplog.records if "k-core pass" in r.message]
    assert pass_lines == [
        "k-core pass 1 (k=2): dropped 1 rows",
        "k-core pass 2 (k=2): dropped 1 rows",
        "k-core pass 3 (k=2): dropped 1 rows",
        "k-core pass 4 (k=2): dropped 0 rows",
    ]
    assert "2-core after 4 pass(es): 4 of 7 rows kept (2 users, 2 items)" in caplog.text
    pd.testing.assert_frame_equal(CHAIN, before)  # input untouched


def test_k_core_filter_k1_keeps_everything() -> None:
    assert len(k_core_filter(CHAIN, 1)) == 7


def test_k_core_filter_empties_data_names_k() -> None:
    # k=3: only i2 has 3 pairs, no user has 3 -> pass 1 drops all 7 rows
    pattern = r"k_core=3 leaves 0 user\(s\), 0 item\(s\).*Lower data.sources.x.k_core"
    with pytest.raises(DataError, match=pattern):
        k_core_filter(CHAIN, 3, "data.sources.x.k_core")


def test_k_core_filter_k1_too_little_data_blames_data_not_k() -> None:
    # k=1 drops nothing, but one user (u1 with i1, i2) is too few to split;
    # k is at its minimum, so the message must not advise lowering it
    single = _pairs([("u1", "i1"), ("u1", "i2")])
    pattern = (
        r"The data has only 1 user\(s\), 2 item\(s\) and 2 pair\(s\) before any "
        r"k-core filtering \(data.sources.ml-1m.k_core is 1, its minimum"
    )
    with pytest.raises(DataError, match=pattern) as err:
        k_core_filter(single, 1, "data.sources.ml-1m.k_core")
    assert "Lower" not in str(err.value)


def test_k_core_filter_rejects_k_below_one() -> None:
    with pytest.raises(ConfigError, match=r"k_core must be >= 1, got 0"):
        k_core_filter(CHAIN, 0)


def test_remap_ids_sorted_and_independent_of_row_order() -> None:
    frame = _pairs([("u10", "b"), ("u2", "a"), ("u10", "c"), ("u1", "a")])
    out = remap_ids(frame)
    # sorted user ids (text): u1 < u10 < u2 -> 0, 1, 2; items a, b, c -> 0, 1, 2
    assert out["user_idx"].tolist() == [1, 2, 1, 0]
    assert out["item_idx"].tolist() == [1, 0, 2, 0]
    assert out["user_idx"].dtype == np.int64
    assert "user_idx" not in frame.columns  # input untouched
    shuffled = remap_ids(frame.sample(frac=1.0, random_state=3))
    pd.testing.assert_frame_equal(user_map(out), user_map(shuffled))
    pd.testing.assert_frame_equal(item_map(out), item_map(shuffled))


def test_remap_ids_integer_ids_sorted_numerically() -> None:
    out = remap_ids(_pairs([(10, 5), (9, 50), (100, 5)]))
    # 9 < 10 < 100 numerically -> 0, 1, 2 (as text "10" < "100" < "9" would differ)
    assert out["user_idx"].tolist() == [1, 0, 2]
    assert item_map(out)["item_id"].tolist() == [5, 50]


def test_collapse_duplicates_keeps_earliest_time_and_max_rating(
    caplog: pytest.LogCaptureFixture,
) -> None:
    frame = pd.DataFrame(
        {
            "user_id": [1, 1, 2, 1],
            "item_id": [10, 10, 10, 10],
            "rating": [3.0, 5.0, 1.0, 4.0],
            "timestamp": [50, 40, 70, 60],
        }
    )
    with caplog.at_level(logging.WARNING):
        out = collapse_duplicates(frame, origin="toy")
    # (1,10) appears 3 times -> 2 duplicate rows collapsed;
    # rating max(3,5,4) = 5, timestamp min(50,40,60) = 40
    assert out.to_dict("records") == [
        {"user_id": 1, "item_id": 10, "rating": 5.0, "timestamp": 40},
        {"user_id": 2, "item_id": 10, "rating": 1.0, "timestamp": 70},
    ]
    assert "toy: collapsed 2 duplicate (user, item) row(s); 2 pairs" in caplog.text
    assert len(frame) == 4


def test_collapse_duplicates_without_extra_columns() -> None:
    out = collapse_duplicates(_pairs([("b", "x"), ("a", "x"), ("b", "x")]))
    assert out.values.tolist() == [["a", "x"], ["b", "x"]]


def test_binarize_keeps_ratings_at_or_above_threshold() -> None:
    frame = pd.DataFrame(
        {"user_id": [1, 1, 2], "item_id": [1, 2, 1], "rating": [4.0, 3.5, 5.0]}
    )
    assert binarize(frame, 4.0)["rating"].tolist() == [4.0, 5.0]
    assert len(binarize(frame, None)) == 3


def test_binarize_without_rating_column() -> None:
    with pytest.raises(DataError, match=r"min_rating is 4.0 but.*no 'rating' column"):
        binarize(CHAIN, 4.0)


def test_describe_counts_and_density(caplog: pytest.LogCaptureFixture) -> None:
    # 4 users, 3 items, 7 pairs -> density 7 / 12
    stats = describe(CHAIN)
    assert stats == {
        "users": 4,
        "items": 3,
        "pairs": 7,
        "density": pytest.approx(7 / 12),
        "rows": 7,
    }
    with caplog.at_level(logging.INFO):
        log_describe(CHAIN, "raw")
    assert "raw: 4 users, 3 items, 7 pairs, density 0.583333" in caplog.text
    assert describe(CHAIN.iloc[:0])["density"] == 0.0


def test_binarize_keeping_no_row_names_setting_and_range() -> None:
    frame = pd.DataFrame(
        {"user_id": [1, 1, 2], "item_id": [1, 2, 1], "rating": [1.0, 3.5, 2.0]}
    )
    pattern = (
        r"data.sources.custom.min_rating is 4 and keeps none of the 3 row\(s\): "
        r"ratings range from 1 to 3.5; lower data.sources.custom.min_rating"
    )
    with pytest.raises(DataError, match=pattern):
        binarize(frame, 4.0, "data.sources.custom.min_rating")


def test_describe_density_counts_distinct_pairs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # 1 user, 1 item, the same pair twice: 1 distinct pair, density 1 (not 2)
    twice = _pairs([("u1", "i1"), ("u1", "i1")])
    stats = describe(twice)
    assert (stats["pairs"], stats["rows"], stats["density"]) == (1, 2, 1.0)
    with caplog.at_level(logging.INFO, logger="icmt_pipeline.data.preprocess"):
        log_describe(twice, "toy raw")
    assert (
        "toy raw: 1 users, 1 items, 1 pairs, density 1.000000 (distinct pairs; 2 "
        "rows, 1 repeating a pair)"
    ) in caplog.text
