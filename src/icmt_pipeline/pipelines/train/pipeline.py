"""Wiring of the ``train`` pipeline (training, evaluation, reports)."""

from kedro.pipeline import Pipeline, node

from icmt_pipeline.pipelines.train.nodes import (
    evaluate_recommendations,
    recommend_items,
    report_run,
    train_recommender,
)


def create_pipeline(**kwargs) -> Pipeline:
    """Train, recommend, evaluate and report; inputs come from ``data``."""
    return Pipeline(
        [
            node(
                func=train_recommender,
                inputs={
                    "train": "train",
                    "valid": "valid",
                    "test": "test",
                    "item_popularity": "item_popularity",
                    "dataset": "params:dataset",
                    "model": "params:model",
                    "framework": "params:framework",
                    "model_options": "params:model_options",
                    "train_params": "params:train",
                    "evaluation": "params:evaluation",
                },
                outputs=[
                    "model_checkpoint",
                    "training_history",
                    "cluster_history",
                    "validation_curve_mlflow",
                    "cluster_weights_mlflow",
                ],
                name="train_recommender",
            ),
            node(
                func=recommend_items,
                inputs={
                    "checkpoint": "model_checkpoint",
                    "train": "train",
                    "valid": "valid",
                    "test": "test",
                    "item_popularity": "item_popularity",
                    "item_names": "item_names",
                    "evaluation": "params:evaluation",
                },
                outputs="recommendations",
                name="recommend_items",
            ),
            node(
                func=evaluate_recommendations,
                inputs={
                    "recommendations": "recommendations",
                    "test": "test",
                    "item_popularity": "item_popularity",
                    "evaluation": "params:evaluation",
                },
                outputs=["metrics", "run_metrics", "metrics_mlflow"],
                name="evaluate_recommendations",
            ),
            node(
                func=report_run,
                inputs={
                    "metrics": "run_metrics",
                    "training_history": "training_history",
                    "cluster_history": "cluster_history",
                    "dataset": "params:dataset",
                    "model": "params:model",
                    "framework": "params:framework",
                    "evaluation": "params:evaluation",
                },
                outputs=[
                    "metrics_table",
                    "head_tail_plot",
                    "validation_curve_plot",
                    "cluster_weights_plot",
                ],
                name="report_run",
            ),
        ]
    )
