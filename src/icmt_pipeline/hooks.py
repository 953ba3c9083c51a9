"""Project hooks: check every parameter before any node runs."""

from __future__ import annotations

import logging
from typing import Any

from kedro.framework.hooks import hook_impl

from icmt_pipeline.data.config import DataConfig
from icmt_pipeline.errors import ConfigError
from icmt_pipeline.models import ModelConfig
from icmt_pipeline.params import from_params
from icmt_pipeline.pipelines.train.nodes import EvaluationConfig
from icmt_pipeline.training import TrainConfig

logger = logging.getLogger(__name__)

# Everything conf/base/parameters*.yml defines at the top level; anything else
# (a typo such as `trian.max_steps=1` in --params) would be silently ignored.
TOP_LEVEL_PARAMETERS = (
    "dataset",
    "model",
    "framework",
    "data",
    "model_options",
    "train",
    "evaluation",
)


class ValidateParametersHook:
    """Fail fast: a typo in a parameter stops the run before the download.

    The nodes build the same frozen dataclasses again; this hook only moves
    the first failure to the start of the run.
    """

    # tryfirst: run before kedro-mlflow's hook opens an MLflow run, so a run
    # refused here leaves no empty run behind.
    @hook_impl(tryfirst=True)
    def before_pipeline_run(
        self, run_params: dict[str, Any], pipeline, catalog
    ) -> None:  # type: ignore[no-untyped-def]
        params = catalog.load("parameters")
        unknown = sorted(set(params) - set(TOP_LEVEL_PARAMETERS))
        if unknown:
            raise ConfigError(
                f"Unknown top-level parameter(s) {', '.join(map(repr, unknown))}; "
                f"allowed: {', '.join(TOP_LEVEL_PARAMETERS)}"
            )
        DataConfig.from_params(params.get("data"), params.get("dataset"))
        if any(name.startswith("params:train") for name in pipeline.datasets()):
            ModelConfig.from_params(params.get("model"), params.get("model_options"))
            evaluation = from_params(
                EvaluationConfig, params.get("evaluation"), "evaluation"
            )
            train = TrainConfig.from_params(
                params.get("framework"), params.get("train")
            )
            logger.info(
                "Parameters checked: %s / %s / %s, validation NDCG@%d, cut-offs %s",
                params.get("dataset"),
                params.get("model"),
                train.framework,
                train.eval_cutoff,
                list(evaluation.cutoffs),
            )
