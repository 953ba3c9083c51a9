"""The one trainer every framework shares.

Batches of positive pairs with sampled negatives; a framework step
(:mod:`icmt_pipeline.training.objectives`); validation NDCG@N every
``eval_every`` batches; early stopping; the best weights kept.
"""

from __future__ import annotations

import copy
import logging
import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import torch
from tqdm.auto import tqdm

from icmt_pipeline.evaluation.metrics import ranking_metrics
from icmt_pipeline.evaluation.ranking import rank_top_n
from icmt_pipeline.evaluation.sets import UserItemSets
from icmt_pipeline.models import ModelConfig, PopularityDisentangled, build_model
from icmt_pipeline.params import to_plain
from icmt_pipeline.training.config import TrainConfig
from icmt_pipeline.training.objectives import ICMTStep, IPSStep, NormalStep
from icmt_pipeline.training.sampler import NegativeSampler

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SplitArrays:
    """Index arrays of a split, as the trainer consumes them.

    Attributes:
        n_users: Number of users (all splits share the index space).
        n_items: Number of items.
        train_users, train_items: Training pairs ``[P]``.
        valid_users, valid_items: Validation pairs.
        is_head: ``[I]`` bool, head items (from training popularity).
    """

    n_users: int
    n_items: int
    train_users: np.ndarray
    train_items: np.ndarray
    valid_users: np.ndarray
    valid_items: np.ndarray
    is_head: np.ndarray

    @classmethod
    def from_frames(
        cls, train: pd.DataFrame, valid: pd.DataFrame, popularity: pd.DataFrame
    ) -> SplitArrays:
        """From the split tables (``user_idx``, ``item_idx``) and the popularity."""
        popularity = popularity.sort_values("item_idx")
        return cls(
            n_users=int(max(train["user_idx"].max(), valid["user_idx"].max())) + 1,
            n_items=len(popularity),
            train_users=train["user_idx"].to_numpy(np.int64),
            train_items=train["item_idx"].to_numpy(np.int64),
            valid_users=valid["user_idx"].to_numpy(np.int64),
            valid_items=valid["item_idx"].to_numpy(np.int64),
            is_head=popularity["is_head"].to_numpy(bool),
        )

    @property
    def item_counts(self) -> np.ndarray:
        """Training interactions per item ``[I]``."""
        return np.bincount(self.train_items, minlength=self.n_items)


