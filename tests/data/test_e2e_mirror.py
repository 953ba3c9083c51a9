"""End to end on the real Last.fm and Gowalla files of the local mirror.

The mirror folder comes from ``ICMT_DATA_MIRROR`` (default: ``../shared/data``
beside the repository); the test is skipped when it is absent.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from icmt_pipeline.data.config import DataConfig
from icmt_pipeline.data.preprocess import (
    describe,
    item_map,
    item_popularity,
    k_core_filter,
    remap_ids,
    split_interactions,
)
from icmt_pipeline.data.report import data_report
from icmt_pipeline.data.sources import load_raw_interactions

# Read at import time: an autouse fixture clears the variable inside tests.
REPO_ROOT = Path(__file__).resolve().parents[2]
MIRROR = Path(
    os.environ.get("ICMT_DATA_MIRROR") or REPO_ROOT.parent / "shared" / "data"
).expanduser()


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("dataset", "expected"),
    [
        # documented in the mirror's README
        ("lastfm", {"pairs": 92_834, "users": 1_892, "items": 17_632}),
        ("gowalla", {"pairs": 1_027_370, "users": 29_858, "items": 40_981}),
    ],
)
def test_load_real_data_from_mirror(
    tmp_path: Path, dataset: str, expected: dict[str, int]
) -> None:
    if not (MIRROR / dataset).is_dir():
        pytest.skip(
            f"no {dataset} in the mirror {MIRROR}; set ICMT_DATA_MIRROR to a "
            "folder laid out as <dataset>/<file name>"
        )
    params = {"raw_dir": str(tmp_path / "raw"), "mirror": str(MIRROR)}
    config = DataConfig.from_params({**params, "allow_network": False}, dataset)
    raw = load_raw_interactions(config)
    stats = describe(raw.interactions)
    assert {k: stats[k] for k in expected} == expected
    assert raw.interactions["user_id"].dtype == np.int64
    assert {f["source"] for f in raw.files.values()} <= {"mirror", "extracted"}

    # the rest of the data pipeline, checked by invariants
    core = remap_ids(k_core_filter(raw.interactions, config.k_core))
    assert core.groupby("user_idx").size().min() >= config.k_core
    assert core.groupby("item_idx").size().min() >= config.k_core
    train, valid, test = split_interactions(core, config.split_ratios, config.seed)
    assert len(train) + len(valid) + len(test) == len(core)
    n_items = int(core["item_idx"].max()) + 1
    popularity = item_popularity(train, n_items, config.head_share, item_map(core))
    report = data_report(core, train, valid, test, popularity)
    # head = floor(0.2 * n_items + 0.5) items
    assert report["head_items"] == int(0.2 * n_items + 0.5)
    assert report["users_only_in_train"] == 0  # k >= 3 leaves no small users
    if dataset == "lastfm":
        assert raw.item_names is not None
        assert raw.item_names["item_id"].is_unique
        assert len(raw.item_names) == 17_632
