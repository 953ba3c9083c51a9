"""Summaries and figures of a prepared dataset.

Figures are built on :class:`matplotlib.figure.Figure` directly (no pyplot,
no global backend state), so they work headless.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from icmt_pipeline.data.preprocess import describe


def data_report(
    interactions: pd.DataFrame,
    train: pd.DataFrame,
    valid: pd.DataFrame,
    test: pd.DataFrame,
    popularity: pd.DataFrame,
) -> dict[str, float | int]:
    """A flat, JSON-able summary of the prepared data.

    Args:
        interactions: All remapped pairs after k-core (``user_idx``,
            ``item_idx``).
        train: Training split.
        valid: Validation split.
        test: Test split.
        popularity: Output of
            :func:`~icmt_pipeline.data.preprocess.item_popularity`.

    Returns:
        ``users``, ``items``, ``pairs``, ``density``;
        ``pairs_per_user_{min,median,max}`` and ``pairs_per_item_{min,median,
        max}`` over all pairs; ``train_pairs``, ``valid_pairs``,
        ``test_pairs``; ``head_items``, ``tail_items``;
        ``head_share_of_train_pairs`` (share of training pairs on head items);
        ``items_without_train_pairs``; ``users_only_in_train`` (users with
        fewer than 3 pairs, moved wholly to train by the split rule);
        ``users_with_held_out_pairs`` (users with a validation or test pair).
    """
    stats = describe(interactions)
    per_user = interactions.groupby("user_idx").size().to_numpy()
    per_item = interactions.groupby("item_idx").size().to_numpy()
    counts = popularity["train_count"].to_numpy()
    head = popularity["is_head"].to_numpy(dtype=bool)
    held_out = pd.concat([valid["user_idx"], test["user_idx"]]).unique()
    total_train = int(counts.sum())
    report: dict[str, float | int] = {
        "users": int(stats["users"]),
        "items": int(stats["items"]),
        "pairs": int(stats["pairs"]),
        "density": float(stats["density"]),
        "pairs_per_user_min": _int_or_zero(per_user, np.min),
        "pairs_per_user_median": float(np.median(per_user)) if per_user.size else 0.0,
        "pairs_per_user_max": _int_or_zero(per_user, np.max),
        "pairs_per_item_min": _int_or_zero(per_item, np.min),
        "pairs_per_item_median": float(np.median(per_item)) if per_item.size else 0.0,
        "pairs_per_item_max": _int_or_zero(per_item, np.max),
        "train_pairs": len(train),
        "valid_pairs": len(valid),
        "test_pairs": len(test),
        "head_items": int(head.sum()),
        "tail_items": int((~head).sum()),
        "head_share_of_train_pairs": (
            float(counts[head].sum() / total_train) if total_train else 0.0
        ),
        "items_without_train_pairs": int((counts == 0).sum()),
        "users_only_in_train": int((per_user < 3).sum()),
        "users_with_held_out_pairs": int(len(held_out)),
    }
    return report


def _int_or_zero(values: np.ndarray, func: object) -> int:
    """``int(func(values))``, or 0 for an empty array."""
    return int(func(values)) if values.size else 0  # type: ignore[operator]


def plot_popularity_curve(popularity: pd.DataFrame) -> Figure:
    """Items ranked by training count, log y axis, head/tail boundary marked.

    Items with no training pair cannot be drawn on a log axis; their number is
    given in the legend.

    Args:
        popularity: Output of
            :func:`~icmt_pipeline.data.preprocess.item_popularity`.

    Returns:
        The figure (not shown, not saved).
    """
    ranked = popularity.sort_values(
        ["train_count", "item_idx"], ascending=[False, True]
    )
    counts = ranked["train_count"].to_numpy()
    head = ranked["is_head"].to_numpy(dtype=bool)
    ranks = np.arange(1, len(ranked) + 1)
    positive = counts > 0
    n_head = int(head.sum())
    n_items = len(ranked)

    fig = Figure(figsize=(7.0, 4.5), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(
        ranks[head & positive],
        counts[head & positive],
        color="tab:red",
        label=f"head: {n_head} items",
    )
    ax.plot(
        ranks[~head & positive],
        counts[~head & positive],
        color="tab:blue",
        label=f"tail: {n_items - n_head} items",
    )
    ax.axvline(
        n_head + 0.5,
        color="black",
        linestyle="--",
        linewidth=1.0,
        label=f"head/tail boundary (rank {n_head})",
    )
    zero = int((~positive).sum())
    if zero:
        ax.plot([], [], " ", label=f"{zero} items with no training pair (not drawn)")
    ax.set_yscale("log")
    ax.set_xlabel("item rank by training interactions")
    ax.set_ylabel("training interactions (log scale)")
    ax.set_title("Item popularity in the training split")
    ax.legend(loc="upper right")
    ax.grid(True, which="major", alpha=0.3)
    return fig
