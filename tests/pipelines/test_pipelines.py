"""The Kedro pipelines on a tiny generated dataset, with an in-memory catalog."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from kedro.config import OmegaConfigLoader
from kedro.io import DataCatalog, MemoryDataset
from kedro.runner import SequentialRunner
from omegaconf.resolvers import oc

from icmt_pipeline.pipeline_registry import register_pipelines
from icmt_pipeline.training import model_from_checkpoint

CONF = Path(__file__).resolve().parents[2] / "conf"


class KeptDataset(MemoryDataset):
    """An in-memory dataset the runner does not empty after its last use."""

    def _release(self) -> None:
        pass


def _write_logs(tmp_path: Path) -> tuple[Path, Path]:
    """40 users x 30 items with string ids, ratings, timestamps, a popularity skew."""
    rng = np.random.default_rng(0)
    weights = 1 / np.arange(1, 31)
    rows = []
    for u in range(40):
        items = rng.choice(
            30, size=rng.integers(8, 16), replace=False, p=weights / weights.sum()
        )
        for i in items:
            rows.append(
                (
                    f"user-{u:03d}",
                    f"sku-{i:02d}",
                    int(rng.integers(1, 6)),
                    int(rng.integers(10**9, 2 * 10**9)),
                )
            )
    rows.append(rows[0])  # a duplicate pair, collapsed by the loader
    logs = pd.DataFrame(rows, columns=["who", "what", "stars", "when"])
    logs.to_csv(tmp_path / "logs.csv", index=False)
    names = pd.DataFrame(
        {
            "sku": [f"sku-{i:02d}" for i in range(30)],
            "title": [f"Item number {i}" for i in range(30)],
        }
    )
    names.to_csv(tmp_path / "names.csv", index=False)
    return tmp_path / "logs.csv", tmp_path / "names.csv"


def _params(tmp_path: Path, model: str, framework: str) -> dict:
    loader = OmegaConfigLoader(
        str(CONF),
        base_env="base",
        default_run_env="base",
        runtime_params={"dataset": "custom", "model": model, "framework": framework},
        custom_resolvers={"oc.env": oc.env},
    )
    params = loader["parameters"]
    logs, names = _write_logs(tmp_path)
    params["data"]["raw_dir"] = str(tmp_path / "raw")
    params["data"]["allow_network"] = False
    params["data"]["sources"]["custom"].update(
        path=str(logs),
        columns={"user": "who", "item": "what", "rating": "stars", "timestamp": "when"},
        min_rating=2,
        k_core=3,
        item_names={
            "path": str(names),
            "id_column": "sku",
            "name_column": "title",
            "sep": ",",
        },
    )
    params["train"].update(
        max_steps=40, eval_every=20, batch_size=64, eval_cutoff=5, progress_bar=False
    )
    params["evaluation"].update(top_n=5, cutoffs=[3, 5])
    return params


@pytest.mark.parametrize(
    ("model", "framework"), [("mf", "icmt"), ("neumf", "ips"), ("lightgcn", "normal")]
)
def test_train_pipeline_on_generated_custom_data(
    tmp_path, monkeypatch, model, framework
):
    monkeypatch.delenv("ICMT_DATA_MIRROR", raising=False)
    params = _params(tmp_path, model, framework)
    catalog = _run(tmp_path, params, "train")

    recs = catalog.load("recommendations")
    test = catalog.load("test")
    metrics = catalog.load("metrics")
    # One list of 5 per test user, ranks 1..5, original string ids, item names.
    assert set(recs["user_id"]) == set(test["user_id"])
    assert (
        recs.groupby("user_id")["rank"]
        .apply(list)
        .map(lambda r: r == [1, 2, 3, 4, 5])
        .all()
    )
    assert recs["item_id"].str.startswith("sku-").all()
    assert (
        recs["item_name"]
        == "Item number " + recs["item_id"].str[4:].astype(int).astype(str)
    ).all()
    # Never a training or validation item of that user.
    seen = pd.concat([catalog.load("train"), catalog.load("valid")])
    clash = recs.merge(seen, on=["user_id", "item_id"])
    assert clash.empty
    assert {"recall@5", "ndcg_tail@3", "coverage@5", "apt@5"} <= metrics.keys()
    assert metrics == catalog.load("run_metrics")
    # The checkpoint survives a weights_only round trip and rebuilds the model.
    path = tmp_path / "model.pt"
    torch.save(catalog.load("model_checkpoint"), path)
    restored = model_from_checkpoint(torch.load(path, weights_only=True))
    assert restored.base.n_items == len(catalog.load("item_popularity"))
    assert catalog.load("model_checkpoint")["config"]["train"]["framework"] == framework


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"model": "mfx"}, "Unknown model 'mfx'; allowed: mf, neumf, lightgcn"),
        ({"framework": "icmtt"}, "Unknown framework 'icmtt'"),
        ({"dataset": "netflix"}, "Unknown dataset 'netflix'"),
        # 'framework' is a top-level knob, so it is not listed among train's keys.
        (
            {"train": {"lernrate": 1}},
            r"Unknown parameter.*'lernrate' in 'train'; allowed: batch_size, "
            r"(?!.*framework)",
        ),
        ({"trian": {"max_steps": 1}}, "Unknown top-level parameter.*'trian'"),
        (
            {"train": {"icmt": {"contractive": "false"}}},
            "train.icmt.contractive must be true or false, got str 'false'",
        ),
        ({"train": {"seed": 1.5}}, "train.seed must be an integer, got float 1.5"),
        ({"train": {"icmt": "abc"}}, "'train.icmt' must be a mapping"),
        (
            {"evaluation": {"cutoffs": [10.7, 20]}},
            r"evaluation.cutoffs\[0\] must be an integer",
        ),
        ({"evaluation": {"batch_size": 0}}, "evaluation.batch_size must be >= 1"),
        ({"model_options": {"init_std": -1}}, "init_std must be >= 0"),
        ({"model_options": {"node_dropout": 1.5}}, r"node_dropout must be in \[0, 1\)"),
        ({"model_options": {"n_layers": -1}}, "n_layers must be >= 0"),
        ({"model_options": None}, None),  # YAML `~`: every default
        ({"model_options": "abc"}, "'model_options' must be a mapping"),
        ({"train": {"lr": float("nan")}}, "train.lr must be a finite number"),
        (
            {"train": {"icmt": {"lambda_pop": float("inf")}}},
            "train.icmt.lambda_pop must be a finite number",
        ),
        ({"train": {"seed": -1}}, r"train.seed must be in 0..2\*\*32-1, got -1"),
    ],
)
def test_bad_parameters_stop_the_run_before_any_node(tmp_path, override, message):
    from icmt_pipeline.errors import ConfigError
    from icmt_pipeline.hooks import ValidateParametersHook

    params = {**_params(tmp_path, "mf", "icmt"), **override}
    catalog = DataCatalog({"parameters": MemoryDataset(params)})
    hook = ValidateParametersHook()
    if message is None:  # accepted
        hook.before_pipeline_run({}, register_pipelines()["train"], catalog)
        return
    with pytest.raises(ConfigError, match=message):
        hook.before_pipeline_run({}, register_pipelines()["train"], catalog)


def test_bad_model_options_for_the_chosen_model(tmp_path):
    from icmt_pipeline.errors import ConfigError
    from icmt_pipeline.hooks import ValidateParametersHook

    # NeuMF's MLP widths halve from D = 64: 64, 32, ..., 1 after 7 layers, so a
    # 10th layer would have width 64 // 2**9 = 0.
    params = _params(tmp_path, "neumf", "icmt")
    params["model_options"]["mlp_layers"] = 10
    catalog = DataCatalog({"parameters": MemoryDataset(params)})
    with pytest.raises(ConfigError, match="MLP widths.*got 10"):
        ValidateParametersHook().before_pipeline_run(
            {}, register_pipelines()["train"], catalog
        )


def _run(tmp_path: Path, params: dict, pipeline_name: str) -> DataCatalog:
    """Run a registered pipeline on an in-memory catalog holding ``params``."""
    pipeline = register_pipelines()[pipeline_name]
    catalog = DataCatalog(
        {
            name: KeptDataset(copy_mode="assign")
            for name in pipeline.datasets()
            if not name.startswith("params:")
        }
    )
    for key, value in params.items():
        catalog[f"params:{key}"] = value
    for key in ("data", "train", "model_options", "evaluation"):
        for sub, value in params[key].items():
            catalog[f"params:{key}.{sub}"] = value
    SequentialRunner().run(pipeline, catalog)
    return catalog


def test_list_longer_than_the_unseen_items_stops_before_training(tmp_path, monkeypatch):
    from icmt_pipeline.errors import ConfigError

    monkeypatch.delenv("ICMT_DATA_MIRROR", raising=False)
    params = _params(tmp_path, "mf", "normal")
    # 30 items at most, users with 8..15 pairs: a top-25 list cannot be filled
    # for a test user who has seen >= 6 items (30 - 6 = 24 < 25).
    params["evaluation"].update(top_n=25, cutoffs=[25])
    with pytest.raises(ConfigError, match=r"evaluation.top_n=25 is longer than"):
        _run(tmp_path, params, "train")


def test_split_without_evaluable_users_is_refused(tmp_path, monkeypatch):
    from icmt_pipeline.errors import DataError

    monkeypatch.delenv("ICMT_DATA_MIRROR", raising=False)
    params = _params(tmp_path, "mf", "normal")
    two_each = pd.DataFrame({"who": ["a", "a", "b", "b"], "what": ["x", "y", "x", "y"]})
    two_each.to_csv(tmp_path / "two.csv", index=False)
    params["data"]["sources"]["custom"].update(
        path=str(tmp_path / "two.csv"),
        columns={"user": "who", "item": "what"},
        min_rating=None,
        k_core=1,
        item_names={"path": None},
    )
    # 2 users with 2 pairs each: n_test = max(1, round(0.2)) = 1 and n_valid = 1
    # would leave no training pair, so both users go wholly to training.
    with pytest.raises(DataError, match="no user has the 3 pairs needed"):
        _run(tmp_path, params, "data")


def test_more_clusters_than_items_stops_before_training(tmp_path, monkeypatch):
    from icmt_pipeline.errors import ConfigError

    monkeypatch.delenv("ICMT_DATA_MIRROR", raising=False)
    params = _params(tmp_path, "mf", "icmt")
    # At most 30 items survive the 3-core filter, so K = 50 cannot be formed.
    params["train"]["icmt"] = {"n_clusters": 50}
    with pytest.raises(ConfigError, match=r"train.icmt.n_clusters=50 is more than"):
        _run(tmp_path, params, "train")
