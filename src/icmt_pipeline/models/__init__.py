"""Base recommenders behind one interface, and the model registry."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from torch import Tensor

from icmt_pipeline.errors import ConfigError
from icmt_pipeline.models.base import Recommender
from icmt_pipeline.models.lightgcn import LightGCN
from icmt_pipeline.models.mf import MF
from icmt_pipeline.models.neumf import NeuMF, mlp_widths
from icmt_pipeline.models.popularity import PopularityDisentangled
from icmt_pipeline.params import from_params

MODELS = ("mf", "neumf", "lightgcn")

__all__ = [
    "MODELS",
    "LightGCN",
    "MF",
    "ModelConfig",
    "NeuMF",
    "PopularityDisentangled",
    "Recommender",
    "build_model",
]


@dataclass(frozen=True)
class ModelConfig:
    """Architecture of the base model.

    Attributes:
        name: ``mf``, ``neumf`` or ``lightgcn``.
        embedding_dim: D (paper: 64).
        init_std: Standard deviation of the normal initialisation.
        mlp_layers: NeuMF MLP depth (paper: 3).
        n_layers: LightGCN propagation layers (paper: 3).
        node_dropout: LightGCN node dropout (paper: 0.1).
        message_dropout: LightGCN message dropout (paper: 0.1).
    """

    name: str = "mf"
    embedding_dim: int = 64
    init_std: float = 0.1
    mlp_layers: int = 3
    n_layers: int = 3
    node_dropout: float = 0.1
    message_dropout: float = 0.1

    @classmethod
    def from_params(cls, name: str, options: Mapping[str, Any] | None) -> ModelConfig:
        """Build from the top-level ``model`` name and ``params:model_options``."""
        return from_params(cls, options, "model_options", fixed={"name": name})

    def __post_init__(self) -> None:
        if self.name not in MODELS:
            raise ConfigError(
                f"Unknown model {self.name!r}; allowed: {', '.join(MODELS)}"
            )
        if self.embedding_dim < 1:
            raise ConfigError(
                f"model_options.embedding_dim must be >= 1, got {self.embedding_dim}"
            )
        if self.init_std < 0:
            raise ConfigError(
                f"model_options.init_std must be >= 0, got {self.init_std}"
            )
        if self.mlp_layers < 1:
            raise ConfigError(
                f"model_options.mlp_layers must be >= 1, got {self.mlp_layers}"
            )
        if self.name == "neumf":
            try:
                mlp_widths(self.embedding_dim, self.mlp_layers)
            except ValueError as exc:
                raise ConfigError(
                    f"model_options.mlp_layers: NeuMF's MLP widths halve from "
                    f"embedding_dim={self.embedding_dim} and must stay >= 1 (at most "
                    f"{self.embedding_dim.bit_length()} layers); got {self.mlp_layers}"
                ) from exc
        if self.n_layers < 0:
            raise ConfigError(
                f"model_options.n_layers must be >= 0, got {self.n_layers}"
            )
        for name in ("node_dropout", "message_dropout"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ConfigError(
                    f"model_options.{name} must be in [0, 1), got {getattr(self, name)}"
                )


def build_model(
    config: ModelConfig,
    n_users: int,
    n_items: int,
    train_users: np.ndarray | Tensor | None = None,
    train_items: np.ndarray | Tensor | None = None,
) -> Recommender:
    """Instantiate the base model named by ``config.name``.

    Args:
        config: Architecture.
        n_users: Number of users.
        n_items: Number of items.
        train_users: User index of each training pair (LightGCN's graph).
        train_items: Item index of each training pair (LightGCN's graph).

    Returns:
        A fresh, randomly initialised model (seed torch before calling).
    """
    if config.name == "mf":
        return MF(n_users, n_items, config.embedding_dim, config.init_std)
    if config.name == "neumf":
        return NeuMF(
            n_users, n_items, config.embedding_dim, config.mlp_layers, config.init_std
        )
    if train_users is None or train_items is None:
        raise ValueError("LightGCN needs the training pairs to build its graph")
    return LightGCN(
        n_users,
        n_items,
        train_users,
        train_items,
        embedding_dim=config.embedding_dim,
        n_layers=config.n_layers,
        node_dropout=config.node_dropout,
        message_dropout=config.message_dropout,
        init_std=config.init_std,
    )
