"""Metric tables."""

from __future__ import annotations

import re
from collections.abc import Mapping

import pandas as pd

_KEY = re.compile(r"^(?P<metric>[a-z_]+)@(?P<cutoff>\d+)$")


def metrics_table(metrics: Mapping[str, float]) -> pd.DataFrame:
    """Flat ``name@N`` metrics as a table: one row per metric, one column per N.

    Keys without ``@N`` (user counts) are left out.
    """
    rows = []
    for key, value in metrics.items():
        match = _KEY.match(key)
        if match:
            rows.append((match["metric"], f"@{match['cutoff']}", value))
    frame = pd.DataFrame(rows, columns=["metric", "cutoff", "value"])
    order = list(dict.fromkeys(frame["metric"]))
    table = frame.pivot(index="metric", columns="cutoff", values="value")
    table = table.loc[order]
    return table[sorted(table.columns, key=lambda c: int(c[1:]))].reset_index()
