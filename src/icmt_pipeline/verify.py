"""Recompute a run's metrics from its saved lists and splits, independently.

Usage (from the project root)::

    python -m icmt_pipeline.verify                       # the default run
    python -m icmt_pipeline.verify --dataset lastfm --model mf --framework normal

The latest ``recommendations`` of the chosen configuration are loaded with the
``test`` split and ``item_popularity`` saved in the same Kedro run (same
version timestamp), every metric is recomputed with the plain-Python textbook
definitions in :mod:`icmt_pipeline.evaluation.reference` (original ids, no
index arrays) at the cut-offs the run used, and compared with the run's
``metrics.json``. Exit code 0 when every value agrees to 1e-9, 1 when one does
not, 2 when there is no complete saved run to check.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys
from pathlib import Path

from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project
from kedro.io import DatasetError

from icmt_pipeline.evaluation.reference import metrics_reference

logger = logging.getLogger("icmt_pipeline.verify")


def run_cutoffs(saved: dict[str, float]) -> tuple[int, ...]:
    """The cut-offs a run evaluated at, read from its metric names (``recall@N``).

    The run's own cut-offs, not today's configuration: ``evaluation.cutoffs``
    may have changed since.
    """
    return tuple(sorted({int(key.split("@")[1]) for key in saved if "@" in key}))


def recompute(catalog) -> tuple[str, dict, dict]:  # type: ignore[no-untyped-def]
    """Reference metrics of the latest run and the metrics that run saved."""
    version = catalog.get("recommendations").resolve_load_version()
    recs = catalog.load("recommendations", version=version)
    test = catalog.load("test", version=version)
    popularity = catalog.load("item_popularity", version=version)
    saved = catalog.load("run_metrics", version=version)
    cutoffs = run_cutoffs(saved)

    recs = recs.sort_values(["user_id", "rank"], kind="stable")
    lists = {user: group["item_id"].tolist() for user, group in recs.groupby("user_id")}
    truth = {user: set(group["item_id"]) for user, group in test.groupby("user_id")}
    tail = set(popularity.loc[~popularity["is_head"], "item_id"])
    counts = dict(zip(popularity["item_id"], popularity["train_count"], strict=True))
    fresh = metrics_reference(
        lists, truth, tail, popularity["item_id"], counts, cutoffs
    )
    return version, saved, fresh


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset")
    parser.add_argument("--model")
    parser.add_argument("--framework")
    parser.add_argument("--project", default=".", help="project root (default: .)")
    parser.add_argument("--env", default=None, help="Kedro configuration environment")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    project = Path(args.project).resolve()
    bootstrap_project(project)
    runtime = {
        k: v
        for k, v in vars(args).items()
        if k in ("dataset", "model", "framework") and v is not None
    }
    with KedroSession.create(
        project_path=project, env=args.env, runtime_params=runtime
    ) as session:
        context = session.load_context()
        try:
            version, saved, fresh = recompute(context.catalog)
        except DatasetError as exc:
            logger.error(
                "No complete saved run for %s/%s-%s to check (%s); run `kedro run "
                "--pipeline=train` with these settings first",
                context.params["dataset"],
                context.params["model"],
                context.params["framework"],
                str(exc).splitlines()[0],
            )
            return 2

    latest_path = project / "data" / "08_reporting" / "metrics.json"
    latest = json.loads(latest_path.read_text()) if latest_path.exists() else None
    bad = []
    logger.info("Run version %s: %d metrics recomputed", version, len(fresh))
    logger.info("%-18s %14s %14s", "metric", "metrics.json", "recomputed")
    for key in saved:
        a, b = saved[key], fresh.get(key, float("nan"))
        same = (math.isnan(a) and math.isnan(b)) or math.isclose(
            a, b, rel_tol=1e-9, abs_tol=1e-12
        )
        logger.info("%-18s %14.8f %14.8f%s", key, a, b, "" if same else "   MISMATCH")
        if not same:
            bad.append(key)
    if set(fresh) - set(saved):
        bad.extend(sorted(set(fresh) - set(saved)))
    if latest is not None:
        if latest == saved:
            logger.info("data/08_reporting/metrics.json holds this run's metrics")
        else:
            logger.info("data/08_reporting/metrics.json holds a later run's metrics")
    if bad:
        logger.error("Mismatch in %d metric(s): %s", len(bad), ", ".join(bad))
        return 1
    logger.info("All metrics agree.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
