"""Per-user item sets in compressed sparse row form."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np


@dataclass(frozen=True)
class UserItemSets:
    """Each user's set of items, as CSR arrays.

    Attributes:
        indptr: ``[U + 1]``; user u's items are ``indices[indptr[u]:indptr[u + 1]]``.
        indices: Item indices, sorted within each user, no repeats.
        n_items: Size of the item catalogue.
    """

    indptr: np.ndarray
    indices: np.ndarray
    n_items: int

    @classmethod
    def from_pairs(
        cls, users: np.ndarray, items: np.ndarray, n_users: int, n_items: int
    ) -> UserItemSets:
        """Build from pair arrays; repeated pairs count once."""
        users = np.asarray(users, dtype=np.int64)
        items = np.asarray(items, dtype=np.int64)
        if users.size and (users.min() < 0 or users.max() >= n_users):
            raise ValueError(f"user index out of range [0, {n_users})")
        if items.size and (items.min() < 0 or items.max() >= n_items):
            raise ValueError(f"item index out of range [0, {n_items})")
        keys = np.unique(users * n_items + items)  # sorted by user, then item
        counts = np.bincount(keys // n_items, minlength=n_users)
        indptr = np.zeros(n_users + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        return cls(indptr=indptr, indices=keys % n_items, n_items=n_items)

    @property
    def n_users(self) -> int:
        return self.indptr.size - 1

    @property
    def counts(self) -> np.ndarray:
        """Items per user ``[U]``."""
        return np.diff(self.indptr)

    @cached_property
    def keys(self) -> np.ndarray:
        """``user * n_items + item`` of every entry, sorted (computed once)."""
        return self.row_of_entries() * self.n_items + self.indices

    def row_of_entries(self) -> np.ndarray:
        """The user index of each entry of ``indices``."""
        return np.repeat(np.arange(self.n_users), self.counts)

    def entries_of(self, users: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Entries of the given users as ``(position in users, item)`` arrays."""
        users = np.asarray(users, dtype=np.int64)
        starts, stops = self.indptr[users], self.indptr[users + 1]
        lengths = stops - starts
        rows = np.repeat(np.arange(users.size), lengths)
        # Offsets of each entry within its user's run, then absolute positions.
        run_start = np.repeat(np.cumsum(lengths) - lengths, lengths)
        positions = np.repeat(starts, lengths) + (np.arange(rows.size) - run_start)
        return rows, self.indices[positions]

    def contains(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        """Whether each ``items[r, c]`` is in the set of ``users[r]``: same shape."""
        users = np.asarray(users, dtype=np.int64)
        items = np.asarray(items, dtype=np.int64)
        keys = self.keys
        query = users.reshape(-1, *([1] * (items.ndim - 1))) * self.n_items + items
        if keys.size == 0:
            return np.zeros(items.shape, dtype=bool)
        pos = np.minimum(np.searchsorted(keys, query), keys.size - 1)
        return keys[pos] == query
