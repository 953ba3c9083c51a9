"""Full-ranking evaluation and metrics."""

from icmt_pipeline.evaluation.metrics import ranking_metrics
from icmt_pipeline.evaluation.ranking import rank_top_n
from icmt_pipeline.evaluation.sets import UserItemSets

__all__ = ["UserItemSets", "rank_top_n", "ranking_metrics"]
