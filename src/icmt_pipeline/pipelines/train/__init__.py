"""Training, evaluation and reports for one dataset x model x framework."""

from icmt_pipeline.pipelines.train.pipeline import create_pipeline

__all__ = ["create_pipeline"]
