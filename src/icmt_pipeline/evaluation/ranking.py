"""Full ranking: every item scored for every user, seen items masked."""

from __future__ import annotations

import logging

import numpy as np
import torch

from icmt_pipeline.evaluation.sets import UserItemSets
from icmt_pipeline.models.base import Recommender

logger = logging.getLogger(__name__)


@torch.no_grad()
def rank_top_n(
    model: Recommender,
    users: np.ndarray,
    exclude: UserItemSets,
    n: int,
    batch_size: int = 1024,
) -> tuple[np.ndarray, np.ndarray]:
    """Top-``n`` items per user over the whole catalogue.

    Representations are computed once (one LightGCN propagation per call, not
    per user batch); users are then scored in batches of ``batch_size``, so
    memory stays ``O(batch_size x n_items)`` and no users x items matrix is
    ever held.

    Args:
        model: A base recommender; put in eval mode for the call.
        users: User indices to rank for ``[U']``.
        exclude: Items never to recommend per user (training, and validation
            items when testing).
        n: List length.
        batch_size: Users scored at once.

    Returns:
        ``(items [U', n] int64, scores [U', n] float32)``, best first.

    Raises:
        ValueError: If some user has fewer than ``n`` items left to rank.
    """
    users = np.asarray(users, dtype=np.int64)
    n_items = exclude.n_items
    if users.size:
        left = n_items - exclude.counts[users]
        if left.min() < n:
            worst = int(users[np.argmin(left)])
            raise ValueError(
                f"user_idx {worst} has only {int(left.min())} unseen items, fewer "
                f"than the list length n={n}"
            )
    was_training = model.training
    model.eval()
    try:
        user_repr, item_repr = model.encode()  # [U, d], [I, d]
        top_items = np.empty((users.size, n), dtype=np.int64)
        top_scores = np.empty((users.size, n), dtype=np.float32)
        for start in range(0, users.size, batch_size):
            batch = users[start : start + batch_size]
            scores = model.score_all(user_repr[torch.from_numpy(batch)], item_repr)
            rows, cols = exclude.entries_of(batch)
            scores[torch.from_numpy(rows), torch.from_numpy(cols)] = -torch.inf
            values, indices = torch.topk(scores, n, dim=1)  # [b, n], sorted
            top_items[start : start + batch.size] = indices.numpy()
            top_scores[start : start + batch.size] = values.numpy()
    finally:
        model.train(was_training)
    return top_items, top_scores
