"""Negative sampling never returns a user's training positive."""

import numpy as np
import pytest

from icmt_pipeline.errors import DataError
from icmt_pipeline.training.sampler import NegativeSampler


def test_sampler_never_returns_positives():
    rng = np.random.default_rng(0)
    users = rng.integers(0, 50, 2000)
    items = rng.integers(0, 40, 2000)
    sampler = NegativeSampler(users, items, 40, np.random.default_rng(1))
    owners = np.repeat(np.arange(50), 20)
    negatives = sampler.sample(np.arange(50), n_negatives=20)
    positives = set(zip(users.tolist(), items.tolist(), strict=True))
    assert negatives.shape == (1000,)
    assert not any((u, i) in positives for u, i in zip(owners, negatives, strict=True))


def test_user_with_one_free_item_always_gets_it():
    # User 0 has items 0..3 of 5: the only negative is item 4.
    sampler = NegativeSampler(
        np.zeros(4, int), np.arange(4), 5, np.random.default_rng(0)
    )
    assert sampler.sample(np.zeros(100, int)).tolist() == [4] * 100


def test_user_with_every_item_is_an_error():
    with pytest.raises(DataError, match="every one of the 3 items"):
        NegativeSampler(np.zeros(3, int), np.arange(3), 3, np.random.default_rng(0))


def test_same_seed_same_negatives():
    args = (np.array([0, 1]), np.array([0, 1]), 100)
    a = NegativeSampler(*args, np.random.default_rng(5)).sample(np.array([0, 1] * 10))
    b = NegativeSampler(*args, np.random.default_rng(5)).sample(np.array([0, 1] * 10))
    assert a.tolist() == b.tolist()
