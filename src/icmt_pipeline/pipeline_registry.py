"""Project pipelines.

Written out explicitly (not ``find_pipelines``): ``kedro run -p train`` must
import both packages that ``train`` is made of.
"""

from kedro.pipeline import Pipeline

from icmt_pipeline.pipelines import data, train


def register_pipelines() -> dict[str, Pipeline]:
    """``data``: download to splits; ``train``: data + training + evaluation."""
    data_pipeline = data.create_pipeline()
    train_pipeline = data_pipeline + train.create_pipeline()
    return {
        "data": data_pipeline,
        "train": train_pipeline,
        "__default__": train_pipeline,
    }
