"""Nodes of the ``train`` pipeline: train, recommend, evaluate, report."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from icmt_pipeline.errors import ConfigError
from icmt_pipeline.evaluation.frames import metrics_from_recommendations
from icmt_pipeline.evaluation.ranking import rank_top_n
from icmt_pipeline.evaluation.sets import UserItemSets
from icmt_pipeline.models import ModelConfig
from icmt_pipeline.params import from_params
from icmt_pipeline.reporting import (
    metrics_table,
    plot_cluster_weights,
    plot_head_tail,
    plot_validation_curve,
)
from icmt_pipeline.training import (
    SplitArrays,
    TrainConfig,
    model_from_checkpoint,
    train_model,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class EvaluationConfig:
    """``params:evaluation``: list length, metric cut-offs, batch size."""

    top_n: int = 20
    cutoffs: tuple[int, ...] = (10, 20)
    batch_size: int = 1024

    def __post_init__(self) -> None:
        object.__setattr__(self, "cutoffs", tuple(int(c) for c in self.cutoffs))
        for name in ("top_n", "batch_size"):
            if getattr(self, name) < 1:
                raise ConfigError(
                    f"evaluation.{name} must be >= 1, got {getattr(self, name)}"
                )
        if not self.cutoffs or min(self.cutoffs) < 1 or max(self.cutoffs) > self.top_n:
            raise ConfigError(
                f"evaluation.cutoffs must be in 1..top_n={self.top_n}, "
                f"got {self.cutoffs}"
            )


def _mlflow_name(key: str) -> str:
    """MLflow rejects '@' in metric names: ``recall@20`` -> ``recall_at_20``."""
    return key.replace("@", "_at_")


def train_recommender(
    train: pd.DataFrame,
    valid: pd.DataFrame,
    test: pd.DataFrame,
    item_popularity: pd.DataFrame,
    dataset: str,
    model: str,
    framework: str,
    model_options: dict[str, Any],
    train_params: dict[str, Any],
    evaluation: dict[str, Any],
) -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame, dict[str, Any], dict[str, Any]]:
    """Train ``model`` under ``framework``; keep the best-validation weights.

    Before training, checks that every validation user can get a list of
    ``train.eval_cutoff`` unseen items and every test user one of
    ``evaluation.top_n`` (a small catalogue may not allow it).

    Returns:
        The checkpoint (state dict + resolved config), the validation history,
        the ICMT cluster-weight history (empty for other frameworks), and both
        histories shaped for MLflow's metric history.
    """
    eval_config = from_params(EvaluationConfig, evaluation, "evaluation")
    train_config = TrainConfig.from_params(framework, train_params)
    n_items = len(item_popularity)
    seen = train.groupby("user_idx").size()
    _check_list_length(
        seen.reindex(valid["user_idx"].unique(), fill_value=0),
        n_items,
        train_config.eval_cutoff,
        "train.eval_cutoff",
        "validation",
    )
    seen_with_valid = seen.add(valid.groupby("user_idx").size(), fill_value=0)
    _check_list_length(
        seen_with_valid.reindex(test["user_idx"].unique(), fill_value=0),
        n_items,
        eval_config.top_n,
        "evaluation.top_n",
        "test",
    )
    if train_config.framework == "icmt" and train_config.icmt.n_clusters > n_items:
        raise ConfigError(
            f"train.icmt.n_clusters={train_config.icmt.n_clusters} is more than the "
            f"{n_items} items to cluster; lower it (paper: 2)"
        )
    model_config = ModelConfig.from_params(model, model_options)
    result = train_model(
        model_config,
        train_config,
        SplitArrays.from_frames(train, valid, item_popularity),
    )
    checkpoint = result.checkpoint(
        model_config, train_config, {"dataset": dataset, "framework": framework}
    )
    history = pd.DataFrame(result.history)
    clusters = pd.DataFrame(result.cluster_history)
    return (
        checkpoint,
        history,
        clusters,
        _metric_history(history, exclude=("step", "epoch")),
        _metric_history(clusters, exclude=("step",)),
    )


def _check_list_length(
    seen: pd.Series, n_items: int, n: int, setting: str, split: str
) -> None:
    """Refuse a list length ``n`` that some user's unseen items cannot fill.

    Args:
        seen: Items each evaluated user has already seen, by ``user_idx``.
        n_items: Items in the catalogue.
        n: The list length.
        setting: The parameter that sets ``n``, for the message.
        split: ``validation`` or ``test``, for the message.
    """
    if seen.empty:
        return
    worst = int(seen.max())
    if n_items - worst < n:
        raise ConfigError(
            f"{setting}={n} is longer than the {n_items - worst} unseen item(s) "
            f"left for a {split} user who has seen {worst} of the {n_items} items; "
            f"lower {setting} (and evaluation.cutoffs) or keep more items "
            "(a lower k_core)"
        )


def _metric_history(frame: pd.DataFrame, exclude: tuple[str, ...]) -> dict[str, Any]:
    """A table of per-step values as ``{name: [{"step", "value"}, ...]}``."""
    if frame.empty:
        return {}
    steps = frame["step"].astype(int).tolist()
    return {
        _mlflow_name(col): [
            {"step": s, "value": float(v)}
            for s, v in zip(steps, frame[col], strict=True)
            if np.isfinite(v)
        ]
        for col in frame.columns
        if col not in exclude
    }


def recommend_items(
    checkpoint: dict[str, Any],
    train: pd.DataFrame,
    valid: pd.DataFrame,
    test: pd.DataFrame,
    item_popularity: pd.DataFrame,
    item_names: pd.DataFrame,
    evaluation: dict[str, Any],
) -> pd.DataFrame:
    """Top-N lists for every test user, training and validation items masked.

    Returns:
        ``user_id, item_id, rank (1..N), score`` with original ids, plus
        ``item_name`` when the dataset has item names.
    """
    cfg = from_params(EvaluationConfig, evaluation, "evaluation")
    model = model_from_checkpoint(checkpoint)
    n_users, n_items = checkpoint["n_users"], checkpoint["n_items"]
    pairs = pd.concat(
        [train[["user_idx", "item_idx"]], valid[["user_idx", "item_idx"]]]
    )
    seen = UserItemSets.from_pairs(
        pairs["user_idx"], pairs["item_idx"], n_users, n_items
    )
    users = np.unique(test["user_idx"].to_numpy(np.int64))
    items, scores = rank_top_n(model.base, users, seen, cfg.top_n, cfg.batch_size)
    user_ids = test.drop_duplicates("user_idx").set_index("user_idx")["user_id"]
    item_ids = item_popularity.set_index("item_idx")["item_id"]
    recs = pd.DataFrame(
        {
            "user_id": np.repeat(user_ids.loc[users].to_numpy(), cfg.top_n),
            "item_id": item_ids.loc[items.ravel()].to_numpy(),
            "rank": np.tile(np.arange(1, cfg.top_n + 1, dtype=np.int64), users.size),
            "score": scores.ravel(),
        }
    )
    if not item_names.empty:
        names = item_names.drop_duplicates("item_id").set_index("item_id")["item_name"]
        recs["item_name"] = recs["item_id"].map(names)
    logger.info("Recommended %d items to each of %d test users", cfg.top_n, users.size)
    return recs


def evaluate_recommendations(
    recommendations: pd.DataFrame,
    test: pd.DataFrame,
    item_popularity: pd.DataFrame,
    evaluation: dict[str, Any],
) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
    """Metrics from the saved lists (METHOD.md section 7).

    Returns:
        The flat metrics twice (the latest-run file and the run's own
        versioned copy) and once with MLflow-safe names.
    """
    cfg = from_params(EvaluationConfig, evaluation, "evaluation")
    metrics = metrics_from_recommendations(
        recommendations, test, item_popularity, cfg.cutoffs
    )
    n = max(cfg.cutoffs)
    logger.info(
        "Test @%d: recall %.4f ndcg %.4f | tail recall %.4f ndcg %.4f | "
        "coverage %.4f apt %.4f",
        n,
        metrics[f"recall@{n}"],
        metrics[f"ndcg@{n}"],
        metrics[f"recall_tail@{n}"],
        metrics[f"ndcg_tail@{n}"],
        metrics[f"coverage@{n}"],
        metrics[f"apt@{n}"],
    )
    for_mlflow = {_mlflow_name(k): {"value": v, "step": 0} for k, v in metrics.items()}
    return metrics, dict(metrics), for_mlflow


def report_run(
    metrics: dict[str, float],
    training_history: pd.DataFrame,
    cluster_history: pd.DataFrame,
    dataset: str,
    model: str,
    framework: str,
    evaluation: dict[str, Any],
) -> tuple[pd.DataFrame, Figure, Figure, Figure]:
    """A metrics table and the run's figures."""
    cfg = from_params(EvaluationConfig, evaluation, "evaluation")
    title = f"{dataset} / {model} / {framework}"
    return (
        metrics_table(metrics),
        plot_head_tail(metrics, cfg.cutoffs, f"Test accuracy by item group: {title}"),
        plot_validation_curve(training_history, f"Validation: {title}"),
        plot_cluster_weights(cluster_history, f"ICMT cluster weights: {title}"),
    )
