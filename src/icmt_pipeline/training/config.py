"""Training configuration: frozen dataclasses built from ``params:train``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from icmt_pipeline.errors import ConfigError
from icmt_pipeline.params import from_params

FRAMEWORKS = ("normal", "ips", "icmt")
OPTIMIZERS = ("auto", "adam", "rmsprop")
PE_GRADIENTS = ("parameters", "representations")


@dataclass(frozen=True)
class ICMTConfig:
    """The three parts of ICMT and their knobs (METHOD.md sections 1-5).

    Attributes:
        popularity_disentanglement: PD on/off (ablation "w/o PD").
        lambda_pop: Weight of the popularity score (paper: 2e-3).
        cluster_reweighting: CR on/off: Pareto-efficient cluster weights
            (ablation "w/o CR" trains every cluster with weight 1).
        n_clusters: K (paper: 2; K = 1 is normal training).
        recluster_every: Re-run K-means every this many batches (paper: 1).
        kmeans_max_iter: Lloyd iterations per re-clustering.
        pe_gradients: ``parameters``: exact gradients of each cluster's loss
            with respect to the shared parameters; ``representations``:
            gradients with respect to the batch's user representations
            (MGDA-UB, cheaper for LightGCN and NeuMF).
        fw_max_iter: Frank-Wolfe iteration cap.
        fw_tol: Frank-Wolfe stopping tolerance on the L1 change of alpha.
        negatives_in_clusters: Also weight each sampled negative by its item's
            cluster (default: negatives stay unweighted, as the paper regroups
            only positives).
        contractive: CL on/off.
        lambda_cl: Weight of the contractive term (paper: 1e-3 Last.fm and
            Gowalla, 2e-3 Yelp2018).
    """

    popularity_disentanglement: bool = True
    lambda_pop: float = 2e-3
    cluster_reweighting: bool = True
    n_clusters: int = 2
    recluster_every: int = 10
    kmeans_max_iter: int = 20
    pe_gradients: str = "parameters"
    fw_max_iter: int = 50
    fw_tol: float = 1e-6
    negatives_in_clusters: bool = False
    contractive: bool = True
    lambda_cl: float = 1e-3

    def __post_init__(self) -> None:
        if self.n_clusters < 1:
            raise ConfigError(
                f"train.icmt.n_clusters must be >= 1, got {self.n_clusters}"
            )
        if self.recluster_every < 1:
            raise ConfigError(
                f"train.icmt.recluster_every must be >= 1, got {self.recluster_every}"
            )
        if self.pe_gradients not in PE_GRADIENTS:
            raise ConfigError(
                f"train.icmt.pe_gradients must be one of {', '.join(PE_GRADIENTS)}, "
                f"got {self.pe_gradients!r}"
            )
        for name in ("lambda_pop", "lambda_cl"):
            if getattr(self, name) < 0:
                raise ConfigError(f"train.icmt.{name} must be >= 0")
        for name in ("kmeans_max_iter", "fw_max_iter"):
            if getattr(self, name) < 1:
                raise ConfigError(
                    f"train.icmt.{name} must be >= 1, got {getattr(self, name)}"
                )
        if self.fw_tol <= 0:
            raise ConfigError(f"train.icmt.fw_tol must be > 0, got {self.fw_tol}")


@dataclass(frozen=True)
class IPSConfig:
    """Inverse propensity scoring baseline.

    Each positive's loss is weighted by ``1 / n_i`` (``n_i`` = the item's
    training count), normalised so the weights average 1 over the training
    pairs, then clipped at ``max_weight`` when it is set.
    """

    max_weight: float | None = None

    def __post_init__(self) -> None:
        if self.max_weight is not None and self.max_weight <= 0:
            raise ConfigError(
                f"train.ips.max_weight must be > 0, got {self.max_weight}"
            )


@dataclass(frozen=True)
class TrainConfig:
    """Everything the trainer needs besides the model architecture.

    Attributes:
        framework: ``normal``, ``ips`` or ``icmt``.
        seed: Seeds initialisation, batching, negatives, dropout, K-means.
        batch_size: Positive pairs per batch (paper: 512).
        lr: Learning rate (paper: 1e-3).
        optimizer: ``auto`` (Adam; RMSprop for NeuMF, as in the paper),
            ``adam`` or ``rmsprop``.
        n_negatives: Sampled negatives per positive.
        l2: Weight of the L2 penalty on the batch's embedding rows.
        max_epochs: Passes over the training pairs at most.
        max_steps: Batches at most (``None``: no cap besides ``max_epochs``).
        eval_every: Validate every this many batches (paper: 3000).
        patience: Stop after this many validations without a better NDCG.
        eval_cutoff: N of the validation NDCG@N used for early stopping.
        eval_batch_size: Users scored at once in evaluation.
        log_every: Record cluster weights every this many batches.
        progress_bar: Show a tqdm bar (it hides itself when not on a terminal).
        icmt: ICMT knobs.
        ips: IPS knobs.
    """

    framework: str = "icmt"
    seed: int = 2024
    batch_size: int = 512
    lr: float = 1e-3
    optimizer: str = "auto"
    n_negatives: int = 1
    l2: float = 1e-4
    max_epochs: int = 50
    max_steps: int | None = None
    eval_every: int = 200
    patience: int = 5
    eval_cutoff: int = 20
    eval_batch_size: int = 1024
    log_every: int = 20
    progress_bar: bool = True
    icmt: ICMTConfig = field(default_factory=ICMTConfig)
    ips: IPSConfig = field(default_factory=IPSConfig)

    def __post_init__(self) -> None:
        if self.framework not in FRAMEWORKS:
            raise ConfigError(
                f"Unknown framework {self.framework!r}; "
                f"allowed: {', '.join(FRAMEWORKS)}"
            )
        if not 0 <= self.seed < 2**32:
            raise ConfigError(f"train.seed must be in 0..2**32-1, got {self.seed}")
        if self.optimizer not in OPTIMIZERS:
            raise ConfigError(
                f"Unknown optimizer {self.optimizer!r}; "
                f"allowed: {', '.join(OPTIMIZERS)}"
            )
        for name in (
            "batch_size",
            "n_negatives",
            "max_epochs",
            "eval_every",
            "patience",
            "eval_cutoff",
            "eval_batch_size",
            "log_every",
        ):
            if getattr(self, name) < 1:
                raise ConfigError(
                    f"train.{name} must be >= 1, got {getattr(self, name)}"
                )
        if self.max_steps is not None and self.max_steps < 1:
            raise ConfigError(
                f"train.max_steps must be >= 1 or null, got {self.max_steps}"
            )
        if self.lr <= 0 or self.l2 < 0:
            raise ConfigError("train.lr must be > 0 and train.l2 >= 0")

    @classmethod
    def from_params(
        cls, framework: str, params: Mapping[str, Any] | None
    ) -> TrainConfig:
        """Build from ``params:train`` and the chosen framework name."""
        return from_params(cls, params, "train", fixed={"framework": framework})
