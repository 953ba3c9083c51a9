"""split_counts rounding rule and split_interactions (random and temporal)."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from icmt_pipeline.data.preprocess import split_counts, split_interactions
from icmt_pipeline.errors import ConfigError, DataError

RATIOS = (0.8, 0.1, 0.1)


def _frame(sizes: dict[int, int], with_time: bool = False) -> pd.DataFrame:
    """User u gets items 0..sizes[u]-1; timestamp = 100 - item (if asked)."""
    users = np.repeat(list(sizes), list(sizes.values()))
    items = np.concatenate([np.arange(n) for n in sizes.values()])
    frame = pd.DataFrame(
        {
            "user_idx": users.astype(np.int64),
            "item_idx": items.astype(np.int64),
            "user_id": users.astype(np.int64) + 1000,
        }
    )
    if with_time:
        frame["timestamp"] = 100 - frame["item_idx"]
    return frame


def _pairs(frame: pd.DataFrame) -> set[tuple[int, int]]:
    """The (user_idx, item_idx) pairs of a frame."""
    return set(zip(frame["user_idx"], frame["item_idx"], strict=True))


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        # n=2: fewer than 3 pairs -> all to train
        (2, (2, 0, 0)),
        # n=3: test = max(1, floor(0.3 + 0.5) = 0) = 1, valid = 1, train = 1
        (3, (1, 1, 1)),
        # n=4: floor(0.4 + 0.5) = 0 -> 1 each, train = 2
        (4, (2, 1, 1)),
        # n=10: floor(1.0 + 0.5) = 1 each, train = 8
        (10, (8, 1, 1)),
        # n=15: floor(1.5 + 0.5) = 2 each, train = 11 (0.1 * 15 is 1.5000000000000002)
        (15, (11, 2, 2)),
        # n=25: floor(2.5 + 0.5) = 3 each, train = 19
        (25, (19, 3, 3)),
        # n=34: floor(3.4 + 0.5) = 3 each, train = 28
        (34, (28, 3, 3)),
    ],
)
def test_split_counts_rounding_rule(n: int, expected: tuple[int, int, int]) -> None:
    n_train, n_valid, n_test = split_counts(np.array([n]), RATIOS)
    assert (n_train[0], n_valid[0], n_test[0]) == expected


@pytest.mark.parametrize(
    ("n", "ratios", "expected"),
    [
        # ratios 0.2/0.4/0.4, n=4: test = floor(1.6 + 0.5) = 2, valid = 2, train = 0;
        # shortfall 1 comes from the larger of valid/test (equal: valid) -> 1, 1, 2
        (4, (0.2, 0.4, 0.4), (1, 1, 2)),
        # n=5: floor(2.0 + 0.5) = 2 each, train = 1: no shortfall
        (5, (0.2, 0.4, 0.4), (1, 2, 2)),
        # ratios 0.1/0.1/0.8, n=3: test = floor(2.4 + 0.5) = 2, valid = max(1, 0) = 1,
        # train = 0 -> take 1 from test (the larger) -> 1, 1, 1
        (3, (0.1, 0.1, 0.8), (1, 1, 1)),
        # n=4: test = floor(3.2 + 0.5) = 3, valid = 1, train = 0 -> test 2 -> 1, 1, 2
        (4, (0.1, 0.1, 0.8), (1, 1, 2)),
    ],
)
def test_split_counts_shortfall_taken_from_larger(
    n: int, ratios: tuple[float, float, float], expected: tuple[int, int, int]
) -> None:
    n_train, n_valid, n_test = split_counts(np.array([n]), ratios)
    assert (n_train[0], n_valid[0], n_test[0]) == expected


def test_split_interactions_sizes_disjoint_and_complete() -> None:
    sizes = {0: 10, 1: 15, 2: 3, 3: 25, 4: 4}
    frame = _frame(sizes)
    train, valid, test = split_interactions(frame, RATIOS, seed=7)
    # per-user sizes from the rounding rule (see test_split_counts_rounding_rule)
    expected = {0: (8, 1, 1), 1: (11, 2, 2), 2: (1, 1, 1), 3: (19, 3, 3), 4: (2, 1, 1)}
    for user, (n_train, n_valid, n_test) in expected.items():
        assert (train["user_idx"] == user).sum() == n_train
        assert (valid["user_idx"] == user).sum() == n_valid
        assert (test["user_idx"] == user).sum() == n_test
    assert not _pairs(train) & _pairs(valid)
    assert not _pairs(train) & _pairs(test)
    assert not _pairs(valid) & _pairs(test)
    assert _pairs(train) | _pairs(valid) | _pairs(test) == _pairs(frame)
    assert set(train["user_idx"]) == set(sizes)  # no user lost
    # all columns kept, each output sorted by (user_idx, item_idx)
    for part in (train, valid, test):
        assert list(part.columns) == ["user_idx", "item_idx", "user_id"]
        assert part.equals(
            part.sort_values(["user_idx", "item_idx"], ignore_index=True)
        )


def test_split_interactions_repeatable_and_order_independent() -> None:
    frame = _frame({0: 30, 1: 40, 2: 50})
    first = split_interactions(frame, RATIOS, seed=1)
    again = split_interactions(frame.sample(frac=1.0, random_state=5), RATIOS, seed=1)
    for a, b in zip(first, again, strict=True):
        pd.testing.assert_frame_equal(a, b)
    other = split_interactions(frame, RATIOS, seed=2)
    assert _pairs(other[2]) != _pairs(first[2])


def test_split_interactions_small_users_go_to_train(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # users 1 and 2 have 2 and 1 pairs: 3 pairs in all go wholly to train
    frame = _frame({0: 10, 1: 2, 2: 1})
    with caplog.at_level(logging.WARNING):
        train, valid, test = split_interactions(frame, RATIOS, seed=0)
    assert (train["user_idx"] == 1).sum() == 2
    assert (train["user_idx"] == 2).sum() == 1
    assert not set(valid["user_idx"]) & {1, 2}
    assert not set(test["user_idx"]) & {1, 2}
    assert "2 user(s) have fewer than 3 pairs; all of their 3 pair(s) go to train" in (
        caplog.text
    )


def test_split_interactions_temporal_latest_to_test() -> None:
    # user 0: items 0..9 with timestamp 100 - item, so item 0 is the latest;
    # n=10 -> 1 test (latest: item 0), 1 valid (next: item 1), 8 train
    frame = _frame({0: 10, 1: 3}, with_time=True)
    train, valid, test = split_interactions(frame, RATIOS, seed=0, method="temporal")
    assert _pairs(test) == {(0, 0), (1, 0)}
    assert _pairs(valid) == {(0, 1), (1, 1)}
    assert _pairs(train) == {(0, i) for i in range(2, 10)} | {(1, 2)}


def test_split_interactions_temporal_ties_broken_by_item_idx() -> None:
    # 3 pairs with the same time: order by item_idx 0, 1, 2; the last (2) is test,
    # the one before (1) is valid
    frame = pd.DataFrame(
        {"user_idx": [0, 0, 0], "item_idx": [2, 0, 1], "timestamp": [5, 5, 5]}
    )
    train, valid, test = split_interactions(frame, RATIOS, seed=0, method="temporal")
    assert (train["item_idx"].tolist(), valid["item_idx"].tolist()) == ([0], [1])
    assert test["item_idx"].tolist() == [2]


def test_split_interactions_temporal_needs_timestamp() -> None:
    with pytest.raises(ConfigError, match=r"'temporal' needs a 'timestamp' column"):
        split_interactions(_frame({0: 5}), RATIOS, seed=0, method="temporal")


def test_split_interactions_rejects_bad_inputs() -> None:
    with pytest.raises(ConfigError, match=r"Unknown split method 'time'"):
        split_interactions(_frame({0: 5}), RATIOS, seed=0, method="time")
    with pytest.raises(ConfigError, match=r"summing to 1, got \(0.8, 0.1, 0.2\)"):
        split_interactions(_frame({0: 5}), (0.8, 0.1, 0.2), seed=0)
    with pytest.raises(DataError, match=r"missing \['user_idx'\]. Call remap_ids"):
        split_interactions(_frame({0: 5}).drop(columns="user_idx"), RATIOS, seed=0)
    doubled = pd.concat([_frame({0: 5}), _frame({0: 1})])
    with pytest.raises(DataError, match=r"repeated \(user_idx, item_idx\) pairs"):
        split_interactions(doubled, RATIOS, seed=0)


def test_split_interactions_does_not_modify_input() -> None:
    frame = _frame({0: 12, 1: 7}).sample(frac=1.0, random_state=1)
    before = frame.copy()
    split_interactions(frame, RATIOS, seed=3)
    pd.testing.assert_frame_equal(frame, before)
