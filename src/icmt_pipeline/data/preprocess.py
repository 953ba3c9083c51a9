"""Pure, vectorised preprocessing of interaction DataFrames.

Every function returns new objects and never modifies its inputs. The steps,
in pipeline order: :func:`binarize`, :func:`collapse_duplicates`,
:func:`k_core_filter`, :func:`remap_ids`, :func:`split_interactions`,
:func:`item_popularity`. :func:`log_describe` logs the shape after each one.
"""

from __future__ import annotations

import logging
import math

import numpy as np
import pandas as pd

from icmt_pipeline.data.config import SPLIT_METHODS
from icmt_pipeline.errors import ConfigError, DataError

logger = logging.getLogger(__name__)

PAIR = ["user_id", "item_id"]
INDEX_PAIR = ["user_idx", "item_idx"]
# Guards round-half-up against binary error (0.1 * 15 = 1.5000000000000002).
_ROUND_EPS = 1e-9


def describe(df: pd.DataFrame) -> dict[str, float | int]:
    """Users, items, pairs and density of an interaction table.

    Uses ``user_idx``/``item_idx`` when present, else ``user_id``/``item_id``.

    Args:
        df: Interactions.

    Returns:
        ``{"users", "items", "pairs", "density", "rows"}``: ``pairs`` counts
        distinct (user, item) pairs and ``rows`` the table's rows (more than
        ``pairs`` when a pair repeats); density = pairs / (users * items), at
        most 1, and 0 for an empty table.
    """
    user_col = "user_idx" if "user_idx" in df.columns else "user_id"
    item_col = "item_idx" if "item_idx" in df.columns else "item_id"
    users = int(df[user_col].nunique())
    items = int(df[item_col].nunique())
    rows = len(df)
    pairs = rows - int(df.duplicated(subset=[user_col, item_col]).sum())
    density = pairs / (users * items) if users and items else 0.0
    return {
        "users": users,
        "items": items,
        "pairs": pairs,
        "density": density,
        "rows": rows,
    }


def log_describe(df: pd.DataFrame, stage: str) -> dict[str, float | int]:
    """Log :func:`describe` of ``df`` at INFO under the label ``stage``.

    Args:
        df: Interactions.
        stage: What step produced ``df`` (e.g. ``"after k-core"``).

    Returns:
        The description.
    """
    stats = describe(df)
    repeats = stats["rows"] - stats["pairs"]
    logger.info(
        "%s: %d users, %d items, %d pairs, density %.6f%s",
        stage,
        stats["users"],
        stats["items"],
        stats["pairs"],
        stats["density"],
        f" (distinct pairs; {stats['rows']} rows, {repeats} repeating a pair)"
        if repeats
        else "",
    )
    return stats


def binarize(
    df: pd.DataFrame, min_rating: float | None, setting: str = "min_rating"
) -> pd.DataFrame:
    """Keep rows with ``rating >= min_rating`` (all rows when ``None``).

    Args:
        df: Interactions with a ``rating`` column when ``min_rating`` is set.
        min_rating: Threshold, or ``None``.
        setting: The parameter that sets ``min_rating``, named in errors (e.g.
            ``"data.sources.ml-1m.min_rating"``).

    Returns:
        The kept rows, index reset.

    Raises:
        DataError: If ``min_rating`` is set and there is no ``rating`` column,
            or if it keeps no row.
    """
    if min_rating is None:
        return df.reset_index(drop=True)
    if "rating" not in df.columns:
        raise DataError(
            f"{setting} is {min_rating} but the interactions have no 'rating' "
            f"column (columns: {', '.join(df.columns)}); set {setting} to null"
        )
    ratings = df["rating"].to_numpy(dtype="float64")
    keep = ratings >= min_rating
    logger.info(
        "Binarised at rating >= %s: kept %d of %d rows", min_rating, keep.sum(), len(df)
    )
    if not keep.any():
        seen = (
            f"ratings range from {np.nanmin(ratings):g} to {np.nanmax(ratings):g}"
            if np.isfinite(ratings).any()
            else "there are no ratings"
        )
        raise DataError(
            f"{setting} is {min_rating:g} and keeps none of the {len(df)} row(s): "
            f"{seen}; lower {setting} (or set it to null to keep every row)"
        )
    return df.loc[keep].reset_index(drop=True)


