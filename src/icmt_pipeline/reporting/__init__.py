"""Tables and figures of a run."""

from icmt_pipeline.reporting.plots import (
    plot_cluster_weights,
    plot_head_tail,
    plot_validation_curve,
)
from icmt_pipeline.reporting.tables import metrics_table

__all__ = [
    "metrics_table",
    "plot_cluster_weights",
    "plot_head_tail",
    "plot_validation_curve",
]
