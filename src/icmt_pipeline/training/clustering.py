"""Adaptive item clusters (METHOD.md section 3).

Items are clustered by how their representation lines up with the global
popularity embedding::

    c_i = (v_i (.) v_pop) / (||v_i|| * ||v_pop||)      (.) = element-wise

so that ``sum(c_i)`` is the cosine between ``v_i`` and ``v_pop`` and the
clusters separate "popularity-like" from "niche" items as training goes. K-means
(scikit-learn) is re-run every few batches, warm-started from the previous
centroids so cluster identities persist.
"""

from __future__ import annotations

import logging
import warnings

import numpy as np
import torch
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning
from torch import Tensor

logger = logging.getLogger(__name__)

_EPS = 1e-12


def clustering_embedding(item_repr: Tensor, v_pop: Tensor | None) -> Tensor:
    """The clustering embedding of every item.

    Args:
        item_repr: Item representations ``[I, d]``.
        v_pop: Popularity embedding ``[d]``, or ``None`` when popularity
            disentanglement is off ("w/o PD"); then items are clustered on
            their own direction ``v_i / ||v_i||``.

    Returns:
        ``[I, d]``; rows of zero-norm items are zero.
    """
    norms = item_repr.norm(dim=1, keepdim=True)  # [I, 1]
    if v_pop is None:
        return item_repr / norms.clamp_min(_EPS)
    return (item_repr * v_pop) / (norms * v_pop.norm()).clamp_min(_EPS)  # [I, d]


class ItemClusterer:
    """Keeps item cluster labels up to date during training.

    Clusters are numbered by decreasing mean training popularity of their
    items, so cluster 0 is the most "head-like"; the order is re-established
    after each refit and carried into the warm start.

    Args:
        n_clusters: K (paper default 2; K = 1 means no re-weighting).
        item_counts: Training interactions per item ``[I]`` (for numbering).
        seed: Seed of the first (cold) K-means++ fit.
        max_iter: Lloyd iterations per refit.
    """

    def __init__(
        self, n_clusters: int, item_counts: np.ndarray, seed: int, max_iter: int = 20
    ) -> None:
        n_items = int(np.asarray(item_counts).shape[0])
        if not 1 <= n_clusters <= n_items:
            raise ValueError(f"n_clusters must be in [1, {n_items}], got {n_clusters}")
        self.n_clusters = n_clusters
        self.item_counts = np.asarray(item_counts, dtype=np.float64)
        self.seed = seed
        self.max_iter = max_iter
        self.centroids: np.ndarray | None = None
        self.labels = np.zeros(n_items, dtype=np.int64)
        self.n_fits = 0

    def fit(self, embedding: Tensor) -> np.ndarray:
        """Re-cluster items from their clustering embedding ``[I, d]``.

        Returns:
            Labels ``[I]`` in ``0..K-1``.
        """
        if self.n_clusters == 1:
            return self.labels
        points = embedding.detach().to(torch.float32).cpu().numpy()
        init = self.centroids if self.centroids is not None else "k-means++"
        kmeans = KMeans(
            n_clusters=self.n_clusters,
            init=init,
            n_init=1,
            max_iter=self.max_iter,
            random_state=self.seed + self.n_fits,
        )
        with warnings.catch_warnings():
            # Fewer distinct points than K (e.g. at initialisation) is legal here.
            warnings.simplefilter("ignore", ConvergenceWarning)
            labels = kmeans.fit_predict(points)
        sizes = np.bincount(labels, minlength=self.n_clusters)
        pop = np.bincount(labels, self.item_counts, minlength=self.n_clusters)
        mean_pop = pop / np.maximum(sizes, 1)
        order = np.argsort(-mean_pop, kind="stable")  # new id -> old id
        rank = np.empty_like(order)
        rank[order] = np.arange(self.n_clusters)
        self.labels = rank[labels].astype(np.int64)
        self.centroids = kmeans.cluster_centers_[order]
        self.n_fits += 1
        return self.labels
