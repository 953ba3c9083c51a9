"""Pareto-efficient cluster weights: the min-norm point of the gradient hull.

ICMT (METHOD.md section 4) weights the K item clusters' losses so that the
shared parameters move along a direction no cluster objects to: the KKT
condition ``sum_k w_k g_k = 0`` with ``w`` on the scaled simplex, solved as

    min_alpha || sum_k alpha_k g_k ||^2   s.t.  alpha >= 0, sum alpha = 1

by Frank-Wolfe with exact line search (Sener and Koltun, NeurIPS 2018), and
``w = K' * alpha`` where K' is the number of clusters present in the batch.
Everything is computed from the Gram matrix ``M_ab = g_a . g_b``.
"""

from __future__ import annotations

import numpy as np

_EPS = 1e-12


def min_norm_alpha(
    gram: np.ndarray, max_iter: int = 50, tol: float = 1e-6
) -> np.ndarray:
    """Frank-Wolfe solution of the min-norm problem over the simplex.

    Args:
        gram: ``[K, K]`` Gram matrix of the gradients (symmetric, PSD).
        max_iter: Iteration cap.
        tol: Stop when the L1 change of alpha falls below this.

    Returns:
        ``alpha`` ``[K]``, non-negative, summing to 1. All-zero gradients give
        the uniform point; identical or collinear gradients (zero line-search
        denominator) keep the current point.
    """
    gram = np.asarray(gram, dtype=np.float64)
    k = gram.shape[0]
    alpha = np.full(k, 1.0 / k)
    if k == 1 or np.trace(gram) <= _EPS:
        return alpha
    for _ in range(max_iter):
        m_alpha = gram @ alpha  # [K]
        t = int(np.argmin(m_alpha))
        v1v1 = float(alpha @ m_alpha)  # ||v1||^2, v1 = sum_k alpha_k g_k
        v1v2 = float(m_alpha[t])  # v1 . g_t
        v2v2 = float(gram[t, t])  # ||g_t||^2
        denom = v1v1 + v2v2 - 2.0 * v1v2  # ||v1 - g_t||^2
        if denom <= _EPS * max(1.0, v1v1 + v2v2):
            break
        gamma = min(1.0, max(0.0, (v2v2 - v1v2) / denom))
        new = gamma * alpha
        new[t] += 1.0 - gamma
        change = float(np.abs(new - alpha).sum())
        alpha = new
        if change < tol:
            break
    return alpha


def cluster_weights(
    gram: np.ndarray,
    present: np.ndarray,
    n_clusters: int,
    max_iter: int = 50,
    tol: float = 1e-6,
) -> np.ndarray:
    """Weights for all K clusters from the Gram matrix of the present ones.

    Args:
        gram: ``[K', K']`` Gram matrix of the clusters present in the batch.
        present: Indices (into 0..K-1) of those K' clusters.
        n_clusters: K.
        max_iter: Frank-Wolfe iteration cap.
        tol: Frank-Wolfe tolerance.

    Returns:
        ``w`` ``[K]``: the present clusters' weights sum to K'; absent clusters
        (no positive in the batch) get 0, which multiplies a zero loss.
    """
    weights = np.zeros(n_clusters)
    alpha = min_norm_alpha(gram, max_iter=max_iter, tol=tol)
    weights[np.asarray(present, dtype=np.int64)] = len(present) * alpha
    return weights
