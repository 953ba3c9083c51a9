"""Figures of a run, built on ``matplotlib.figure.Figure`` (no GUI backend)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure


def plot_head_tail(
    metrics: Mapping[str, float], cutoffs: Sequence[int], title: str
) -> Figure:
    """Grouped bars: Recall and NDCG on all, head and tail test items, per N."""
    groups = [("all", ""), ("head", "_head"), ("tail", "_tail")]
    fig = Figure(figsize=(8, 3.6), layout="constrained")
    axes = fig.subplots(1, 2)
    width = 0.8 / len(cutoffs)
    x = np.arange(len(groups))
    for ax, metric in zip(axes, ("recall", "ndcg"), strict=True):
        for j, n in enumerate(cutoffs):
            values = [
                metrics.get(f"{metric}{suffix}@{n}", np.nan) for _, suffix in groups
            ]
            bars = ax.bar(
                x + (j - (len(cutoffs) - 1) / 2) * width, values, width, label=f"@{n}"
            )
            ax.bar_label(bars, fmt="%.3f", fontsize=7, padding=1)
        ax.set_xticks(x, [name for name, _ in groups])
        ax.set_ylabel(metric.upper() if metric == "ndcg" else metric.capitalize())
        ax.set_title(
            f"{metric.upper() if metric == 'ndcg' else 'Recall'} by item group"
        )
        ax.legend(fontsize=8)
    fig.suptitle(title)
    return fig


def plot_validation_curve(history: pd.DataFrame, title: str) -> Figure:
    """Validation NDCG and training loss against batches."""
    fig = Figure(figsize=(7, 3.4), layout="constrained")
    ax = fig.subplots()
    ndcg_col = next(c for c in history.columns if c.startswith("valid_ndcg@"))
    ax.plot(history["step"], history[ndcg_col], marker="o", color="tab:blue")
    ax.set_xlabel("batch")
    ax.set_ylabel(ndcg_col.replace("valid_", "validation "), color="tab:blue")
    twin = ax.twinx()
    twin.plot(history["step"], history["train_loss"], color="tab:gray", linestyle="--")
    twin.set_ylabel("training loss", color="tab:gray")
    ax.set_title(title)
    return fig


def plot_cluster_weights(cluster_history: pd.DataFrame, title: str) -> Figure:
    """ICMT's Pareto-efficient cluster weights and the mean weight on tail items."""
    fig = Figure(figsize=(7, 3.4), layout="constrained")
    ax = fig.subplots()
    if cluster_history.empty:
        ax.text(
            0.5,
            0.5,
            "no cluster weights recorded (not an ICMT run)",
            ha="center",
            va="center",
            transform=ax.transAxes,
        )
        ax.set_axis_off()
        return fig
    weight_cols = sorted(c for c in cluster_history.columns if c.startswith("w"))
    for col in weight_cols:
        label = f"cluster {col[1:]}" + (" (most popular)" if col == "w0" else "")
        ax.plot(cluster_history["step"], cluster_history[col], label=label)
    if "tail_weight" in cluster_history:
        ax.plot(
            cluster_history["step"],
            cluster_history["tail_weight"],
            color="black",
            linestyle="--",
            label="mean weight on tail positives",
        )
    ax.axhline(1.0, color="gray", linewidth=0.8)
    ax.set_xlabel("batch")
    ax.set_ylabel("weight (clusters present sum to K')")
    ax.set_title(title)
    ax.legend(fontsize=8)
    return fig
