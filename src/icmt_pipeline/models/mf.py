"""Matrix factorisation (PMF): ``g_int(u, i) = v_u . v_i``."""

from __future__ import annotations

from torch import Tensor, nn

from icmt_pipeline.models.base import Recommender, normal_init_


class MF(Recommender):
    """Inner-product matrix factorisation.

    Shared parameters (theta_s): the user table. Item-specific (theta_i): the
    item table. Contractive term: ``||d g_int / d v_i||^2 = ||v_u||^2``.

    Args:
        n_users: Number of users.
        n_items: Number of items.
        embedding_dim: Width D of both tables (paper: 64).
        init_std: Standard deviation of the normal initialisation.
    """

    def __init__(
        self, n_users: int, n_items: int, embedding_dim: int = 64, init_std: float = 0.1
    ) -> None:
        super().__init__()
        self.n_users, self.n_items, self.repr_dim = n_users, n_items, embedding_dim
        self.user_emb = nn.Embedding(n_users, embedding_dim)  # [U, D]
        self.item_emb = nn.Embedding(n_items, embedding_dim)  # [I, D]
        normal_init_(self.user_emb, init_std)
        normal_init_(self.item_emb, init_std)

    def encode(self) -> tuple[Tensor, Tensor]:
        return self.user_emb.weight, self.item_emb.weight

    def score_pairs(self, user_repr: Tensor, item_repr: Tensor) -> Tensor:
        return (user_repr * item_repr).sum(dim=-1)  # [B]

    def score_all(self, user_repr: Tensor, item_repr: Tensor) -> Tensor:
        return user_repr @ item_repr.T  # [B, I]

    def shared_parameters(self) -> list[nn.Parameter]:
        return [self.user_emb.weight]

    def item_parameters(self) -> list[nn.Parameter]:
        return [self.item_emb.weight]

    def embedding_l2(self, users: Tensor, items: Tensor) -> Tensor:
        return self.user_emb(users).pow(2).sum() + self.item_emb(items).pow(2).sum()
