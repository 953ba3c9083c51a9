"""Metrics from the saved tables: recommendation lists, test split, popularity.

The ``evaluate`` step of the pipeline computes its metrics from the
recommendation lists exactly as they were saved, so that anyone can recompute
them from the versioned files alone (``python -m icmt_pipeline.verify``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from icmt_pipeline.errors import DataError
from icmt_pipeline.evaluation.metrics import ranking_metrics
from icmt_pipeline.evaluation.sets import UserItemSets


def _index_map(frame: pd.DataFrame, id_col: str, idx_col: str) -> pd.Series:
    pairs = frame[[id_col, idx_col]].drop_duplicates()
    return pd.Series(pairs[idx_col].to_numpy(), index=pairs[id_col].to_numpy())


def lists_as_arrays(
    recommendations: pd.DataFrame, test: pd.DataFrame, popularity: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """Recommendation lists as ``(users [U'], items [U', N])`` index arrays.

    Raises:
        DataError: If a list is not ranked ``1..N`` exactly once, or names a
            user absent from the test split or an unknown item.
    """
    missing = {"user_id", "item_id", "rank"} - set(recommendations.columns)
    if missing:
        raise DataError(f"recommendations lack column(s) {sorted(missing)}")
    user_map = _index_map(test, "user_id", "user_idx")
    item_map = _index_map(popularity, "item_id", "item_idx")
    users = recommendations["user_id"].map(user_map)
    items = recommendations["item_id"].map(item_map)
    if users.isna().any():
        bad = recommendations.loc[users.isna(), "user_id"].iloc[0]
        raise DataError(
            f"recommendations name user_id {bad!r}, which has no test items"
        )
    if items.isna().any():
        bad = recommendations.loc[items.isna(), "item_id"].iloc[0]
        raise DataError(f"recommendations name item_id {bad!r}, absent from popularity")
    frame = pd.DataFrame(
        {
            "user": users.astype(np.int64),
            "item": items.astype(np.int64),
            "rank": recommendations["rank"].astype(np.int64),
        }
    ).sort_values(["user", "rank"], kind="stable")
    per_user = frame.groupby("user")["rank"]
    n = int(per_user.size().iloc[0]) if len(frame) else 0
    expected = np.tile(np.arange(1, n + 1), per_user.ngroups)
    if (per_user.size() != n).any() or not np.array_equal(
        frame["rank"].to_numpy(), expected
    ):
        raise DataError(
            "every user's list must hold ranks 1..N exactly once, same N for all"
        )
    user_ids = frame["user"].to_numpy()[::n] if n else np.empty(0, dtype=np.int64)
    return user_ids, frame["item"].to_numpy().reshape(-1, n)


def metrics_from_recommendations(
    recommendations: pd.DataFrame,
    test: pd.DataFrame,
    popularity: pd.DataFrame,
    cutoffs: Sequence[int],
) -> dict[str, float]:
    """Every metric of :func:`ranking_metrics` from the saved tables.

    Args:
        recommendations: ``user_id, item_id, rank`` (original ids).
        test: The test split (``user_id, user_idx, item_idx``).
        popularity: ``item_idx, item_id, train_count, is_head`` for every item.
        cutoffs: List lengths.
    """
    users, top = lists_as_arrays(recommendations, test, popularity)
    popularity = popularity.sort_values("item_idx")
    n_items = len(popularity)
    n_users = int(max(test["user_idx"].max(), users.max(initial=0))) + 1
    truth = UserItemSets.from_pairs(
        test["user_idx"].to_numpy(), test["item_idx"].to_numpy(), n_users, n_items
    )
    return ranking_metrics(
        top,
        users,
        truth,
        ~popularity["is_head"].to_numpy(dtype=bool),
        popularity["train_count"].to_numpy(),
        cutoffs,
    )
