"""`kedro run --pipeline=train` as a user runs it, on real data from the mirror.

Each run happens in a throw-away copy of the project (its `conf/` and
`pyproject.toml`; the code is the installed package), so the repository's own
`data/` and `mlflow.db` are never touched. Step budgets are small: these tests
check that everything runs and fits together, not how good the models get.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
MIRROR = Path(
    os.environ.get("ICMT_DATA_MIRROR", ROOT.parent / "shared" / "data")
).resolve()

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not (MIRROR / "lastfm" / "hetrec2011-lastfm-2k.zip").is_file(),
        reason=f"no data mirror at {MIRROR} (set ICMT_DATA_MIRROR)",
    ),
]

SHORT = "train.eval_every=100,train.patience=3,train.progress_bar=false"


def _make_project(root: Path) -> Path:
    shutil.copytree(
        ROOT / "conf", root / "conf", ignore=shutil.ignore_patterns("local")
    )
    (root / "conf" / "local").mkdir()
    for name in ("pyproject.toml", ".telemetry"):
        shutil.copy(ROOT / name, root / name)
    # The package is imported from the installed project; Kedro only needs
    # the source folder to exist.
    (root / "src").mkdir()
    return root


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _make_project(tmp_path_factory.mktemp("project"))


def run_module(
    project: Path, *args: str, mirror: Path = MIRROR
) -> subprocess.CompletedProcess:
    """``python -m <args>`` in ``project``, telemetry off, mirror set."""
    env = {
        **os.environ,
        "ICMT_DATA_MIRROR": str(mirror),
        "KEDRO_DISABLE_TELEMETRY": "1",
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "DO_NOT_TRACK": "true",
    }
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )


def kedro(
    project: Path, *args: str, mirror: Path = MIRROR
) -> subprocess.CompletedProcess:
    """:func:`run_module` that must succeed."""
    result = run_module(project, *args, mirror=mirror)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-6000:]
    return result


def latest(project: Path, pattern: str) -> Path:
    matches = sorted(project.glob(pattern))
    assert matches, f"nothing matches {pattern}"
    return matches[-1]


def test_train_mf_icmt_and_normal_on_lastfm(project: Path):
    for framework in ("icmt", "normal"):
        kedro(
            project,
            "kedro",
            "run",
            "--pipeline=train",
            "--params",
            f"framework={framework},train.max_steps=600,{SHORT}",
        )
        # Metrics recomputed from the saved lists and splits equal metrics.json.
        check = kedro(project, "icmt_pipeline.verify", "--framework", framework)
        assert "All metrics agree." in check.stderr

    for framework in ("icmt", "normal"):
        run = f"lastfm/mf-{framework}"
        recs = pd.read_parquet(
            latest(project, f"data/07_model_output/{run}/recommendations.parquet/*/*")
        )
        test = pd.read_parquet(
            latest(project, "data/05_model_input/lastfm/test.parquet/*/*")
        )
        assert set(recs["user_id"]) == set(test["user_id"])  # every test user
        assert recs["rank"].between(1, 20).all() and recs["item_name"].notna().all()
        ckpt = torch.load(
            latest(project, f"data/06_models/{run}/model.pt/*/*"), weights_only=True
        )
        assert ckpt["config"]["train"]["framework"] == framework
        assert ckpt["config"]["dataset"] == "lastfm"

    # Both runs are in the project's MLflow store, with params, metrics, artifacts.
    mlflow.set_tracking_uri(f"sqlite:///{project / 'mlflow.db'}")
    runs = mlflow.search_runs(experiment_names=["icmt-pipeline"], output_format="list")
    by_name = {r.info.run_name: r for r in runs}
    assert {"lastfm/mf-icmt", "lastfm/mf-normal"} <= by_name.keys()
    icmt = by_name["lastfm/mf-icmt"]
    assert "test.recall_at_20" in icmt.data.metrics
    assert "test.apt_at_20" in icmt.data.metrics
    assert icmt.data.params["train.icmt.lambda_pop"] == "0.002"
    client = mlflow.MlflowClient()
    history = client.get_metric_history(icmt.info.run_id, "training.valid_ndcg_at_20")
    assert [m.step for m in history][:3] == [100, 200, 300]
    assert client.get_metric_history(icmt.info.run_id, "icmt.w0")
    assert "data.users" in icmt.data.metrics
    artifacts = {a.path for a in client.list_artifacts(icmt.info.run_id, "reports")}
    assert {"reports/head_tail.png", "reports/cluster_weights.png"} <= artifacts


@pytest.mark.parametrize("model", ["neumf", "lightgcn"])
def test_train_other_models_on_lastfm(project: Path, model: str):
    kedro(
        project,
        "kedro",
        "run",
        "--pipeline=train",
        "--params",
        f"model={model},framework=icmt,train.max_steps=200,{SHORT}",
    )
    metrics = pd.read_json(
        latest(project, f"data/08_reporting/lastfm/{model}-icmt/metrics.json/*/*"),
        typ="series",
    )
    assert 0 < metrics["recall@20"] <= 1
    assert metrics["users"] == 1797  # every user of the 10-core Last.fm has test items


def _write_adjacency_lists(folder: Path, n_users: int = 120, n_items: int = 90) -> None:
    """A Yelp2018 stand-in in the LightGCN format, dense enough for 20-core."""
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True)
    lines = {"train.txt": [], "test.txt": []}
    for user in range(n_users):
        items = np.sort(
            rng.choice(n_items, size=int(rng.integers(28, 45)), replace=False)
        )
        cut = int(len(items) * 0.8)
        lines["train.txt"].append(" ".join(map(str, [user, *items[:cut]])) + " \n")
        lines["test.txt"].append(" ".join(map(str, [user, *items[cut:]])) + "\n")
    lines["test.txt"].append(f"{n_users}\n")  # a user with no items
    lines["test.txt"].append("\n")  # a blank line
    for name, rows in lines.items():
        (folder / name).write_text("".join(rows))


@pytest.mark.parametrize("model", ["mf", "neumf", "lightgcn"])
@pytest.mark.parametrize("dataset", ["gowalla", "yelp2018"])
def test_every_model_on_gowalla_and_yelp2018(tmp_path: Path, dataset: str, model: str):
    project = _make_project(tmp_path / "project")
    mirror = MIRROR
    if dataset == "yelp2018":  # not mirrored: a generated file in the same format
        mirror = tmp_path / "mirror"
        _write_adjacency_lists(mirror / "yelp2018")
    kedro(
        project,
        "kedro",
        "run",
        "--pipeline=train",
        "--params",
        f"dataset={dataset},model={model},framework=icmt,train.max_steps=30,"
        f"train.batch_size=2048,{SHORT}",
        mirror=mirror,
    )
    metrics = pd.read_json(
        latest(project, f"data/08_reporting/{dataset}/{model}-icmt/metrics.json/*/*"),
        typ="series",
    )
    assert 0 <= metrics["ndcg@20"] <= 1 and metrics["users"] > 0


def test_own_csv_through_conf_local(tmp_path: Path):
    """The README's "bring your own data" recipe: a CSV and two conf/local files."""
    project = _make_project(tmp_path / "project")
    rng = np.random.default_rng(1)
    weights = 1 / np.arange(1, 61)
    rows = []
    for user in range(80):
        for item in rng.choice(
            60, size=int(rng.integers(10, 25)), replace=False, p=weights / weights.sum()
        ):
            rows.append(
                (
                    f"cust-{user:04d}",
                    f"SKU{item:03d}",
                    int(rng.integers(1, 6)),
                    int(1_600_000_000 + rng.integers(0, 10**7)),
                )
            )
    pd.DataFrame(rows, columns=["customer", "sku", "stars", "ts"]).to_csv(
        tmp_path / "orders.csv", index=False
    )
    (project / "conf" / "local" / "globals.yml").write_text("dataset: custom\n")
    (project / "conf" / "local" / "parameters_custom.yml").write_text(
        "data:\n"
        "  sources:\n"
        "    custom:\n"
        "      split_method: temporal\n"
        f"      path: {tmp_path / 'orders.csv'}\n"
        "      columns: {user: customer, item: sku, rating: stars, timestamp: ts}\n"
        "      min_rating: 3\n"
    )
    kedro(
        project,
        "kedro",
        "run",
        "--pipeline=train",
        "--params",
        f"train.max_steps=50,train.eval_cutoff=10,{SHORT}",
    )
    recs = pd.read_parquet(
        latest(
            project, "data/07_model_output/custom/mf-icmt/recommendations.parquet/*/*"
        )
    )
    assert recs["user_id"].str.startswith("cust-").all()
    assert recs["item_id"].str.startswith("SKU").all()
    # Temporal split: every test pair is no older than the user's training pairs.
    train = pd.read_parquet(
        latest(project, "data/05_model_input/custom/train.parquet/*/*")
    )
    test = pd.read_parquet(
        latest(project, "data/05_model_input/custom/test.parquet/*/*")
    )
    newest_train = train.groupby("user_id")["timestamp"].max()
    oldest_test = test.groupby("user_id")["timestamp"].min()
    assert (oldest_test >= newest_train.loc[oldest_test.index]).all()
    # verify checks at the run's own cut-offs even after the settings change.
    (project / "conf" / "local" / "parameters_evaluation.yml").write_text(
        "evaluation:\n  cutoffs: [5]\n"
    )
    check = kedro(project, "icmt_pipeline.verify")
    assert "All metrics agree." in check.stderr
    # No run of this configuration yet: a clear message and exit code 2.
    missing = run_module(project, "icmt_pipeline.verify", "--framework", "normal")
    assert missing.returncode == 2
    assert "No complete saved run for custom/mf-normal" in missing.stderr