def collapse_duplicates(df: pd.DataFrame, origin: str = "interactions") -> pd.DataFrame:
    """Collapse repeated (user_id, item_id) rows into one positive.

    The earliest ``timestamp`` and the largest ``rating`` are kept (other
    columns keep their first value). The result is sorted by
    ``(user_id, item_id)``, with columns ``user_id``, ``item_id``, ``rating``,
    ``timestamp`` (where present) first.

    Args:
        df: Interactions with ``user_id``, ``item_id`` and optional ``rating``,
            ``timestamp``.
        origin: Name of the data, for the log line.

    Returns:
        One row per pair, index reset.
    """
    repeated = int(df.duplicated(subset=PAIR).sum())
    if repeated:
        rules = {"rating": "max", "timestamp": "min"}
        aggregations = {
            column: rules.get(column, "first")
            for column in df.columns
            if column not in PAIR
        }
        if aggregations:
            out = df.groupby(PAIR, sort=False, as_index=False).agg(aggregations)
        else:
            out = df.drop_duplicates(subset=PAIR)
        logger.warning(
            "%s: collapsed %d duplicate (user, item) row(s); %d pairs remain "
            "(earliest timestamp and highest rating kept)",
            origin,
            repeated,
            len(out),
        )
    else:
        out = df
    columns = PAIR + [c for c in ("rating", "timestamp") if c in df.columns]
    out = out[columns + [c for c in df.columns if c not in columns]]
    return out.sort_values(PAIR, kind="stable").reset_index(drop=True)


def k_core_filter(
    df: pd.DataFrame, k: int, setting: str = "the k_core threshold"
) -> pd.DataFrame:
    """Keep users and items with at least ``k`` interactions, to a fixed point.

    Each pass counts interactions per user and per item among the rows still
    kept and drops every row whose user or item is below ``k``; passes repeat
    until nothing changes. The result is the (unique) k-core.

    Args:
        df: Interactions with ``user_id`` and ``item_id`` (one row per pair).
        k: Threshold, >= 1.
        setting: The parameter that sets ``k``, named in the error message.

    Returns:
        The kept rows in input order, index reset.

    Raises:
        ConfigError: If ``k < 1``.
        DataError: If fewer than 2 users or 2 items remain (for ``k == 1``,
            which drops nothing, the message says the data itself is too small).
    """
    if k < 1:
        raise ConfigError(f"k_core must be >= 1, got {k}")
    user_codes, users = pd.factorize(df["user_id"])
    item_codes, items = pd.factorize(df["item_id"])
    keep = np.ones(len(df), dtype=bool)
    passes = 0
    while True:
        passes += 1
        user_counts = np.bincount(user_codes[keep], minlength=len(users))
        item_counts = np.bincount(item_codes[keep], minlength=len(items))
        new_keep = (
            keep & (user_counts[user_codes] >= k) & (item_counts[item_codes] >= k)
        )
        dropped = int(keep.sum() - new_keep.sum())
        logger.debug("k-core pass %d (k=%d): dropped %d rows", passes, k, dropped)
        keep = new_keep
        if dropped == 0:
            break
    out = df.loc[keep].reset_index(drop=True)
    n_users = int(out["user_id"].nunique())
    n_items = int(out["item_id"].nunique())
    logger.info(
        "%d-core after %d pass(es): %d of %d rows kept (%d users, %d items)",
        k,
        passes,
        len(out),
        len(df),
        n_users,
        n_items,
    )
    log_describe(out, f"after {k}-core")
    if (n_users < 2 or n_items < 2) and k == 1:
        raise DataError(
            f"The data has only {n_users} user(s), {n_items} item(s) and "
            f"{len(out)} pair(s) before any k-core filtering ({setting} is 1, its "
            "minimum, and drops nothing); at least 2 users and 2 items are needed. "
            "Bring more data, or check the input file and the rating threshold "
            "(min_rating) that binarises it"
        )
    if n_users < 2 or n_items < 2:
        raise DataError(
            f"k_core={k} leaves {n_users} user(s), {n_items} item(s) and {len(out)} "
            f"pair(s) of {len(df)}; at least 2 users and 2 items are needed. "
            f"Lower {setting}"
        )
    return out


