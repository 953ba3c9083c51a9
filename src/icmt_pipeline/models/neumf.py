"""Neural matrix factorisation (He et al., WWW 2017).

``g_int(u, i) = h . [ (p_u (.) q_i) ; MLP([a_u ; b_i]) ] + c`` where ``p, q`` are
the GMF embeddings and ``a, b`` the MLP embeddings. Each user and item has one
row of width 2D holding both: columns ``[:D]`` feed GMF, columns ``[D:]`` the
MLP, so :meth:`encode` returns the tables with no copy and the popularity
embedding ``v_pop`` (width 2D) sees both halves.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from icmt_pipeline.models.mf import MF


def mlp_widths(embedding_dim: int, mlp_layers: int) -> list[int]:
    """Input and output widths of NeuMF's MLP: ``2D, D, D/2, ...`` (halving).

    Raises:
        ValueError: If ``mlp_layers < 1`` or the last width would be 0.
    """
    if mlp_layers < 1:
        raise ValueError(f"mlp_layers must be >= 1, got {mlp_layers}")
    if embedding_dim // 2 ** (mlp_layers - 1) < 1:
        raise ValueError(
            f"embedding_dim={embedding_dim} is too small for {mlp_layers} "
            "halving MLP layers"
        )
    return [2 * embedding_dim] + [embedding_dim // 2**k for k in range(mlp_layers)]


class NeuMF(MF):
    """GMF branch plus a ReLU MLP branch, fused by one linear layer.

    Its tables are MF's, 2D wide (``encode``, ``item_parameters`` and
    ``embedding_l2`` are MF's); the scorer and the shared group differ.

    Shared parameters (theta_s): the user table, every MLP layer and the
    fusion layer. Item-specific (theta_i): the item table. Contractive term:
    ``||d g_int / d v_i||^2`` by autograd (``create_graph=True``), one row per
    pair, because the MLP makes the derivative depend on both sides.

    Args:
        n_users: Number of users.
        n_items: Number of items.
        embedding_dim: D, the width of the GMF and of the MLP embeddings.
        mlp_layers: Number of MLP layers (paper: 3). Widths halve from D:
            ``2D -> D -> D/2 -> D/4`` for three layers.
        init_std: Standard deviation of the embedding initialisation.
        score_chunk: Upper bound on ``users x items x width`` elements held at
            once by :meth:`score_all`; bounds memory of full ranking.
    """

    def __init__(
        self,
        n_users: int,
        n_items: int,
        embedding_dim: int = 64,
        mlp_layers: int = 3,
        init_std: float = 0.1,
        score_chunk: int = 2**24,
    ) -> None:
        widths = mlp_widths(embedding_dim, mlp_layers)
        d = embedding_dim
        # Tables [U, 2D] and [I, 2D]: columns [:D] feed GMF, [D:] the MLP.
        super().__init__(n_users, n_items, 2 * d, init_std)
        self.dim = d
        self.score_chunk = score_chunk
        self.mlp = nn.ModuleList(
            nn.Linear(w_in, w_out)
            for w_in, w_out in zip(widths[:-1], widths[1:], strict=False)
        )
        self.fuse = nn.Linear(d + widths[-1], 1)

    def _mlp_tail(self, hidden: Tensor) -> Tensor:
        """Layers 2.. of the MLP on first-layer pre-activations ``[..., D]``."""
        hidden = torch.relu(hidden)
        for layer in self.mlp[1:]:
            hidden = torch.relu(layer(hidden))
        return hidden

    def score_pairs(self, user_repr: Tensor, item_repr: Tensor) -> Tensor:
        d = self.dim
        gmf = user_repr[:, :d] * item_repr[:, :d]  # [B, D]
        mlp_in = torch.cat([user_repr[:, d:], item_repr[:, d:]], dim=-1)  # [B, 2D]
        mlp_out = self._mlp_tail(self.mlp[0](mlp_in))  # [B, D/4]
        return self.fuse(torch.cat([gmf, mlp_out], dim=-1)).squeeze(-1)  # [B]

    def score_all(self, user_repr: Tensor, item_repr: Tensor) -> Tensor:
        d = self.dim
        h_gmf = self.fuse.weight[0, :d]  # [D]
        h_mlp = self.fuse.weight[0, d:]  # [D/4]
        # GMF part is a plain product: (p_u (.) h) q_i^T.
        scores = (user_repr[:, :d] * h_gmf) @ item_repr[:, :d].T  # [B, I]
        scores = scores + self.fuse.bias
        # The first MLP layer is linear in [a_u ; b_i], so split its weight and
        # project users and items once: W [a; b] + c = W_a a + (W_b b + c).
        first = self.mlp[0]
        w_user, w_item = first.weight[:, :d], first.weight[:, d:]  # [D, D] each
        user_part = user_repr[:, d:] @ w_user.T  # [B, D]
        item_part = item_repr[:, d:] @ w_item.T + first.bias  # [I, D]
        n_users, n_items = user_part.shape[0], item_part.shape[0]
        step = max(1, self.score_chunk // max(1, n_users * d))
        for start in range(0, n_items, step):
            stop = min(n_items, start + step)
            hidden = user_part[:, None, :] + item_part[None, start:stop, :]  # [B,c,D]
            scores[:, start:stop] += self._mlp_tail(hidden) @ h_mlp  # [B, c]
        return scores

    def item_score_grad_sq(self, user_repr: Tensor, item_repr: Tensor) -> Tensor:
        if not item_repr.requires_grad:
            item_repr = item_repr.detach().requires_grad_(True)
        scores = self.score_pairs(user_repr, item_repr)  # [B]
        # Row p of item_repr only reaches scores[p], so the gradient of the sum
        # holds each pair's own derivative d g_int(u_p, i_p) / d v_{i_p}.
        (grad,) = torch.autograd.grad(scores.sum(), item_repr, create_graph=True)
        return grad.pow(2).sum(dim=-1)  # [B]

    def shared_parameters(self) -> list[nn.Parameter]:
        return [self.user_emb.weight, *self.mlp.parameters(), *self.fuse.parameters()]
