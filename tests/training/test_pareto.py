"""Frank-Wolfe min-norm weights on cases solved by hand."""

import numpy as np
import pytest

from icmt_pipeline.training.pareto import cluster_weights, min_norm_alpha


def gram(*grads):
    g = np.array(grads, dtype=float)
    return g @ g.T


def test_two_orthogonal_gradients():
    # g1 = (2, 0), g2 = (0, 1): M = [[4, 0], [0, 1]]. The min-norm point of the
    # segment has alpha_1 = |g2|^2 / (|g1|^2 + |g2|^2) = 1/5.
    # Frank-Wolfe from (1/2, 1/2): M alpha = (2, 1/2), t = 2nd; v1.v1 = 5/4,
    # v1.v2 = 1/2, v2.v2 = 1; gamma = (1 - 1/2) / (5/4 + 1 - 1) = 2/5;
    # alpha = 2/5 (1/2, 1/2) + 3/5 e_2 = (1/5, 4/5).
    alpha = min_norm_alpha(gram((2, 0), (0, 1)))
    assert alpha == pytest.approx([0.2, 0.8])
    # w = K alpha = (0.4, 1.6): the larger gradient is damped.
    assert cluster_weights(gram((2, 0), (0, 1)), np.array([0, 1]), 2) == pytest.approx(
        [0.4, 1.6]
    )


def test_three_orthogonal_gradients():
    # |g|^2 = 1, 4, 4: optimum alpha proportional to 1/|g_k|^2 = (1, 1/4, 1/4),
    # i.e. (2/3, 1/6, 1/6). First step: M alpha = (1/3, 4/3, 4/3), t = 1st;
    # v1.v1 = 1, v1.v2 = 1/3, v2.v2 = 1; gamma = (2/3) / (4/3) = 1/2;
    # alpha = (1/6 + 1/2, 1/6, 1/6). Second step has gamma = 1: no change.
    grads = ((1, 0, 0), (0, 2, 0), (0, 0, 2))
    assert min_norm_alpha(gram(*grads)) == pytest.approx([2 / 3, 1 / 6, 1 / 6])
    assert cluster_weights(gram(*grads), np.arange(3), 3) == pytest.approx(
        [2, 0.5, 0.5]
    )


def test_identical_gradients_keep_uniform_weights():
    # v1 = v2 at once: the line-search denominator |v1 - v2|^2 is 0 -> stop.
    alpha = min_norm_alpha(gram((1, 1), (1, 1)))
    assert alpha == pytest.approx([0.5, 0.5])
    assert np.isfinite(alpha).all()


def test_collinear_gradients_same_direction():
    # g1 = (1, 0), g2 = (3, 0): the hull point nearest 0 is g1 itself.
    # M = [[1, 3], [3, 9]]; M alpha = (2, 6), t = 1st; v1.v1 = 4, v1.v2 = 2,
    # v2.v2 = 1; gamma = (1 - 2) / (4 + 1 - 4) = -1 -> clipped to 0: alpha = e_1.
    assert min_norm_alpha(gram((1, 0), (3, 0))) == pytest.approx([1.0, 0.0])


def test_collinear_gradients_opposite_directions():
    # g1 = (1, 0), g2 = (-2, 0): 2/3 g1 + 1/3 g2 = 0. M alpha = (-1/2, 1),
    # v1.v1 = 1/4, v1.v2 = -1/2, v2.v2 = 1; gamma = (3/2) / (9/4) = 2/3;
    # alpha = 2/3 (1/2, 1/2) + 1/3 e_1 = (2/3, 1/3).
    assert min_norm_alpha(gram((1, 0), (-2, 0))) == pytest.approx([2 / 3, 1 / 3])


def test_all_zero_gradients_give_uniform_weights():
    alpha = min_norm_alpha(np.zeros((3, 3)))
    assert alpha == pytest.approx([1 / 3] * 3)


def test_cluster_missing_from_batch_gets_zero_and_others_sum_to_present_count():
    # K = 3, only clusters 0 and 2 present (K' = 2) with orthogonal gradients
    # of squared norms 4 and 1: alpha = (1/5, 4/5), w = 2 alpha on them.
    w = cluster_weights(gram((2, 0), (0, 1)), np.array([0, 2]), 3)
    assert w == pytest.approx([0.4, 0.0, 1.6])
    assert w.sum() == pytest.approx(2.0)


def test_single_cluster_present_is_normal_training():
    assert cluster_weights(gram((5, 1)), np.array([1]), 2) == pytest.approx([0.0, 1.0])


def test_k_equal_one_gives_weight_one():
    assert cluster_weights(gram((3, 4)), np.array([0]), 1) == pytest.approx([1.0])


def test_gram_matrix_sums_dot_products_over_parameters():
    import torch

    from icmt_pipeline.training.objectives import gram_matrix

    # Cluster a: params (1, 2) and (3,); cluster b: (0, 1) and None (unreached).
    # M_aa = 1 + 4 + 9 = 14; M_ab = 0 + 2 (+ 0) = 2; M_bb = 1.
    grads = [
        (torch.tensor([1.0, 2.0]), torch.tensor([3.0])),
        (torch.tensor([0.0, 1.0]), None),
    ]
    assert gram_matrix(grads).tolist() == [[14.0, 2.0], [2.0, 1.0]]