def remap_ids(df: pd.DataFrame) -> pd.DataFrame:
    """Add contiguous ``user_idx`` and ``item_idx`` (``int64``, from 0).

    Indices follow the sorted original ids, so they do not depend on row
    order, hashing or the process.

    Args:
        df: Interactions with ``user_id`` and ``item_id``.

    Returns:
        A copy with ``user_idx`` and ``item_idx`` added.
    """
    out = df.copy()
    user_codes, _ = pd.factorize(df["user_id"], sort=True)
    item_codes, _ = pd.factorize(df["item_id"], sort=True)
    out["user_idx"] = user_codes.astype(np.int64)
    out["item_idx"] = item_codes.astype(np.int64)
    return out


def user_map(df: pd.DataFrame) -> pd.DataFrame:
    """The ``user_idx`` -> ``user_id`` map of a remapped table, sorted by index."""
    return _id_map(df, "user_idx", "user_id")


def item_map(df: pd.DataFrame) -> pd.DataFrame:
    """The ``item_idx`` -> ``item_id`` map of a remapped table, sorted by index."""
    return _id_map(df, "item_idx", "item_id")


def _id_map(df: pd.DataFrame, index_col: str, id_col: str) -> pd.DataFrame:
    """Distinct (index, id) rows sorted by index."""
    pairs = df[[index_col, id_col]].drop_duplicates(index_col)
    return pairs.sort_values(index_col).reset_index(drop=True)


