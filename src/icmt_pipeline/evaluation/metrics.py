"""Top-N accuracy and long-tail metrics from one hit matrix (METHOD.md 7).

With ``R_u`` the user's top-N list, ``T_u`` the user's test items and ``Tail``
the tail item set:

- ``recall@N  = |R_u & T_u| / |T_u|``
- ``ndcg@N    = DCG / IDCG``, ``DCG = sum_{r <= N} hit_r / log2(r + 1)``,
  ``IDCG`` the same for ``min(N, |T_u|)`` hits
- ``recall_tail@N``, ``ndcg_tail@N``: the same with ``T_u & Tail`` in place of
  ``T_u`` (only tail hits count), averaged over users with at least one tail
  test item; ``recall_head@N``, ``ndcg_head@N`` likewise for head items
- ``coverage@N = |union_u R_u| / |I|``
- ``apt@N      = mean_u |R_u & Tail| / N`` (average percentage of tail items)
- ``gini@N``: Gini coefficient of how often each item is recommended
- ``avg_pop@N``: mean training count of the recommended items

Recall/NDCG/APT average over users with at least one test item; users with
none are skipped and the counts of users behind each average are reported
(``users``, ``users_tail``, ``users_head``), never silently folded in.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from icmt_pipeline.evaluation.sets import UserItemSets


def _discounts(n: int) -> np.ndarray:
    """``1 / log2(r + 1)`` for ranks ``r = 1..n``."""
    return 1.0 / np.log2(np.arange(2, n + 2))


def _recall_ndcg(
    hits: np.ndarray, n_relevant: np.ndarray, cutoff: int
) -> tuple[float, float, int]:
    """Mean recall and NDCG at ``cutoff`` over rows with ``n_relevant > 0``."""
    keep = n_relevant > 0
    if not keep.any():
        return float("nan"), float("nan"), 0
    h = hits[keep, :cutoff].astype(np.float64)  # [U', N]
    rel = n_relevant[keep]
    disc = _discounts(cutoff)
    recall = h.sum(axis=1) / rel
    ideal = np.cumsum(disc)[np.minimum(rel, cutoff) - 1]
    ndcg = (h @ disc) / ideal
    return float(recall.mean()), float(ndcg.mean()), int(keep.sum())


def gini(counts: np.ndarray) -> float:
    """Gini coefficient of non-negative counts (0 = equal, -> 1 = concentrated)."""
    x = np.sort(np.asarray(counts, dtype=np.float64))
    n, total = x.size, x.sum()
    if n == 0 or total == 0:
        return 0.0
    ranks = np.arange(1, n + 1)
    return float((2.0 * (ranks * x).sum()) / (n * total) - (n + 1.0) / n)


def ranking_metrics(
    top_items: np.ndarray,
    users: np.ndarray,
    truth: UserItemSets,
    is_tail: np.ndarray,
    item_counts: np.ndarray,
    cutoffs: Sequence[int] = (10, 20),
) -> dict[str, float]:
    """All metrics at every cut-off from one hit matrix.

    Args:
        top_items: ``[U', N]`` item indices, best first, ``N >= max(cutoffs)``.
        users: ``[U']`` user index of each row.
        truth: Test items per user.
        is_tail: ``[I]`` bool, True for tail items.
        item_counts: ``[I]`` training interactions per item (for ``avg_pop``).
        cutoffs: List lengths to evaluate.

    Returns:
        Flat dict: ``recall@10``, ``ndcg_tail@20``, ... plus ``users``,
        ``users_tail`` and ``users_head``.
    """
    top_items = np.asarray(top_items, dtype=np.int64)
    users = np.asarray(users, dtype=np.int64)
    is_tail = np.asarray(is_tail, dtype=bool)
    if top_items.ndim != 2 or top_items.shape[0] != users.size:
        raise ValueError(
            f"top_items must be [len(users), N], got {top_items.shape} for "
            f"{users.size} users"
        )
    if max(cutoffs) > top_items.shape[1]:
        raise ValueError(
            f"cut-off {max(cutoffs)} exceeds the list length {top_items.shape[1]}"
        )
    n_items = truth.n_items
    hits = truth.contains(users, top_items)  # [U', N]
    rec_tail = is_tail[top_items]  # [U', N]
    tail_hits, head_hits = hits & rec_tail, hits & ~rec_tail
    entry_users = truth.row_of_entries()
    n_test = truth.counts[users]
    tail_per_user = np.bincount(
        entry_users, weights=is_tail[truth.indices], minlength=truth.n_users
    ).astype(np.int64)
    n_tail = tail_per_user[users]
    n_head = n_test - n_tail
    evaluated = n_test > 0

    out: dict[str, float] = {}
    for n in sorted(cutoffs):
        out[f"recall@{n}"], out[f"ndcg@{n}"], n_users = _recall_ndcg(hits, n_test, n)
        out[f"recall_tail@{n}"], out[f"ndcg_tail@{n}"], n_users_tail = _recall_ndcg(
            tail_hits, n_tail, n
        )
        out[f"recall_head@{n}"], out[f"ndcg_head@{n}"], n_users_head = _recall_ndcg(
            head_hits, n_head, n
        )
        lists = top_items[evaluated, :n]
        rec_counts = np.bincount(lists.ravel(), minlength=n_items)
        out[f"coverage@{n}"] = float((rec_counts > 0).sum() / n_items)
        out[f"apt@{n}"] = float(rec_tail[evaluated, :n].mean(axis=1).mean())
        out[f"gini@{n}"] = gini(rec_counts)
        out[f"avg_pop@{n}"] = float(np.asarray(item_counts)[lists].mean())
    out["users"] = float(n_users)
    out["users_tail"] = float(n_users_tail)
    out["users_head"] = float(n_users_head)
    return out
