"""Full-ranking evaluation speed and memory against the floor, on Gowalla.

For every test user: score all items, mask the user's training and validation
items, keep the top 20. The floor is the bare ``users x items`` score product
plus ``topk(20)`` for the same users, in the same process, in batches of the
same size (no masking, no lists). Both use the same random-initialised model
(scores' values do not change the cost).

    python benchmarks/eval_speed.py --k-core 20     # Gowalla 20-core
    python benchmarks/eval_speed.py --k-core 1      # all 1,027,370 pairs

Run each size in its own process: peak memory is the process's peak.
"""

from __future__ import annotations

import argparse
import logging
import time
from functools import partial

import numpy as np
import torch
from common import best_of, load_gowalla, peak_rss_gib, save

from icmt_pipeline.evaluation.ranking import rank_top_n
from icmt_pipeline.evaluation.sets import UserItemSets
from icmt_pipeline.models import ModelConfig, build_model

logger = logging.getLogger("benchmarks.eval_speed")


@torch.no_grad()
def floor(
    user_repr: torch.Tensor,
    item_repr: torch.Tensor,
    users: np.ndarray,
    n: int,
    batch_size: int,
) -> None:
    """Bare score product and top-n for the given users."""
    for start in range(0, users.size, batch_size):
        batch = torch.from_numpy(users[start : start + batch_size])
        torch.topk(user_repr[batch] @ item_repr.T, n, dim=1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--k-core", type=int, default=20)
    parser.add_argument("--models", default="mf,lightgcn,neumf")
    parser.add_argument("--batch-size", type=int, default=1024)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    started = time.perf_counter()
    splits = load_gowalla(args.k_core)
    data = splits.arrays
    logger.info(
        "Gowalla %d-core: %d users, %d items, %d train pairs (%.1fs to load)",
        args.k_core,
        data.n_users,
        data.n_items,
        data.train_users.size,
        time.perf_counter() - started,
    )
    seen = UserItemSets.from_pairs(
        np.concatenate([data.train_users, data.valid_users]),
        np.concatenate([data.train_items, data.valid_items]),
        data.n_users,
        data.n_items,
    )
    users = np.unique(splits.test_users)
    rss_before = peak_rss_gib()
    rows = []
    for name in args.models.split(","):
        torch.manual_seed(0)
        model = build_model(
            ModelConfig(name=name),
            data.n_users,
            data.n_items,
            data.train_users,
            data.train_items,
        ).eval()
        ours = best_of(
            partial(rank_top_n, model, users, seen, 20, args.batch_size), args.repeats
        )
        with torch.no_grad():
            encode = best_of(model.encode, args.repeats)
            user_repr, item_repr = model.encode()
        if name == "neumf":
            bare = float("nan")  # its scorer is an MLP: no inner-product floor
        else:
            bare = best_of(
                partial(floor, user_repr, item_repr, users, 20, args.batch_size),
                args.repeats,
            )
        row = {
            "model": name,
            "users": int(users.size),
            "items": data.n_items,
            "ours_s": ours,
            "floor_s": bare,
            "ratio": ours / bare,
            "encode_s": encode,
            "peak_rss_gib": peak_rss_gib(),
        }
        rows.append(row)
        logger.info(
            "%-8s ours %.2fs  floor %.2fs  ratio %.2f  (encode %.2fs)  peak %.2f GiB",
            name,
            ours,
            bare,
            ours / bare,
            encode,
            row["peak_rss_gib"],
        )
    path = save(
        f"eval_speed_k{args.k_core}",
        {
            "k_core": args.k_core,
            "batch_size": args.batch_size,
            "rss_after_loading_gib": rss_before,
            "rows": rows,
        },
    )
    logger.info("wrote %s", path)


if __name__ == "__main__":
    main()