def split_counts(
    n: np.ndarray, ratios: tuple[float, float, float]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-user (train, valid, test) sizes by the rounding rule.

    For a user with ``n >= 3`` pairs and ratios ``(r_train, r_valid,
    r_test)``: ``n_test = max(1, floor(n * r_test + 0.5))``, ``n_valid =
    max(1, floor(n * r_valid + 0.5))`` and ``n_train = n - n_valid - n_test``.
    If ``n_train < 1``, the shortfall is taken one pair at a time from the
    larger of valid and test (valid when they are equal), never below 1. A
    user with ``n < 3`` cannot give one pair to each split: all of their pairs
    go to train. (A ``1e-9`` guard makes ``x.5`` round up despite binary error.)

    Args:
        n: Pairs per user.
        ratios: ``(train, valid, test)``.

    Returns:
        ``(n_train, n_valid, n_test)`` arrays.
    """
    n = np.asarray(n, dtype=np.int64)
    _, r_valid, r_test = ratios
    n_test = np.maximum(1, np.floor(n * r_test + 0.5 + _ROUND_EPS)).astype(np.int64)
    n_valid = np.maximum(1, np.floor(n * r_valid + 0.5 + _ROUND_EPS)).astype(np.int64)
    while True:
        short = (n - n_valid - n_test < 1) & (n >= 3)
        if not short.any():
            break
        from_valid = short & (n_valid >= n_test) & (n_valid > 1)
        from_test = short & ~from_valid & (n_test > 1)
        n_valid = n_valid - from_valid
        n_test = n_test - from_test
    small = n < 3
    n_valid = np.where(small, 0, n_valid)
    n_test = np.where(small, 0, n_test)
    return n - n_valid - n_test, n_valid, n_test


def split_interactions(
    df: pd.DataFrame,
    ratios: tuple[float, float, float],
    seed: int,
    method: str = "random",
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Split each user's pairs into train, validation and test.

    Sizes follow :func:`split_counts` (users with fewer than 3 pairs go wholly
    to train; they are counted and logged as a WARNING).

    ``random``: rows are sorted by ``(user_idx, item_idx)``, given one draw
    each from ``numpy.random.default_rng(seed)``, and ordered by draw within
    each user; each user's first ``n_test`` rows go to test, the next
    ``n_valid`` to validation. The same seed gives the same split whatever the
    input row order.

    ``temporal``: per user, the last ``n_test`` pairs by ``timestamp`` go to
    test and the ``n_valid`` before them to validation (ties broken by
    ``item_idx``).

    Args:
        df: Remapped interactions (``user_idx``, ``item_idx``, one row per
            pair; ``timestamp`` for ``temporal``).
        ratios: ``(train, valid, test)``, each > 0, summing to 1.
        seed: Seed of the random split.
        method: ``"random"`` or ``"temporal"``.

    Returns:
        ``(train, valid, test)`` with all input columns, each sorted by
        ``(user_idx, item_idx)``, index reset.

    Raises:
        ConfigError: On an unknown method, bad ratios, or ``temporal`` without
            a ``timestamp`` column.
        DataError: If ``user_idx``/``item_idx`` are missing or a pair repeats.
    """
    if method not in SPLIT_METHODS:
        raise ConfigError(
            f"Unknown split method {method!r}; allowed: {', '.join(SPLIT_METHODS)}"
        )
    if len(ratios) != 3 or any(r <= 0 for r in ratios) or abs(sum(ratios) - 1) > 1e-6:
        raise ConfigError(
            f"Split ratios must be three numbers > 0 summing to 1, got {ratios}"
        )
    missing = [c for c in INDEX_PAIR if c not in df.columns]
    if missing:
        raise DataError(
            f"split_interactions needs columns {INDEX_PAIR}; missing {missing}. "
            "Call remap_ids first"
        )
    if method == "temporal" and "timestamp" not in df.columns:
        raise ConfigError(
            "split_method 'temporal' needs a 'timestamp' column; the interactions "
            f"have {', '.join(df.columns)}. Map a timestamp column or use 'random'"
        )
    if df.duplicated(subset=INDEX_PAIR).any():
        raise DataError(
            "split_interactions got repeated (user_idx, item_idx) pairs; collapse "
            "duplicates first"
        )

    base = df.sort_values(INDEX_PAIR, kind="stable").reset_index(drop=True)
    users = base["user_idx"].to_numpy()
    if method == "random":
        draws = np.random.default_rng(seed).random(len(base))
        order = np.lexsort((draws, users))
        # rank 0 = first to test, so test/valid take the first draws.
        from_end = False
    else:
        order = np.lexsort(
            (base["item_idx"].to_numpy(), base["timestamp"].to_numpy(), users)
        )
        from_end = True
    sorted_users = users[order]
    n_user_slots = int(sorted_users.max()) + 1 if len(base) else 0
    per_user = np.bincount(sorted_users, minlength=n_user_slots)
    starts = np.cumsum(per_user) - per_user
    rank = np.arange(len(base)) - starts[sorted_users]
    if from_end:
        rank = per_user[sorted_users] - 1 - rank
    _, n_valid, n_test = split_counts(per_user, ratios)
    test_sorted = rank < n_test[sorted_users]
    valid_sorted = ~test_sorted & (rank < (n_test + n_valid)[sorted_users])
    part = np.zeros(len(base), dtype=np.int8)  # 0 train, 1 valid, 2 test
    part[order[valid_sorted]] = 1
    part[order[test_sorted]] = 2

    present = per_user > 0
    small_users = int(np.count_nonzero(present & (per_user < 3)))
    if small_users:
        logger.warning(
            "%d user(s) have fewer than 3 pairs; all of their %d pair(s) go to "
            "train (no validation or test pairs for them)",
            small_users,
            int(per_user[present & (per_user < 3)].sum()),
        )
    train = base.loc[part == 0].reset_index(drop=True)
    valid = base.loc[part == 1].reset_index(drop=True)
    test = base.loc[part == 2].reset_index(drop=True)
    for name, frame in (("train", train), ("valid", valid), ("test", test)):
        log_describe(frame, f"{method} split, {name}")
    return train, valid, test


def item_popularity(
    train: pd.DataFrame,
    n_items: int,
    head_share: float,
    items: pd.DataFrame,
    setting: str = "data.head_share",
) -> pd.DataFrame:
    """Training popularity of every item and its head/tail label.

    Head items are the ``max(1, floor(head_share * n_items + 0.5))`` items with
    the most training pairs, ties broken by the smaller ``item_idx``; the
    others are tail items. There is always at least one head item; a
    ``head_share`` that leaves no tail item is an error.

    Args:
        train: Training pairs with ``item_idx``.
        n_items: Number of items (``item_idx`` runs over ``0..n_items-1``).
        head_share: Share of items that are head, in (0, 1).
        items: The item map with ``item_idx`` and ``item_id`` for every index.
        setting: The parameter that sets ``head_share``, named in errors.

    Returns:
        ``item_idx``, ``item_id``, ``train_count`` (``int64``, 0 for items with
        no training pair), ``is_head`` (bool), one row per item sorted by
        ``item_idx``.

    Raises:
        ConfigError: If ``head_share`` is not in (0, 1).
        DataError: If ``items`` does not cover ``0..n_items-1`` exactly, a
            training ``item_idx`` is out of range, or every item would be a
            head item (no tail).
    """
    if not 0.0 < head_share < 1.0:
        raise ConfigError(f"head_share must be in (0, 1), got {head_share}")
    mapping = items[["item_idx", "item_id"]].sort_values("item_idx")
    mapping = mapping.reset_index(drop=True)
    if len(mapping) != n_items or not np.array_equal(
        mapping["item_idx"].to_numpy(), np.arange(n_items)
    ):
        raise DataError(
            f"items must list each item_idx 0..{n_items - 1} exactly once; got "
            f"{len(mapping)} rows"
        )
    idx = train["item_idx"].to_numpy()
    if idx.size and (idx.min() < 0 or idx.max() >= n_items):
        raise DataError(
            f"train has item_idx outside 0..{n_items - 1} "
            f"(min {idx.min()}, max {idx.max()})"
        )
    counts = np.bincount(idx, minlength=n_items).astype(np.int64)
    n_head = max(1, math.floor(head_share * n_items + 0.5 + _ROUND_EPS))
    if n_head >= n_items:
        # n_head <= n_items - 1 exactly when head_share < (n_items - 0.5) / n_items
        advice = (
            f"lower {setting} below {(n_items - 0.5) / n_items:.4g}"
            if n_items >= 2
            else "at least 2 items are needed"
        )
        raise DataError(
            f"{setting}={head_share:g} on {n_items} item(s) gives {n_head} head "
            f"item(s) (max(1, floor({head_share:g} * {n_items} + 0.5))) and no tail "
            f"item, so tail metrics cannot be computed; {advice}"
        )
    ranking = np.lexsort((np.arange(n_items), -counts))
    is_head = np.zeros(n_items, dtype=bool)
    is_head[ranking[:n_head]] = True
    logger.info(
        "Head items: %d of %d (%.1f%% of training pairs)",
        n_head,
        n_items,
        100.0 * counts[is_head].sum() / max(1, counts.sum()),
    )
    return pd.DataFrame(
        {
            "item_idx": np.arange(n_items, dtype=np.int64),
            "item_id": mapping["item_id"],
            "train_count": counts,
            "is_head": is_head,
        }
    )
