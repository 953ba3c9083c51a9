"""The clustering embedding and the K-means bookkeeping."""

import math

import numpy as np
import pytest
import torch

from icmt_pipeline.training.clustering import ItemClusterer, clustering_embedding


def test_clustering_embedding_by_hand():
    # v_i = (1, 2), v_pop = (2, 0): v_i (.) v_pop = (2, 0); ||v_i|| = sqrt(5),
    # ||v_pop|| = 2, so c_i = (2 / (2 sqrt 5), 0) = (1/sqrt 5, 0), whose sum is
    # cos(v_i, v_pop) = 2 / (2 sqrt 5).
    c = clustering_embedding(torch.tensor([[1.0, 2.0]]), torch.tensor([2.0, 0.0]))
    assert c[0].tolist() == pytest.approx([1 / math.sqrt(5), 0.0])


def test_clustering_embedding_without_pd_is_the_item_direction():
    c = clustering_embedding(torch.tensor([[3.0, 4.0], [0.0, 0.0]]), None)
    assert c.flatten().tolist() == pytest.approx([0.6, 0.8, 0.0, 0.0])  # zero row: 0


def test_clusters_are_numbered_by_decreasing_popularity_and_stay_put():
    # Two well-separated groups; items 2, 3 are the popular ones.
    points = torch.tensor([[0.0, 1.0], [0.1, 1.0], [5.0, 0.0], [5.1, 0.0]])
    counts = np.array([1, 2, 30, 40])
    clusterer = ItemClusterer(2, counts, seed=0)
    first = clusterer.fit(points)
    assert first.tolist() == [1, 1, 0, 0]  # cluster 0 = the popular group
    again = clusterer.fit(points + 0.01)  # warm start from the last centroids
    assert again.tolist() == [1, 1, 0, 0]


def test_one_cluster_never_runs_kmeans():
    clusterer = ItemClusterer(1, np.ones(3), seed=0)
    assert clusterer.fit(torch.randn(3, 2)).tolist() == [0, 0, 0]
    assert clusterer.n_fits == 0


def test_more_clusters_than_items_is_refused():
    with pytest.raises(ValueError, match=r"n_clusters must be in \[1, 2\]"):
        ItemClusterer(3, np.ones(2), seed=0)