def test_movielens_1m_from_a_generated_stand_in_archive(tmp_path: Path):
    import zipfile

    project = _make_project(tmp_path / "project")
    rng = np.random.default_rng(2)
    ratings = [
        f"{user}::{movie}::{rng.integers(3, 6)}::{978300000 + rng.integers(0, 10**6)}"
        for user in range(1, 91)
        for movie in rng.choice(
            np.arange(1, 71), size=int(rng.integers(25, 40)), replace=False
        )
    ]
    movies = [f"{m}::Movie {m} (2000)::Drama" for m in range(1, 71)]
    movies[0] = "1::Café Society (1995)::Comedy"
    (tmp_path / "mirror" / "ml-1m").mkdir(parents=True)
    with zipfile.ZipFile(tmp_path / "mirror" / "ml-1m" / "ml-1m.zip", "w") as archive:
        archive.writestr("ml-1m/ratings.dat", "\n".join(ratings) + "\n")
        archive.writestr(
            "ml-1m/movies.dat", ("\n".join(movies) + "\n").encode("latin-1")
        )
    kedro(
        project,
        "kedro",
        "run",
        "--pipeline=train",
        "--params",
        f"dataset=ml-1m,train.max_steps=50,{SHORT}",
        mirror=tmp_path / "mirror",
    )
    recs = pd.read_parquet(
        latest(
            project, "data/07_model_output/ml-1m/mf-icmt/recommendations.parquet/*/*"
        )
    )
    names = dict(zip(recs["item_id"], recs["item_name"], strict=True))
    assert all(
        name == ("Café Society (1995)" if item == 1 else f"Movie {item} (2000)")
        for item, name in names.items()
    )


def test_refused_parameters_leave_no_mlflow_run(tmp_path: Path):
    project = _make_project(tmp_path / "project")
    result = run_module(
        project, "kedro", "run", "--pipeline=train", "--params", "trian.max_steps=1"
    )
    assert result.returncode != 0
    assert "Unknown top-level parameter(s) 'trian'" in result.stderr
    # The check runs before kedro-mlflow opens a run: nothing to clean up.
    mlflow.set_tracking_uri(f"sqlite:///{project / 'mlflow.db'}")
    assert mlflow.search_runs(search_all_experiments=True).empty
    assert not (project / "data").exists() or not any(
        (project / "data").rglob("*.parquet")
    )
