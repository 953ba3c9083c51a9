"""Shared set-up of the benchmark scripts: Gowalla splits straight from the library."""

from __future__ import annotations

import json
import os
import platform
import resource
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from icmt_pipeline.data.config import DataConfig
from icmt_pipeline.data.preprocess import (
    item_map,
    item_popularity,
    k_core_filter,
    remap_ids,
    split_interactions,
)
from icmt_pipeline.data.sources import load_raw_interactions
from icmt_pipeline.training import SplitArrays

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


@dataclass
class Splits:
    arrays: SplitArrays
    test_users: np.ndarray
    test_items: np.ndarray


def load_gowalla(k_core: int) -> Splits:
    """Gowalla from the cache or ``ICMT_DATA_MIRROR``, k-core filtered, split 8:1:1."""
    config = DataConfig.from_params(
        {
            "raw_dir": str(ROOT / "data" / "01_raw"),
            "allow_network": False,
            "sources": {"gowalla": {"k_core": k_core}},
        },
        "gowalla",
    )
    raw = load_raw_interactions(config)
    interactions = remap_ids(k_core_filter(raw.interactions, k_core))
    train, valid, test = split_interactions(
        interactions, config.split_ratios, config.seed
    )
    items = item_map(interactions)
    pop = item_popularity(train, len(items), config.head_share, items)
    arrays = SplitArrays.from_frames(train, valid, pop)
    return Splits(
        arrays, test["user_idx"].to_numpy(np.int64), test["item_idx"].to_numpy(np.int64)
    )


def peak_rss_gib() -> float:
    """Peak resident memory of this process so far, GiB (Linux: ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def best_of(fn, repeats: int = 3) -> float:  # type: ignore[no-untyped-def]
    """Minimum wall time of ``repeats`` calls, seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def machine() -> dict[str, object]:
    return {
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "pandas": pd.__version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
    }


def save(name: str, payload: dict[str, object]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps({"machine": machine(), **payload}, indent=2))
    return path
