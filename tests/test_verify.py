"""verify reads the cut-offs from the run's own metrics, not from today's config."""

from icmt_pipeline.verify import run_cutoffs


def test_run_cutoffs_from_metric_names() -> None:
    # Keys of a run evaluated at 5 and 10; 'users' has no cut-off.
    saved = {"recall@5": 0.5, "ndcg_tail@10": 0.1, "coverage@10": 0.3, "users": 3.0}
    assert run_cutoffs(saved) == (5, 10)


def test_run_cutoffs_sorted_and_unique() -> None:
    saved = {"apt@20": 0.2, "recall@3": 0.1, "ndcg@20": 0.4, "recall@20": 0.5}
    assert run_cutoffs(saved) == (3, 20)
