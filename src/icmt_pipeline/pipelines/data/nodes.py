"""Nodes of the ``data`` pipeline; the work is done in :mod:`icmt_pipeline.data`."""

from __future__ import annotations

import logging
import math
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from icmt_pipeline.data.config import DataConfig
from icmt_pipeline.data.preprocess import (
    item_map,
    item_popularity,
    k_core_filter,
    remap_ids,
    split_interactions,
)
from icmt_pipeline.data.report import data_report, plot_popularity_curve
from icmt_pipeline.data.sources import load_raw_interactions
from icmt_pipeline.errors import DataError

logger = logging.getLogger(__name__)


def load_interactions(
    dataset: str, data: dict[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Fetch (cache -> mirror -> network) and parse the dataset's raw files.

    Returns:
        The raw positive pairs (original ids), the item names (empty table
        when the dataset has none) and a record of every file used (where it
        came from, size, sha256).
    """
    raw = load_raw_interactions(DataConfig.from_params(data, dataset))
    names = raw.item_names
    if names is None:
        names = pd.DataFrame(
            {
                "item_id": raw.interactions["item_id"].iloc[:0],
                "item_name": pd.Series([], dtype="string"),
            }
        )
    files = {
        name: {
            key: str(value) if not isinstance(value, int | float) else value
            for key, value in record.items()
        }
        for name, record in raw.files.items()
    }
    return raw.interactions, names, files


def filter_interactions(
    raw_interactions: pd.DataFrame, dataset: str, data: dict[str, Any]
) -> pd.DataFrame:
    """Iterated k-core filtering, then contiguous ``user_idx``/``item_idx``."""
    config = DataConfig.from_params(data, dataset)
    setting = f"data.sources.{dataset}.k_core"
    return remap_ids(k_core_filter(raw_interactions, config.k_core, setting))


def split_data(
    interactions: pd.DataFrame, dataset: str, data: dict[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Split each user's pairs into train, validation and test (seeded)."""
    config = DataConfig.from_params(data, dataset)
    train, valid, test = split_interactions(
        interactions, config.split_ratios, config.seed, config.split_method
    )
    if valid.empty or test.empty:
        raise DataError(
            f"{dataset}: no user has the 3 pairs needed to give one to each of "
            "train, valid and test, so nothing could be validated or tested "
            f"({interactions['user_idx'].nunique()} users, {len(interactions)} "
            f"pairs after the {config.k_core}-core); raise "
            f"data.sources.{dataset}.k_core to 3 or more, or bring more data"
        )
    return train, valid, test


def compute_item_popularity(
    train: pd.DataFrame, interactions: pd.DataFrame, dataset: str, data: dict[str, Any]
) -> pd.DataFrame:
    """Training count per item and the head (top ``head_share``) / tail label."""
    config = DataConfig.from_params(data, dataset)
    items = item_map(interactions)
    return item_popularity(train, len(items), config.head_share, items)


def report_data(
    interactions: pd.DataFrame,
    train: pd.DataFrame,
    valid: pd.DataFrame,
    test: pd.DataFrame,
    item_popularity: pd.DataFrame,
    dataset: str,
) -> tuple[dict[str, Any], Figure, dict[str, Any]]:
    """Dataset summary (JSON and MLflow metrics) and the item-popularity curve."""
    report = data_report(interactions, train, valid, test, item_popularity)
    figure = plot_popularity_curve(item_popularity)
    figure.suptitle(f"{dataset}: item popularity in the training split")
    metrics = {
        key: {"value": float(value), "step": 0}
        for key, value in report.items()
        if isinstance(value, int | float) and math.isfinite(value)
    }
    return {"dataset": dataset, **report}, figure, metrics
