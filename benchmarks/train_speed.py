"""Training throughput (positive pairs per second) of each model, normal vs ICMT.

Times single training steps (forward, backward, optimiser; ICMT also its
per-cluster gradients, Frank-Wolfe and the periodic K-means) after a warm-up,
at batch 2048, on Gowalla. Reports the median step time, pairs per second and
the implied time of one epoch over the training split.

    python benchmarks/train_speed.py --k-core 20
    python benchmarks/train_speed.py --k-core 1 --models mf,lightgcn
"""

from __future__ import annotations

import argparse
import logging
import time

import numpy as np
import torch
from common import load_gowalla, save

from icmt_pipeline.models import ModelConfig, PopularityDisentangled, build_model
from icmt_pipeline.training import TrainConfig
from icmt_pipeline.training.objectives import ICMTStep, NormalStep
from icmt_pipeline.training.sampler import NegativeSampler
from icmt_pipeline.training.trainer import _optimizer

logger = logging.getLogger("benchmarks.train_speed")


def step_times(
    data,
    name: str,
    framework: str,
    batch_size: int,
    steps: int,  # type: ignore[no-untyped-def]
    pe_gradients: str = "parameters",
) -> np.ndarray:
    cfg = TrainConfig.from_params(
        framework, {"batch_size": batch_size, "icmt": {"pe_gradients": pe_gradients}}
    )
    torch.manual_seed(0)
    base = build_model(
        ModelConfig(name=name),
        data.n_users,
        data.n_items,
        data.train_users,
        data.train_items,
    )
    model = PopularityDisentangled(base, framework == "icmt")
    optimizer = _optimizer(model, name, cfg)  # the trainer's own choice
    if framework == "icmt":
        step = ICMTStep(model, optimizer, cfg, data.item_counts, ~data.is_head)
    else:
        step = NormalStep(model, optimizer, cfg)
    rng = np.random.default_rng(0)
    sampler = NegativeSampler(data.train_users, data.train_items, data.n_items, rng)
    order = rng.permutation(data.train_users.size)
    times = []
    model.train()
    for i in range(steps):
        idx = order[(i * batch_size) % order.size :][:batch_size]
        start = time.perf_counter()
        users = data.train_users[idx]
        step(
            torch.from_numpy(users),
            torch.from_numpy(data.train_items[idx]),
            torch.from_numpy(sampler.sample(users)),
        )
        times.append(time.perf_counter() - start)
    return np.array(times[max(5, steps // 5) :])  # drop the warm-up


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--k-core", type=int, default=20)
    parser.add_argument("--models", default="mf,neumf,lightgcn")
    parser.add_argument("--batch-size", type=int, default=2048)
    parser.add_argument("--steps", type=int, default=60)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    data = load_gowalla(args.k_core).arrays
    logger.info(
        "Gowalla %d-core: %d users, %d items, %d train pairs",
        args.k_core,
        data.n_users,
        data.n_items,
        data.train_users.size,
    )
    rows = []
    for name in args.models.split(","):
        for framework, mode in (
            ("normal", "parameters"),
            ("icmt", "parameters"),
            ("icmt", "representations"),
        ):
            times = step_times(data, name, framework, args.batch_size, args.steps, mode)
            median = float(np.median(times))
            label = framework if framework == "normal" else f"icmt ({mode})"
            row = {
                "model": name,
                "framework": label,
                "median_step_s": median,
                "pairs_per_s": args.batch_size / median,
                "epoch_s": data.train_users.size / (args.batch_size / median),
            }
            rows.append(row)
            logger.info(
                "%-8s %-26s step %6.1f ms  %9.0f pairs/s  epoch %6.1f s",
                name,
                label,
                1000 * median,
                row["pairs_per_s"],
                row["epoch_s"],
            )
    for name in args.models.split(","):
        normal = next(
            r for r in rows if r["model"] == name and r["framework"] == "normal"
        )
        for row in rows:
            if row["model"] == name:
                row["vs_normal"] = row["median_step_s"] / normal["median_step_s"]
    path = save(
        f"train_speed_k{args.k_core}",
        {"k_core": args.k_core, "batch_size": args.batch_size, "rows": rows},
    )
    logger.info("wrote %s", path)


if __name__ == "__main__":
    main()
