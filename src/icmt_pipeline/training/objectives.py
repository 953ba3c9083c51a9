"""One optimisation step of each training framework.

All frameworks share the pointwise BCE loss of METHOD.md section 2 on a batch
of B positives and ``B * n_neg`` sampled negatives, scaled by ``1 / B``::

    L = (sum_pos l(u, i) + sum_neg l(u, j)) / B  +  l2 * ||batch rows||^2 / B

- ``normal``: minimise L.
- ``ips``: each positive's loss weighted by its item's inverse popularity.
- ``icmt``: popularity disentanglement in the score, the contractive term,
  and Pareto-efficient weights on the item clusters' positive losses for the
  shared parameters only (METHOD.md sections 1-6).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor
from torch.nn import functional as F

from icmt_pipeline.models.popularity import PopularityDisentangled
from icmt_pipeline.training.clustering import ItemClusterer, clustering_embedding
from icmt_pipeline.training.config import ICMTConfig, TrainConfig
from icmt_pipeline.training.pareto import cluster_weights


@dataclass
class BatchLosses:
    """Per-pair losses and extra terms of one batch.

    Attributes:
        pos: BCE of each positive ``[B]``.
        neg: BCE of each negative ``[B * n_neg]``.
        regulariser: ``l2 * ||rows||^2 / B`` plus ``lambda_cl * CL`` (scalar).
        user_repr: The batch's user representations ``[B, d]`` (graph node).
        batch_size: B.
    """

    pos: Tensor
    neg: Tensor
    regulariser: Tensor
    user_repr: Tensor
    batch_size: int

    def rest(self) -> Tensor:
        """Everything but the positives: ``sum_neg l / B + regulariser``."""
        return self.neg.sum() / self.batch_size + self.regulariser


def batch_losses(
    model: PopularityDisentangled,
    users: Tensor,
    pos_items: Tensor,
    neg_items: Tensor,
    l2: float,
    lambda_cl: float = 0.0,
) -> BatchLosses:
    """Forward pass and per-pair losses shared by every framework.

    Args:
        model: Base model plus (optional) popularity embedding.
        users: ``[B]`` user indices.
        pos_items: ``[B]`` positive item indices.
        neg_items: ``[B * n_neg]`` negatives, laid out per user like
            ``users.repeat_interleave(n_neg)``.
        l2: L2 weight on the batch's layer-0 embedding rows.
        lambda_cl: Contractive weight (0 = off).
    """
    base = model.base
    batch_size = users.shape[0]
    n_neg = neg_items.shape[0] // batch_size
    all_users, all_items = base.encode()  # [U, d], [I, d]
    user_repr = all_users[users]  # [B, d]
    pos_repr = all_items[pos_items]  # [B, d]
    neg_repr = all_items[neg_items]  # [B * n_neg, d]
    neg_user_repr = user_repr.repeat_interleave(n_neg, dim=0)  # [B * n_neg, d]

    pos_logit = base.score_pairs(user_repr, pos_repr) + model.popularity_score(pos_repr)
    neg_logit = base.score_pairs(neg_user_repr, neg_repr) + model.popularity_score(
        neg_repr
    )
    pos_loss = F.binary_cross_entropy_with_logits(
        pos_logit, torch.ones_like(pos_logit), reduction="none"
    )  # [B]
    neg_loss = F.binary_cross_entropy_with_logits(
        neg_logit, torch.zeros_like(neg_logit), reduction="none"
    )  # [B * n_neg]

    regulariser = l2 * base.embedding_l2(users, torch.cat([pos_items, neg_items]))
    regulariser = regulariser / batch_size
    if lambda_cl > 0:
        # CL = mean over positives of ||d g_int/d v_i||^2 + ||d y_pop/d v_pop||^2,
        # and d (lambda_pop v_pop . v_i) / d v_pop = lambda_pop v_i.
        jac = base.item_score_grad_sq(user_repr, pos_repr)  # [B]
        if model.v_pop is not None:
            jac = jac + model.lambda_pop**2 * pos_repr.pow(2).sum(dim=-1)
        regulariser = regulariser + lambda_cl * jac.mean()
    return BatchLosses(pos_loss, neg_loss, regulariser, user_repr, batch_size)


class NormalStep:
    """Plain BCE training (per-item weights on the positives, if set)."""

    weights: Tensor | None = None  # [I] weight of each item's positives

    def __init__(
        self,
        model: PopularityDisentangled,
        optimizer: torch.optim.Optimizer,
        cfg: TrainConfig,
    ) -> None:
        self.model, self.optimizer, self.cfg = model, optimizer, cfg

    def __call__(self, users: Tensor, pos: Tensor, neg: Tensor) -> dict[str, float]:
        losses = batch_losses(self.model, users, pos, neg, self.cfg.l2)
        pos_loss = (
            losses.pos if self.weights is None else self.weights[pos] * losses.pos
        )
        loss = pos_loss.sum() / losses.batch_size + losses.rest()
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        return {"loss": float(loss.detach())}


class IPSStep(NormalStep):
    """BCE with each positive weighted by its item's inverse popularity.

    Args:
        model: The model.
        optimizer: Its optimiser.
        cfg: Training configuration (``cfg.ips.max_weight`` clips weights).
        item_counts: Training interactions per item ``[I]``.
    """

    def __init__(
        self,
        model: PopularityDisentangled,
        optimizer: torch.optim.Optimizer,
        cfg: TrainConfig,
        item_counts: np.ndarray,
    ) -> None:
        super().__init__(model, optimizer, cfg)
        counts = np.asarray(item_counts, dtype=np.float64)
        inverse = np.where(counts > 0, 1.0 / np.maximum(counts, 1.0), 0.0)
        # Mean over training pairs of 1/n_i is (#items with n_i > 0) / #pairs.
        weights = inverse * counts.sum() / max(1, int((counts > 0).sum()))
        if cfg.ips.max_weight is not None:
            weights = np.minimum(weights, cfg.ips.max_weight)
        self.weights = torch.as_tensor(weights, dtype=torch.float32)  # [I]


def gram_matrix(grads: list[tuple[Tensor | None, ...]]) -> np.ndarray:
    """``M_ab = g_a . g_b`` over all parameters, ``[K', K']`` float64.

    Each entry is a sum over parameters of float32 dot products (no flattened
    or float64 copies of the gradients are made), accumulated in float64.
    ``None`` (a parameter a cluster's loss does not reach) counts as zero.
    """
    k = len(grads)
    gram = np.zeros((k, k))
    for a in range(k):
        for b in range(a, k):
            total = 0.0
            for ga, gb in zip(grads[a], grads[b], strict=True):
                if ga is not None and gb is not None:
                    total += float(torch.dot(ga.reshape(-1), gb.reshape(-1)))
            gram[a, b] = gram[b, a] = total
    return gram


class ICMTStep:
    """Item Cluster-wise Multi-objective Training (METHOD.md section 6).

    1. Forward with popularity disentanglement; re-cluster items if due.
    2. Positive loss per cluster ``L_k``; gradients ``g_k`` with respect to
       the shared parameters (or the batch's user representations).
    3. Frank-Wolfe min-norm weights ``w`` on the clusters present.
    4. Shared parameters get ``grad(sum_k w_k L_k + L_neg + reg)``;
       item-specific parameters and ``v_pop`` get ``grad(L)`` with weight 1.

    Args:
        model: Base model plus popularity embedding.
        optimizer: Optimiser over all parameters.
        cfg: Training configuration.
        item_counts: Training interactions per item ``[I]``.
        is_tail: ``[I]`` bool, for the average weight on tail positives.
    """

    def __init__(
        self,
        model: PopularityDisentangled,
        optimizer: torch.optim.Optimizer,
        cfg: TrainConfig,
        item_counts: np.ndarray,
        is_tail: np.ndarray,
    ) -> None:
        self.model, self.optimizer, self.cfg = model, optimizer, cfg
        self.icmt: ICMTConfig = cfg.icmt
        self.k = self.icmt.n_clusters if self.icmt.cluster_reweighting else 1
        self.clusterer = ItemClusterer(
            self.k, item_counts, seed=cfg.seed, max_iter=self.icmt.kmeans_max_iter
        )
        self.labels = torch.zeros(len(item_counts), dtype=torch.int64)
        self.is_tail = torch.as_tensor(np.asarray(is_tail, dtype=bool))
        self.shared = model.shared_parameters()
        self.item_specific = model.item_parameters()
        self.n_steps = 0

    def recluster(self) -> None:
        """Re-run K-means on the current clustering embedding."""
        with torch.no_grad():
            _, items = self.model.base.encode()
            v_pop = self.model.v_pop.detach() if self.model.v_pop is not None else None
            embedding = clustering_embedding(items.detach(), v_pop)
        self.labels = torch.from_numpy(self.clusterer.fit(embedding))

    def __call__(self, users: Tensor, pos: Tensor, neg: Tensor) -> dict[str, float]:
        if self.k > 1 and self.n_steps % self.icmt.recluster_every == 0:
            self.recluster()
        self.n_steps += 1
        lambda_cl = self.icmt.lambda_cl if self.icmt.contractive else 0.0
        losses = batch_losses(self.model, users, pos, neg, self.cfg.l2, lambda_cl)
        b = losses.batch_size

        pos_labels = self.labels[pos]  # [B]
        if self.k == 1:
            # Same arithmetic as NormalStep, so K = 1 reproduces it bit for bit.
            cluster_loss = (losses.pos.sum() / b).reshape(1)  # [1]
            rest, present = losses.rest(), torch.zeros(1, dtype=torch.int64)
        elif self.icmt.negatives_in_clusters:
            neg_labels = self.labels[neg]
            cluster_loss = (
                torch.zeros(self.k).index_add(0, pos_labels, losses.pos)
                + torch.zeros(self.k).index_add(0, neg_labels, losses.neg)
            ) / b  # [K]
            rest = losses.regulariser
            present = torch.unique(torch.cat([pos_labels, neg_labels]))
        else:
            cluster_loss = torch.zeros(self.k).index_add(0, pos_labels, losses.pos) / b
            rest = losses.rest()
            present = torch.unique(pos_labels)
        plain = cluster_loss.sum() + rest  # L, what item-specific parameters follow

        self.optimizer.zero_grad(set_to_none=True)
        weights = np.zeros(self.k)
        weights[present.numpy()] = 1.0
        if present.numel() <= 1:
            plain.backward()  # one cluster present: weight 1, normal training
        elif self.icmt.pe_gradients == "parameters":
            weights = self._step_exact(cluster_loss, present, plain)
        else:
            weights = self._step_representations(
                cluster_loss, present, plain, rest, losses, users
            )
        self.optimizer.step()

        w_pos = torch.as_tensor(weights, dtype=torch.float32)[pos_labels]  # [B]
        tail_pos = self.is_tail[pos]
        stats = {"loss": float(plain.detach())}
        stats["tail_weight"] = (
            float(w_pos[tail_pos].mean()) if bool(tail_pos.any()) else float("nan")
        )
        for k in range(self.k):
            stats[f"w{k}"] = (
                float(weights[k]) if k in set(present.tolist()) else float("nan")
            )
        return stats

    def _solve(
        self, grads: list[tuple[Tensor | None, ...]], present: Tensor
    ) -> np.ndarray:
        """Weights for all K clusters from the present clusters' gradients."""
        return cluster_weights(
            gram_matrix(grads),
            present.numpy(),
            self.k,
            self.icmt.fw_max_iter,
            self.icmt.fw_tol,
        )

    def _step_exact(
        self, cluster_loss: Tensor, present: Tensor, plain: Tensor
    ) -> np.ndarray:
        """g_k = grad of L_k w.r.t. theta_s; one backward of L; then fix theta_s."""
        clusters = present.tolist()
        per_cluster = [
            torch.autograd.grad(
                cluster_loss[k], self.shared, retain_graph=True, allow_unused=True
            )
            for k in clusters
        ]
        weights = self._solve(per_cluster, present)
        plain.backward()
        # theta_s now holds grad(sum_k L_k + rest); move it to
        # grad(sum_k w_k L_k + rest) by adding sum_k (w_k - 1) g_k.
        with torch.no_grad():
            for j, param in enumerate(self.shared):
                for k, grads in zip(clusters, per_cluster, strict=True):
                    if grads[j] is not None and weights[k] != 1.0:
                        param.grad.add_(grads[j], alpha=float(weights[k] - 1.0))
        return weights

    def _step_representations(
        self,
        cluster_loss: Tensor,
        present: Tensor,
        plain: Tensor,
        rest: Tensor,
        losses: BatchLosses,
        users: Tensor,
    ) -> np.ndarray:
        """MGDA-UB: cluster gradients w.r.t. the batch's user representations."""
        unique_users, inverse = torch.unique(users, return_inverse=True)
        grads = []
        for k in present.tolist():
            (g,) = torch.autograd.grad(
                cluster_loss[k], losses.user_repr, retain_graph=True
            )
            per_user = torch.zeros(unique_users.numel(), g.shape[1]).index_add(
                0, inverse, g
            )
            grads.append((per_user,))
        weights = self._solve(grads, present)
        w = torch.as_tensor(weights, dtype=cluster_loss.dtype)
        weighted = (w * cluster_loss).sum() + rest
        weighted.backward(inputs=self.shared, retain_graph=True)
        plain.backward(inputs=self.item_specific)
        return weights