@dataclass
class TrainResult:
    """What training produces.

    Attributes:
        model: The model with the best validation weights loaded.
        best_step: Batch at which validation NDCG was best.
        best_valid: That NDCG.
        history: One row per validation (step, epoch, loss, NDCG, seconds).
        cluster_history: ICMT only: cluster weights every ``log_every`` batches.
        steps: Batches run.
        stopped_early: Whether patience ran out before the budget.
        seconds: Wall time of training.
    """

    model: PopularityDisentangled
    best_step: int
    best_valid: float
    history: list[dict[str, float]] = field(default_factory=list)
    cluster_history: list[dict[str, float]] = field(default_factory=list)
    steps: int = 0
    stopped_early: bool = False
    seconds: float = 0.0

    def checkpoint(
        self,
        model_config: ModelConfig,
        train_config: TrainConfig,
        extra_config: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The best weights and the resolved configuration, ``weights_only``-safe."""
        base = self.model.base
        return {
            "state_dict": {
                k: v.detach().clone() for k, v in self.model.state_dict().items()
            },
            "config": {
                "model": to_plain(model_config),
                "train": to_plain(train_config),
                **to_plain(extra_config or {}),
            },
            "n_users": int(base.n_users),
            "n_items": int(base.n_items),
            "best_step": int(self.best_step),
            "best_valid_ndcg": float(self.best_valid),
            "steps": int(self.steps),
        }


def model_from_checkpoint(checkpoint: dict[str, Any]) -> PopularityDisentangled:
    """Rebuild the model saved by :meth:`TrainResult.checkpoint`."""
    config = checkpoint["config"]
    model_config = ModelConfig(**config["model"])
    icmt = config["train"]["icmt"]
    state = checkpoint["state_dict"]
    base = build_model(
        model_config,
        checkpoint["n_users"],
        checkpoint["n_items"],
        train_users=state.get("base.graph_users"),
        train_items=state.get("base.graph_items"),
    )
    model = PopularityDisentangled(
        base, use_pd="v_pop" in state, lambda_pop=icmt["lambda_pop"]
    )
    model.load_state_dict(state)
    model.eval()
    return model


def _optimizer(
    model: torch.nn.Module, model_name: str, cfg: TrainConfig
) -> torch.optim.Optimizer:
    name = cfg.optimizer
    if name == "auto":
        name = "rmsprop" if model_name == "neumf" else "adam"
    # Adam's fused CPU kernel updates the whole embedding tables in one pass,
    # about 8x faster than the default per-tensor loop on Gowalla-sized tables.
    if name == "rmsprop":
        return torch.optim.RMSprop(model.parameters(), lr=cfg.lr, foreach=True)
    return torch.optim.Adam(model.parameters(), lr=cfg.lr, fused=True)


def validation_ndcg(
    model: PopularityDisentangled,
    users: np.ndarray,
    seen: UserItemSets,
    truth: UserItemSets,
    cutoff: int,
    batch_size: int,
) -> float:
    """NDCG@cutoff on the validation split, training items masked."""
    top, _ = rank_top_n(model.base, users, seen, cutoff, batch_size)
    is_tail = np.zeros(truth.n_items, dtype=bool)
    counts = np.zeros(truth.n_items)
    return ranking_metrics(top, users, truth, is_tail, counts, (cutoff,))[
        f"ndcg@{cutoff}"
    ]


def train_model(
    model_config: ModelConfig, cfg: TrainConfig, data: SplitArrays
) -> TrainResult:
    """Train one model under one framework; return the best-validation weights.

    Args:
        model_config: Base model architecture.
        cfg: Training configuration (framework, budget, ICMT knobs...).
        data: Training and validation pairs as index arrays.

    Returns:
        The trained model (best weights loaded) with its histories.
    """
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    base = build_model(
        model_config, data.n_users, data.n_items, data.train_users, data.train_items
    )
    use_pd = cfg.framework == "icmt" and cfg.icmt.popularity_disentanglement
    model = PopularityDisentangled(base, use_pd, cfg.icmt.lambda_pop)
    base.check_parameter_split()
    optimizer = _optimizer(model, model_config.name, cfg)
    counts = data.item_counts
    if cfg.framework == "icmt":
        step_fn: Any = ICMTStep(model, optimizer, cfg, counts, ~data.is_head)
    elif cfg.framework == "ips":
        step_fn = IPSStep(model, optimizer, cfg, counts)
    else:
        step_fn = NormalStep(model, optimizer, cfg)
    sampler = NegativeSampler(
        data.train_users, data.train_items, data.n_items, rng, n_users=data.n_users
    )
    seen = sampler.positives  # training items, masked in validation
    truth = UserItemSets.from_pairs(
        data.valid_users, data.valid_items, data.n_users, data.n_items
    )
    valid_users = np.flatnonzero(truth.counts > 0)
    n_pairs = data.train_users.size
    per_epoch = math.ceil(n_pairs / cfg.batch_size)
    total = per_epoch * cfg.max_epochs
    if cfg.max_steps is not None:
        total = min(total, cfg.max_steps)
    logger.info(
        "Training %s/%s: %d users, %d items, %d training pairs, %d batches/epoch, "
        "budget %d batches, validating %d users every %d batches",
        model_config.name,
        cfg.framework,
        data.n_users,
        data.n_items,
        n_pairs,
        per_epoch,
        total,
        valid_users.size,
        cfg.eval_every,
    )

    n_evals = total // cfg.eval_every + (total % cfg.eval_every > 0)
    if n_evals < 3:
        logger.warning(
            "Validation runs only %d time(s) in a budget of %d batches "
            "(train.eval_every=%d), so early stopping cannot act; for a small "
            "dataset lower train.eval_every, e.g. to %d (one epoch)",
            n_evals,
            total,
            cfg.eval_every,
            per_epoch,
        )
    result = TrainResult(model=model, best_step=0, best_valid=-math.inf)
    best_state = copy.deepcopy(model.state_dict())
    bad_evals, step, started = 0, 0, time.perf_counter()
    running: list[float] = []
    interval: list[dict[str, float]] = []
    bar = tqdm(
        total=total,
        desc=f"{model_config.name}/{cfg.framework}",
        unit="batch",
        disable=None if cfg.progress_bar else True,
        leave=False,
    )
    model.train()
    try:
        while step < total and not result.stopped_early:
            order = rng.permutation(n_pairs)
            for start in range(0, n_pairs, cfg.batch_size):
                idx = order[start : start + cfg.batch_size]
                users = data.train_users[idx]
                neg = sampler.sample(users, cfg.n_negatives)
                stats = step_fn(
                    torch.from_numpy(users),
                    torch.from_numpy(data.train_items[idx]),
                    torch.from_numpy(neg),
                )
                step += 1
                bar.update(1)
                running.append(stats["loss"])
                if not math.isfinite(stats["loss"]):
                    raise FloatingPointError(
                        f"Training loss became {stats['loss']} at batch {step}; "
                        "lower train.lr or check the data"
                    )
                if cfg.framework == "icmt":
                    interval.append(stats)  # cluster weights, averaged per log_every
                    if step % cfg.log_every == 0:
                        result.cluster_history.append(_mean_stats(interval, step))
                        interval = []
                if step % cfg.eval_every == 0 or step == total:
                    t0 = time.perf_counter()
                    ndcg = validation_ndcg(
                        model,
                        valid_users,
                        seen,
                        truth,
                        cfg.eval_cutoff,
                        cfg.eval_batch_size,
                    )
                    row = {
                        "step": float(step),
                        "epoch": step / per_epoch,
                        "train_loss": float(np.mean(running)),
                        f"valid_ndcg@{cfg.eval_cutoff}": ndcg,
                        "eval_seconds": time.perf_counter() - t0,
                        "elapsed_seconds": time.perf_counter() - started,
                    }
                    result.history.append(row)
                    running = []
                    improved = ndcg > result.best_valid
                    if improved:
                        result.best_valid, result.best_step = ndcg, step
                        best_state = copy.deepcopy(model.state_dict())
                        bad_evals = 0
                    else:
                        bad_evals += 1
                    logger.info(
                        "step %d (epoch %.2f): loss %.4f, valid NDCG@%d %.5f%s, %.1fs",
                        step,
                        row["epoch"],
                        row["train_loss"],
                        cfg.eval_cutoff,
                        ndcg,
                        " (best)" if improved else "",
                        row["elapsed_seconds"],
                    )
                    bar.set_postfix(loss=f"{row['train_loss']:.4f}", ndcg=f"{ndcg:.4f}")
                    if bad_evals >= cfg.patience:
                        result.stopped_early = True
                        logger.info(
                            "Early stop: %d validations without gain", bad_evals
                        )
                if step >= total or result.stopped_early:
                    break
    finally:
        bar.close()
    model.load_state_dict(best_state)
    model.eval()
    result.steps = step
    result.seconds = time.perf_counter() - started
    logger.info(
        "Best valid NDCG@%d %.5f at step %d; %d batches in %.1fs",
        cfg.eval_cutoff,
        result.best_valid,
        result.best_step,
        step,
        result.seconds,
    )
    return result


def _mean_stats(rows: list[dict[str, float]], step: int) -> dict[str, float]:
    """Mean of each statistic over an interval (NaN entries ignored)."""
    out = {"step": float(step)}
    for key in rows[0]:
        values = np.array([r[key] for r in rows], dtype=np.float64)
        finite = values[np.isfinite(values)]
        out[key] = float(finite.mean()) if finite.size else float("nan")
    return out
