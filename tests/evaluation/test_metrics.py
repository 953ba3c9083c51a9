"""Metrics on a three-user example worked by hand, and against the reference."""

import math

import numpy as np
import pytest
import torch

from icmt_pipeline.evaluation.metrics import gini, ranking_metrics
from icmt_pipeline.evaluation.ranking import rank_top_n
from icmt_pipeline.evaluation.reference import metrics_reference
from icmt_pipeline.evaluation.sets import UserItemSets
from icmt_pipeline.models import MF

# Six items; head = {0, 1}, tail = {2, 3, 4, 5}.
IS_TAIL = np.array([False, False, True, True, True, True])
TRAIN_COUNTS = np.array([50, 40, 10, 5, 3, 1])
# Scores chosen so that, once seen items are masked, the lists are
#   A (user 0): [0, 2, 4]   - its training item 1 scores highest and is masked
#   B (user 1): [1, 0, 3]
#   C (user 2): [3, 1, 2]   - its validation item 0 is masked too (low anyway)
SCORES = torch.tensor(
    [
        [0.9, 1.0, 0.8, 0.1, 0.7, 0.2],
        [0.8, 0.9, 0.1, 0.7, 0.2, 0.3],
        [0.1, 0.8, 0.7, 0.9, 0.3, 0.2],
    ]
)
SEEN = {0: [1], 1: [2], 2: [5, 0]}
TEST = {0: [2, 5], 1: [0], 2: [1, 3, 4]}  # B has 1 test item, fewer than N = 3


def _sets(mapping: dict[int, list[int]]) -> UserItemSets:
    users = [u for u, items in mapping.items() for _ in items]
    items = [i for its in mapping.values() for i in its]
    return UserItemSets.from_pairs(np.array(users), np.array(items), 3, 6)


def _fixed_score_model() -> MF:
    """MF whose score matrix is SCORES: users = score rows, items = identity."""
    model = MF(3, 6, embedding_dim=6)
    with torch.no_grad():
        model.user_emb.weight.copy_(SCORES)
        model.item_emb.weight.copy_(torch.eye(6))
    return model


def test_rank_top_n_masks_seen_items_even_when_ranked_first():
    items, scores = rank_top_n(_fixed_score_model(), np.arange(3), _sets(SEEN), n=3)
    assert items.tolist() == [[0, 2, 4], [1, 0, 3], [3, 1, 2]]
    assert scores[0].tolist() == pytest.approx([0.9, 0.8, 0.7])


def test_rank_top_n_refuses_lists_longer_than_unseen_items():
    with pytest.raises(ValueError, match="only 4 unseen items"):
        rank_top_n(_fixed_score_model(), np.arange(3), _sets(SEEN), n=5)


