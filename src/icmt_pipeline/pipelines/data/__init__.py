"""Raw download to k-core filtered, remapped, 8:1:1-split interactions."""

from icmt_pipeline.pipelines.data.pipeline import create_pipeline

__all__ = ["create_pipeline"]
