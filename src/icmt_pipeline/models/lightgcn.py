"""LightGCN (He et al., SIGIR 2020) with node and message dropout.

Representations are the mean of layer 0..L of linear propagation over the
symmetrically normalised user-item graph ``A~ = D^-1/2 A D^-1/2`` built from
the training split only::

    E_0 = [user_emb ; item_emb]                  # [U + I, D]
    E_{l+1} = msg_dropout(A~ (node_mask (.) E_l))
    E = mean(E_0, ..., E_L)

All products are sparse (CSR) x dense; no dense adjacency is ever formed.
Nodes with no training edge have an all-zero row in ``A~`` (their inverse
square-root degree is defined as 0), so their representation is
``E_0 / (L + 1)``: finite.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch
from torch import Tensor

from icmt_pipeline.models.mf import MF


def normalized_adjacency(
    users: np.ndarray | Tensor, items: np.ndarray | Tensor, n_users: int, n_items: int
) -> Tensor:
    """Symmetric normalised bipartite adjacency as a sparse CSR tensor.

    Args:
        users: User index of each training pair ``[P]``.
        items: Item index of each training pair ``[P]``; repeated pairs count once.
        n_users: Number of users U.
        n_items: Number of items I.

    Returns:
        ``A~`` of shape ``[U + I, U + I]`` with ``A~[u, U + i] = A~[U + i, u] =
        1 / sqrt(deg(u) deg(i))`` for each pair, float32.
    """
    users = torch.tensor(np.asarray(users), dtype=torch.int64)
    items = torch.tensor(np.asarray(items), dtype=torch.int64)
    keys = torch.unique(users * n_items + items)  # deduplicated, sorted
    users, items = keys // n_items, keys % n_items
    n_nodes = n_users + n_items
    deg = torch.zeros(n_nodes, dtype=torch.float64)
    deg.index_add_(0, users, torch.ones_like(users, dtype=torch.float64))
    deg.index_add_(0, n_users + items, torch.ones_like(items, dtype=torch.float64))
    inv_sqrt = torch.where(deg > 0, deg.clamp_min(1.0).rsqrt(), torch.zeros_like(deg))
    rows = torch.cat([users, n_users + items])
    cols = torch.cat([n_users + items, users])
    vals = (inv_sqrt[rows] * inv_sqrt[cols]).to(torch.float32)
    adj = torch.sparse_coo_tensor(
        torch.stack([rows, cols]), vals, (n_nodes, n_nodes), check_invariants=True
    ).coalesce()
    with warnings.catch_warnings():
        # "Sparse CSR tensor support is in beta": CSR x dense is all we use.
        warnings.filterwarnings("ignore", message="Sparse CSR tensor support")
        return adj.to_sparse_csr()


def _dropout_mask(like: Tensor, p: float) -> Tensor:
    """Inverted-dropout mask ``{0, 1 / (1 - p)}`` shaped like ``like``.

    Same distribution as ``F.dropout``; comparing ``torch.rand`` with ``p`` is
    about three times faster on CPU than the Bernoulli sampler it uses.
    """
    return (torch.rand_like(like) >= p).to(like.dtype) / (1.0 - p)


class SymmetricSparseMM(torch.autograd.Function):
    """``A @ X`` for a symmetric sparse ``A``, differentiable in ``X``.

    The backward pass is ``A^T G = A G``, so no transposed copy is built, and
    it is itself differentiable (double backward works).
    """

    @staticmethod
    def forward(adj: Tensor, dense: Tensor) -> Tensor:
        return torch.sparse.mm(adj, dense.contiguous())

    @staticmethod
    def setup_context(ctx, inputs, output) -> None:  # type: ignore[no-untyped-def]
        ctx.adj = inputs[0]

    @staticmethod
    def backward(ctx, grad: Tensor) -> tuple[None, Tensor]:  # type: ignore[override]
        return None, SymmetricSparseMM.apply(ctx.adj, grad.contiguous())


class LightGCN(MF):
    """LightGCN: MF's tables and inner product, on propagated representations.

    Shared parameters (theta_s): the layer-0 user table. Item-specific
    (theta_i): the layer-0 item table. There are no other weights. The
    contractive term is ``||d g_int / d v_i||^2 = ||v_u||^2`` on the
    propagated representations (the Jacobian with respect to the item's
    representation that the scorer sees).

    The training graph's pairs are kept as buffers, so a checkpoint's
    state dict alone rebuilds the model (see :func:`build_model`).

    Args:
        n_users: Number of users.
        n_items: Number of items.
        train_users: User index of each training pair.
        train_items: Item index of each training pair.
        embedding_dim: D (paper: 64).
        n_layers: Propagation layers L (paper: 3).
        node_dropout: Probability that a node sends no messages in a training
            step (survivors scaled by ``1 / (1 - p)``).
        message_dropout: Dropout on each layer's propagated output.
        init_std: Standard deviation of the embedding initialisation.
    """

    def __init__(
        self,
        n_users: int,
        n_items: int,
        train_users: np.ndarray | Tensor,
        train_items: np.ndarray | Tensor,
        embedding_dim: int = 64,
        n_layers: int = 3,
        node_dropout: float = 0.1,
        message_dropout: float = 0.1,
        init_std: float = 0.1,
    ) -> None:
        super().__init__(n_users, n_items, embedding_dim, init_std)
        for name, p in (
            ("node_dropout", node_dropout),
            ("message_dropout", message_dropout),
        ):
            if not 0.0 <= p < 1.0:
                raise ValueError(f"{name} must be in [0, 1), got {p}")
        if n_layers < 0:
            raise ValueError(f"n_layers must be >= 0, got {n_layers}")
        self.n_layers = n_layers
        self.node_dropout, self.message_dropout = node_dropout, message_dropout
        self.register_buffer(
            "graph_users", torch.tensor(np.asarray(train_users)).long()
        )
        self.register_buffer(
            "graph_items", torch.tensor(np.asarray(train_items)).long()
        )
        self.adjacency = normalized_adjacency(
            self.graph_users, self.graph_items, n_users, n_items
        )

    def __getstate__(self) -> dict:
        # Sparse CSR tensors cannot be pickled or deep-copied; rebuild instead.
        state = self.__dict__.copy()
        state["adjacency"] = None
        return state

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        self.adjacency = normalized_adjacency(
            self.graph_users, self.graph_items, self.n_users, self.n_items
        )

    def encode(self) -> tuple[Tensor, Tensor]:
        ego = torch.cat([self.user_emb.weight, self.item_emb.weight])  # [N, D]
        keep = None
        if self.training and self.node_dropout > 0:
            p = self.node_dropout
            keep = (torch.rand(ego.shape[0], 1) >= p).to(ego.dtype) / (1.0 - p)
        layer_sum, hidden = ego, ego
        for _ in range(self.n_layers):
            messages = hidden if keep is None else hidden * keep  # [N, D]
            hidden = SymmetricSparseMM.apply(self.adjacency, messages)  # [N, D]
            if self.training and self.message_dropout > 0:
                hidden = hidden * _dropout_mask(hidden, self.message_dropout)
            layer_sum = layer_sum + hidden
        final = layer_sum / (self.n_layers + 1)  # [N, D]
        return final[: self.n_users], final[self.n_users :]
