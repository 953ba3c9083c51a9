"""Slow, obviously-correct metric definitions, one user at a time.

Used by the tests to cross-check :mod:`icmt_pipeline.evaluation.metrics` and
by ``python -m icmt_pipeline.verify`` to recompute a run's metrics from its
saved recommendation lists and splits. Plain Python on purpose.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence


def dcg(ranked: Sequence[object], relevant: set[object], n: int) -> float:
    """``sum_{r <= n, ranked[r-1] in relevant} 1 / log2(r + 1)``."""
    return sum(
        1.0 / math.log2(rank + 1)
        for rank, item in enumerate(ranked[:n], start=1)
        if item in relevant
    )


def idcg(n_relevant: int, n: int) -> float:
    """DCG of a list with ``min(n, n_relevant)`` hits on top."""
    return sum(1.0 / math.log2(rank + 1) for rank in range(1, min(n, n_relevant) + 1))


def gini_reference(counts: Sequence[float]) -> float:
    """Gini: ``sum_i (2i - n - 1) x_(i) / (n sum x)``, x sorted ascending, i = 1..n."""
    xs = sorted(counts)
    n, total = len(xs), sum(xs)
    if n == 0 or total == 0:
        return 0.0
    return sum((2 * i - n - 1) * x for i, x in enumerate(xs, start=1)) / (n * total)


def metrics_reference(
    lists: Mapping[object, Sequence[object]],
    test: Mapping[object, set[object]],
    tail: set[object],
    all_items: Iterable[object],
    train_count: Mapping[object, int],
    cutoffs: Sequence[int] = (10, 20),
) -> dict[str, float]:
    """Every metric of :func:`ranking_metrics` by the textbook definitions.

    Args:
        lists: user -> top-N list (best first), for users with test items.
        test: user -> set of test items.
        tail: The tail items.
        all_items: The whole catalogue (for coverage and Gini).
        train_count: item -> training interactions.
        cutoffs: List lengths.
    """
    catalogue = list(all_items)
    out: dict[str, float] = {}
    for n in cutoffs:
        groups: dict[str, list[tuple[float, float]]] = {
            "": [],
            "_tail": [],
            "_head": [],
        }
        apt, shown = [], []
        for user, ranked in lists.items():
            truth = test.get(user, set())
            if not truth:
                continue
            parts = {"": truth, "_tail": truth & tail, "_head": truth - tail}
            for suffix, relevant in parts.items():
                if relevant:
                    hits = sum(1 for item in ranked[:n] if item in relevant)
                    groups[suffix].append(
                        (
                            hits / len(relevant),
                            dcg(ranked, relevant, n) / idcg(len(relevant), n),
                        )
                    )
            apt.append(sum(1 for item in ranked[:n] if item in tail) / n)
            shown.extend(ranked[:n])
        for suffix, rows in groups.items():
            mean = (lambda xs: sum(xs) / len(xs)) if rows else (lambda xs: float("nan"))
            out[f"recall{suffix}@{n}"] = mean([r for r, _ in rows])
            out[f"ndcg{suffix}@{n}"] = mean([g for _, g in rows])
            key = "users" + suffix
            out[key] = float(len(rows))
        out[f"coverage@{n}"] = len(set(shown)) / len(catalogue)
        out[f"apt@{n}"] = sum(apt) / len(apt)
        times_shown = Counter(shown)
        out[f"gini@{n}"] = gini_reference([times_shown[item] for item in catalogue])
        out[f"avg_pop@{n}"] = sum(train_count[item] for item in shown) / len(shown)
    return out
