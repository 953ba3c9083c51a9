"""The whole ``data`` pipeline on Gowalla: each step in-process, then `kedro run`.

    python benchmarks/data_speed.py            # needs the raw files in data/01_raw
                                               # or ICMT_DATA_MIRROR set

The in-process part times the library steps the pipeline's nodes call; the
second part runs ``kedro run --pipeline=data --params dataset=gowalla`` as a
user would, in a throw-away copy of the project (start-up included).
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, save

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

logger = logging.getLogger("benchmarks.data_speed")


def timed(label: str, timings: dict[str, float], fn, *args):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    out = fn(*args)
    timings[label] = time.perf_counter() - start
    logger.info("%-28s %6.2f s", label, timings[label])
    return out


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    config = DataConfig.from_params(
        {"raw_dir": str(ROOT / "data" / "01_raw"), "allow_network": False}, "gowalla"
    )
    t: dict[str, float] = {}
    raw = timed("fetch + parse + dedupe", t, load_raw_interactions, config)
    core = timed("20-core filter", t, k_core_filter, raw.interactions, config.k_core)
    inter = timed("remap ids", t, remap_ids, core)
    train, valid, test = timed(
        "8:1:1 split", t, split_interactions, inter, config.split_ratios, config.seed
    )
    items = item_map(inter)
    pop = timed(
        "item popularity",
        t,
        item_popularity,
        train,
        len(items),
        config.head_share,
        items,
    )
    timed(
        "data report + figure",
        t,
        lambda: (
            data_report(inter, train, valid, test, pop),
            plot_popularity_curve(pop),
        ),
    )
    t["library total"] = sum(t.values())
    logger.info("%-28s %6.2f s", "library total", t["library total"])

    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        shutil.copytree(
            ROOT / "conf", project / "conf", ignore=shutil.ignore_patterns("local")
        )
        (project / "conf" / "local").mkdir()
        for name in ("pyproject.toml", ".telemetry"):
            shutil.copy(ROOT / name, project / name)
        (project / "src").mkdir()
        shutil.copytree(
            ROOT / "data" / "01_raw" / "gowalla",
            project / "data" / "01_raw" / "gowalla",
            ignore=shutil.ignore_patterns("raw_files.json"),
        )
        env = {
            **os.environ,
            "KEDRO_DISABLE_TELEMETRY": "1",
            "DO_NOT_TRACK": "true",
            "MLFLOW_DISABLE_TELEMETRY": "true",
        }
        start = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "kedro",
                "run",
                "--pipeline=data",
                "--params",
                "dataset=gowalla",
            ],
            cwd=project,
            env=env,
            check=True,
            capture_output=True,
        )
        t["kedro run --pipeline=data (wall, with start-up)"] = (
            time.perf_counter() - start
        )
    logger.info(
        "kedro run --pipeline=data: %.1f s wall",
        t["kedro run --pipeline=data (wall, with start-up)"],
    )
    save(
        "data_speed",
        {"pairs_raw": len(raw.interactions), "pairs_20core": len(inter), "seconds": t},
    )


if __name__ == "__main__":
    main()
