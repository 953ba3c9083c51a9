"""The one interface every base recommender implements.

A base model maps users and items to representations and scores pairs with
its own interaction function ``g_int`` (METHOD.md section 1). Training
frameworks (normal, IPS, ICMT) only talk to this interface, so every model
works with every framework.
"""

from __future__ import annotations

import abc

import torch
from torch import Tensor, nn


class Recommender(nn.Module, abc.ABC):
    """Base class of MF, NeuMF and LightGCN.

    Attributes:
        n_users: Number of users (rows of the user table).
        n_items: Number of items (rows of the item table).
        repr_dim: Width of the user and item representations returned by
            :meth:`encode`. The popularity embedding ``v_pop`` has this width.
    """

    n_users: int
    n_items: int
    repr_dim: int

    @abc.abstractmethod
    def encode(self) -> tuple[Tensor, Tensor]:
        """Representations of all users and all items.

        Returns:
            ``(users [n_users, repr_dim], items [n_items, repr_dim])``. For MF
            and NeuMF these are the embedding tables themselves (no copy); for
            LightGCN the propagated layer mean. Honours ``self.training``
            (dropout is applied only in training mode).
        """

    @abc.abstractmethod
    def score_pairs(self, user_repr: Tensor, item_repr: Tensor) -> Tensor:
        """``g_int`` for aligned pairs: ``[B, d] x [B, d] -> [B]`` logits."""

    @abc.abstractmethod
    def score_all(self, user_repr: Tensor, item_repr: Tensor) -> Tensor:
        """``g_int`` of each user against every item: ``[B, d] x [I, d] -> [B, I]``."""

    @abc.abstractmethod
    def shared_parameters(self) -> list[nn.Parameter]:
        """Parameters every item cluster's loss touches (theta_s, METHOD.md 4)."""

    @abc.abstractmethod
    def item_parameters(self) -> list[nn.Parameter]:
        """Per-item parameters (theta_i): item embedding rows."""

    @abc.abstractmethod
    def embedding_l2(self, users: Tensor, items: Tensor) -> Tensor:
        """Sum of squared layer-0 embedding rows of the given users and items.

        Rows are counted once per occurrence, as in the usual per-batch L2
        term of MF and LightGCN.
        """

    def item_score_grad_sq(self, user_repr: Tensor, item_repr: Tensor) -> Tensor:
        """``||d g_int(u, i) / d v_i||^2`` for each aligned pair: ``[B]``.

        The contractive term (METHOD.md section 5) penalises how fast the
        score moves when the item's representation moves. For an inner
        product ``g_int = v_u . v_i`` the derivative is ``v_u``, so the
        default is ``||v_u||^2``; models with another scorer override this.
        """
        return user_repr.pow(2).sum(dim=-1)

    def check_parameter_split(self) -> None:
        """Raise if shared and item-specific groups overlap or miss a parameter."""
        shared = {id(p) for p in self.shared_parameters()}
        items = {id(p) for p in self.item_parameters()}
        every = {id(p) for p in self.parameters()}
        if shared & items:
            raise RuntimeError(f"{type(self).__name__}: a parameter is in both groups")
        if shared | items != every:
            raise RuntimeError(
                f"{type(self).__name__}: shared_parameters() and item_parameters() "
                "must together cover every parameter"
            )


def normal_init_(table: nn.Embedding, std: float) -> None:
    """Initialise an embedding table from N(0, std^2) in place."""
    with torch.no_grad():
        table.weight.normal_(0.0, std)