def test_every_metric_on_three_users_by_hand():
    top, _ = rank_top_n(_fixed_score_model(), np.arange(3), _sets(SEEN), n=3)
    m = ranking_metrics(top, np.arange(3), _sets(TEST), IS_TAIL, TRAIN_COUNTS, (2, 3))
    d2, d3 = 1 / math.log2(3), 1 / math.log2(4)  # 0.630930, 0.5
    # A: hit at rank 2 of {2,5}: recall 1/2; DCG d2, IDCG 1 + d2 (2 relevant).
    # B: hit at rank 2 of {0}:   recall 1;   DCG d2, IDCG 1 (1 relevant < N).
    # C: hits at ranks 1, 2 of {1,3,4}: recall 2/3; IDCG@2 = 1 + d2, @3 = 1 + d2 + d3.
    ndcg_a, ndcg_b = d2 / (1 + d2), d2
    assert m["recall@2"] == pytest.approx((1 / 2 + 1 + 2 / 3) / 3)
    assert m["recall@3"] == pytest.approx((1 / 2 + 1 + 2 / 3) / 3)
    assert m["ndcg@2"] == pytest.approx((ndcg_a + ndcg_b + 1.0) / 3)
    assert m["ndcg@3"] == pytest.approx(
        (ndcg_a + ndcg_b + (1 + d2) / (1 + d2 + d3)) / 3
    )
    # Tail test items: A {2,5} (hit 2 at rank 2), C {3,4} (hit 3 at rank 1); B none.
    assert m["recall_tail@3"] == pytest.approx((1 / 2 + 1 / 2) / 2)
    assert m["ndcg_tail@2"] == pytest.approx(
        (d2 / (1 + d2) + 1 / (1 + d2)) / 2
    )  # = 0.5
    # Head test items: B {0} (rank 2), C {1} (rank 2); A none.
    assert m["recall_head@3"] == pytest.approx(1.0)
    assert m["ndcg_head@3"] == pytest.approx(d2)
    # Items shown @2: {0,2} u {1,0} u {3,1} = {0,1,2,3}: 4 of 6; @3 adds 4: 5 of 6.
    assert m["coverage@2"] == pytest.approx(4 / 6)
    assert m["coverage@3"] == pytest.approx(5 / 6)
    # Tail share per list @2: A 1/2, B 0, C 1/2; @3: A 2/3, B 1/3, C 2/3.
    assert m["apt@2"] == pytest.approx((1 / 2 + 0 + 1 / 2) / 3)
    assert m["apt@3"] == pytest.approx((2 / 3 + 1 / 3 + 2 / 3) / 3)
    # Times shown @2: items 0..5 -> [2, 2, 1, 1, 0, 0]; sorted [0,0,1,1,2,2];
    # sum (2i - 7) x_i = -1 + 1 + 6 + 10 = 16; Gini = 16 / (6 * 6).
    assert m["gini@2"] == pytest.approx(16 / 36)
    # Popularity of shown items @2: 50+10 + 40+50 + 5+40 = 195 over 6 slots.
    assert m["avg_pop@2"] == pytest.approx(195 / 6)
    assert (m["users"], m["users_tail"], m["users_head"]) == (3, 2, 2)


def test_users_without_test_items_are_skipped_and_counted():
    top = np.array([[0, 1], [2, 3]])
    truth = UserItemSets.from_pairs(np.array([0]), np.array([1]), 2, 4)
    m = ranking_metrics(
        top, np.array([0, 1]), truth, np.ones(4, bool), np.ones(4), (2,)
    )
    # Only user 0 counts: hit at rank 2 of 1 relevant -> recall 1, NDCG 1/log2(3).
    assert m["recall@2"] == 1.0
    assert m["ndcg@2"] == pytest.approx(1 / math.log2(3))
    assert m["users"] == 1


def test_gini_extremes():
    assert gini(np.array([3, 3, 3])) == 0.0
    # One item gets everything among 4: sum (2i - 5) x = 3 * 4 = 12; 12 / (4 * 4).
    assert gini(np.array([0, 0, 0, 4])) == pytest.approx(12 / 16)


def test_vectorised_metrics_match_slow_reference_on_random_lists():
    rng = np.random.default_rng(7)
    n_users, n_items, n = 40, 30, 8
    is_tail = rng.random(n_items) < 0.7
    counts = rng.integers(0, 100, n_items)
    top = np.stack([rng.permutation(n_items)[:n] for _ in range(n_users)])
    test_users = rng.integers(0, n_users, 120)
    test_items = rng.integers(0, n_items, 120)
    truth = UserItemSets.from_pairs(test_users, test_items, n_users, n_items)
    users = np.flatnonzero(truth.counts > 0)
    fast = ranking_metrics(top[users], users, truth, is_tail, counts, (3, 8))
    slow = metrics_reference(
        {u: top[u].tolist() for u in users},
        {
            u: set(truth.indices[truth.indptr[u] : truth.indptr[u + 1]].tolist())
            for u in users
        },
        set(np.flatnonzero(is_tail).tolist()),
        range(n_items),
        dict(enumerate(counts.tolist())),
        (3, 8),
    )
    assert fast.keys() == slow.keys()
    for key in fast:
        assert fast[key] == pytest.approx(slow[key], nan_ok=True), key


def test_metrics_reject_cutoff_longer_than_lists():
    truth = UserItemSets.from_pairs(np.array([0]), np.array([0]), 1, 3)
    with pytest.raises(ValueError, match="exceeds the list length 2"):
        ranking_metrics(
            np.array([[0, 1]]), np.array([0]), truth, np.ones(3, bool), np.ones(3), (3,)
        )
