"""item_popularity head/tail labels, data_report and the popularity figure."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from icmt_pipeline.data.preprocess import item_popularity
from icmt_pipeline.data.report import data_report, plot_popularity_curve
from icmt_pipeline.errors import ConfigError, DataError


def _items(n: int) -> pd.DataFrame:
    """An item map with ids 'a', 'b', ... for item_idx 0..n-1."""
    return pd.DataFrame(
        {"item_idx": np.arange(n), "item_id": [chr(ord("a") + i) for i in range(n)]}
    )


def _train(counts: list[int]) -> pd.DataFrame:
    """Training pairs giving item i exactly counts[i] pairs (users 0, 1, ...)."""
    items = np.repeat(np.arange(len(counts)), counts)
    users = np.concatenate([np.arange(c) for c in counts]) if counts else []
    return pd.DataFrame({"user_idx": users, "item_idx": items}).astype(np.int64)


# counts per item_idx 0..9; items 1, 2, 3 tie at 5
COUNTS = [3, 5, 5, 5, 0, 1, 1, 2, 0, 4]


def test_item_popularity_head_with_ties() -> None:
    # n_head = max(1, floor(0.2 * 10 + 0.5)) = floor(2.5) = 2;
    # the most pairs: items 1, 2, 3 (5 each) -> ties to the smaller idx: 1, 2
    pop = item_popularity(_train(COUNTS), 10, 0.2, _items(10))
    assert pop["train_count"].tolist() == COUNTS
    assert pop["train_count"].dtype == np.int64
    assert pop.loc[pop["is_head"], "item_idx"].tolist() == [1, 2]
    assert pop["item_id"].tolist()[:3] == ["a", "b", "c"]
    assert list(pop.columns) == ["item_idx", "item_id", "train_count", "is_head"]


def test_item_popularity_rounding_of_head_size() -> None:
    # head_share 0.25: floor(2.5 + 0.5) = 3 -> items 1, 2, 3
    pop = item_popularity(_train(COUNTS), 10, 0.25, _items(10))
    assert pop.loc[pop["is_head"], "item_idx"].tolist() == [1, 2, 3]
    # head_share 0.01: floor(0.1 + 0.5) = 0 -> at least 1 -> item 1
    pop = item_popularity(_train(COUNTS), 10, 0.01, _items(10))
    assert pop.loc[pop["is_head"], "item_idx"].tolist() == [1]


def test_item_popularity_counts_items_missing_from_train() -> None:
    # items 4 and 8 have no training pair but are listed with count 0
    pop = item_popularity(_train(COUNTS), 10, 0.2, _items(10))
    assert pop.loc[[4, 8], "train_count"].tolist() == [0, 0]
    assert not pop.loc[[4, 8], "is_head"].any()


def test_item_popularity_rejects_bad_inputs() -> None:
    with pytest.raises(ConfigError, match=r"head_share must be in \(0, 1\), got 1.0"):
        item_popularity(_train(COUNTS), 10, 1.0, _items(10))
    with pytest.raises(DataError, match=r"each item_idx 0..10 exactly once; got 10"):
        item_popularity(_train(COUNTS), 11, 0.2, _items(10))
    with pytest.raises(DataError, match=r"item_idx outside 0..2"):
        item_popularity(_train(COUNTS), 3, 0.2, _items(3))


@pytest.mark.parametrize(
    ("n_items", "head_share", "n_head"),
    [(6, 0.99, 6), (6, 0.95, 6), (2, 0.75, 2), (1, 0.2, 1)],
)
def test_item_popularity_no_tail_names_head_share(
    n_items: int, head_share: float, n_head: int
) -> None:
    # floor(0.99 * 6 + 0.5) = 6 and floor(0.95 * 6 + 0.5) = 6: every item is head
    counts = list(range(n_items, 0, -1))
    pattern = (
        rf"data.head_share={head_share:g} on {n_items} item\(s\) gives {n_head} "
        r"head item\(s\).*and no tail item"
    )
    with pytest.raises(DataError, match=pattern):
        item_popularity(_train(counts), n_items, head_share, _items(n_items))


def test_item_popularity_largest_head_share_with_a_tail() -> None:
    # 6 items: head_share below (6 - 0.5) / 6 = 0.9167 leaves one tail item
    pop = item_popularity(_train([6, 5, 4, 3, 2, 1]), 6, 0.9, _items(6))
    assert (int(pop["is_head"].sum()), int((~pop["is_head"]).sum())) == (5, 1)
    with pytest.raises(DataError, match=r"lower data.head_share below 0.9167"):
        item_popularity(_train([6, 5, 4, 3, 2, 1]), 6, 0.92, _items(6))


def _toy_splits() -> tuple[pd.DataFrame, ...]:
    """5 users: 0 has 3 pairs (1 train, 1 valid, 1 test), 1..3 have 2 or 1.

    all pairs: u0 {0,1,2}, u1 {0,1}, u2 {0}, u3 {0, 2}, u4 {1}
    train:     u0 {0},     u1 {0,1}, u2 {0}, u3 {0, 2}, u4 {1}
    valid: u0 {1}; test: u0 {2}
    """
    users = [0, 0, 0, 1, 1, 2, 3, 3, 4]
    items = [0, 1, 2, 0, 1, 0, 0, 2, 1]
    all_pairs = pd.DataFrame({"user_idx": users, "item_idx": items})
    valid = all_pairs.iloc[[1]]
    test = all_pairs.iloc[[2]]
    train = all_pairs.drop(index=[1, 2])
    return all_pairs, train, valid, test


def test_data_report_values() -> None:
    all_pairs, train, valid, test = _toy_splits()
    # training counts: item 0 -> u0, u1, u2, u3 = 4; item 1 -> u1, u4 = 2;
    # item 2 -> u3 = 1. head: max(1, floor(0.2 * 3 + 0.5)) = 1 -> item 0
    pop = item_popularity(train, 3, 0.2, _items(3))
    report = data_report(all_pairs, train, valid, test, pop)
    assert report == {
        "users": 5,
        "items": 3,
        "pairs": 9,
        "density": pytest.approx(9 / 15),
        # pairs per user: 3, 2, 1, 2, 1 -> min 1, median 2, max 3
        "pairs_per_user_min": 1,
        "pairs_per_user_median": 2.0,
        "pairs_per_user_max": 3,
        # pairs per item: item 0 -> 4, item 1 -> 3, item 2 -> 2
        "pairs_per_item_min": 2,
        "pairs_per_item_median": 3.0,
        "pairs_per_item_max": 4,
        "train_pairs": 7,
        "valid_pairs": 1,
        "test_pairs": 1,
        "head_items": 1,
        "tail_items": 2,
        # 4 of 7 training pairs are on item 0
        "head_share_of_train_pairs": pytest.approx(4 / 7),
        "items_without_train_pairs": 0,
        # users 1, 2, 3, 4 have fewer than 3 pairs
        "users_only_in_train": 4,
        "users_with_held_out_pairs": 1,
    }
    assert json.loads(json.dumps(report))["pairs"] == 9


def test_plot_popularity_curve_figure() -> None:
    pop = item_popularity(_train(COUNTS), 10, 0.2, _items(10))
    fig = plot_popularity_curve(pop)
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    assert ax.get_yscale() == "log"
    assert ax.get_xlabel() == "item rank by training interactions"
    assert "log" in ax.get_ylabel()
    assert ax.get_title() == "Item popularity in the training split"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    # 2 head items, 8 tail items, boundary after rank 2, 2 items with 0 pairs
    assert labels == [
        "head: 2 items",
        "tail: 8 items",
        "head/tail boundary (rank 2)",
        "2 items with no training pair (not drawn)",
    ]
    boundary = ax.lines[2]
    assert list(boundary.get_xdata()) == [2.5, 2.5]
    # the head curve holds ranks 1, 2 with counts 5, 5
    assert list(ax.lines[0].get_ydata()) == [5, 5]
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")  # renders headless, no pyplot
    assert buffer.getvalue().startswith(b"\x89PNG")
