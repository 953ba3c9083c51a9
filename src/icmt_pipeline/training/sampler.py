"""Uniform negative sampling over the items a user has not interacted with."""

from __future__ import annotations

import logging

import numpy as np

from icmt_pipeline.errors import DataError
from icmt_pipeline.evaluation.sets import UserItemSets

logger = logging.getLogger(__name__)


class NegativeSampler:
    """Draws, for each user, items that are not among its training positives.

    All users' positives are kept as :class:`UserItemSets` (one sorted array
    of keys ``user * n_items + item``); a draw is checked with one vectorised
    binary search and only the rejected draws are drawn again, so the cost per
    batch is a few numpy calls whatever the batch size.

    Args:
        users: User index of each training pair ``[P]``.
        items: Item index of each training pair ``[P]``.
        n_items: Size of the item catalogue.
        rng: The generator all draws come from (seed it for repeatable runs).
        max_rounds: Redraw rounds before giving up (a user with almost every
            item as a positive could otherwise loop for a long time).
        n_users: Users of the index space (default: the largest in ``users``
            plus one); :attr:`positives` covers them all.

    Raises:
        DataError: If some user's positives cover every item, so no negative
            exists for them.
    """

    def __init__(
        self,
        users: np.ndarray,
        items: np.ndarray,
        n_items: int,
        rng: np.random.Generator,
        max_rounds: int = 1000,
        n_users: int | None = None,
    ) -> None:
        users = np.asarray(users, dtype=np.int64)
        self.n_items = int(n_items)
        self.rng = rng
        self.max_rounds = max_rounds
        if n_users is None:
            n_users = int(users.max()) + 1 if users.size else 0
        self.positives = UserItemSets.from_pairs(users, items, n_users, self.n_items)
        full = np.flatnonzero(self.positives.counts >= self.n_items)
        if full.size:
            raise DataError(
                f"{full.size} user(s) (first: user_idx {int(full[0])}) have every one "
                f"of the {self.n_items} items as a training positive; no negative "
                "item can be sampled for them"
            )

    def is_positive(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        """Whether each ``(user, item)`` is a training positive: ``[n] bool``."""
        return self.positives.contains(users, items)

    def sample(self, users: np.ndarray, n_negatives: int = 1) -> np.ndarray:
        """Negatives for each user, ``n_negatives`` per user.

        Args:
            users: User indices ``[B]``.
            n_negatives: Negatives per user.

        Returns:
            Item indices ``[B * n_negatives]``, laid out as
            ``np.repeat(users, n_negatives)``; none is a training positive of
            its user.
        """
        owners = np.repeat(np.asarray(users, dtype=np.int64), n_negatives)
        items = self.rng.integers(0, self.n_items, size=owners.size, dtype=np.int64)
        redo = np.flatnonzero(self.is_positive(owners, items))
        rounds = 0
        while redo.size:
            rounds += 1
            if rounds > self.max_rounds:
                raise RuntimeError(
                    f"Negative sampling still had {redo.size} positives after "
                    f"{self.max_rounds} redraw rounds"
                )
            items[redo] = self.rng.integers(0, self.n_items, size=redo.size)
            redo = redo[self.is_positive(owners[redo], items[redo])]
        return items
