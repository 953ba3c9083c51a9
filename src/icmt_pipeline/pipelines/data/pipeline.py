"""Wiring of the ``data`` pipeline."""

from kedro.pipeline import Pipeline, node

from icmt_pipeline.pipelines.data.nodes import (
    compute_item_popularity,
    filter_interactions,
    load_interactions,
    report_data,
    split_data,
)


def create_pipeline(**kwargs) -> Pipeline:
    """Download, parse, filter, remap, split, popularity, report."""
    return Pipeline(
        [
            node(
                func=load_interactions,
                inputs={"dataset": "params:dataset", "data": "params:data"},
                outputs=["raw_interactions", "item_names", "raw_files"],
                name="load_interactions",
            ),
            node(
                func=filter_interactions,
                inputs={
                    "raw_interactions": "raw_interactions",
                    "dataset": "params:dataset",
                    "data": "params:data",
                },
                outputs="interactions",
                name="filter_interactions",
            ),
            node(
                func=split_data,
                inputs={
                    "interactions": "interactions",
                    "dataset": "params:dataset",
                    "data": "params:data",
                },
                outputs=["train", "valid", "test"],
                name="split_data",
            ),
            node(
                func=compute_item_popularity,
                inputs={
                    "train": "train",
                    "interactions": "interactions",
                    "dataset": "params:dataset",
                    "data": "params:data",
                },
                outputs="item_popularity",
                name="compute_item_popularity",
            ),
            node(
                func=report_data,
                inputs={
                    "interactions": "interactions",
                    "train": "train",
                    "valid": "valid",
                    "test": "test",
                    "item_popularity": "item_popularity",
                    "dataset": "params:dataset",
                },
                outputs=["data_report", "popularity_curve_plot", "data_report_mlflow"],
                name="report_data",
            ),
        ]
    )
