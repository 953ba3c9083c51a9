"""Popularity disentanglement (PD, METHOD.md section 1).

``y_hat(u, i) = g_int(v_u, v_i) + lambda_pop * (v_pop . v_i)``: one global
popularity embedding ``v_pop`` shared by all users absorbs the part of the
training signal that every user gives to popular items. Training uses
``y_hat``; ranking uses ``g_int`` alone, so recommendations follow the
users' interests rather than popularity.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from icmt_pipeline.models.base import Recommender


class PopularityDisentangled(nn.Module):
    """A base recommender plus an optional global popularity embedding.

    Args:
        base: The base model (MF, NeuMF or LightGCN).
        use_pd: Create ``v_pop`` (``False`` gives the plain base model; its
            checkpoint then has no ``v_pop`` entry).
        lambda_pop: Weight of the popularity score (paper default 2e-3).
        init_std: Standard deviation of ``v_pop``'s initialisation.
    """

    def __init__(
        self,
        base: Recommender,
        use_pd: bool,
        lambda_pop: float = 2e-3,
        init_std: float = 0.1,
    ) -> None:
        super().__init__()
        self.base = base
        self.lambda_pop = lambda_pop if use_pd else 0.0
        self.v_pop: nn.Parameter | None = (
            nn.Parameter(torch.randn(base.repr_dim) * init_std) if use_pd else None
        )

    def popularity_score(self, item_repr: Tensor) -> Tensor:
        """``lambda_pop * (v_pop . v_i)`` for each row ``[B, d] -> [B]``."""
        if self.v_pop is None:
            return item_repr.new_zeros(item_repr.shape[0])
        return self.lambda_pop * (item_repr @ self.v_pop)

    def shared_parameters(self) -> list[nn.Parameter]:
        """theta_s: the base model's shared group."""
        return self.base.shared_parameters()

    def item_parameters(self) -> list[nn.Parameter]:
        """theta_i: per-item rows and ``v_pop`` (kept out of the re-weighting)."""
        extra = [self.v_pop] if self.v_pop is not None else []
        return [*self.base.item_parameters(), *extra]
