"""Kedro project settings."""

import warnings

from kedro.config import OmegaConfigLoader
from omegaconf.resolvers import oc

from icmt_pipeline.hooks import ValidateParametersHook

HOOKS = (ValidateParametersHook(),)

CONFIG_LOADER_CLASS = OmegaConfigLoader
CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
    # `${oc.env:VAR, default}` in parameters and catalog (Kedro allows it only
    # in credentials unless registered here). Used for ICMT_DATA_MIRROR.
    "custom_resolvers": {"oc.env": oc.env},
    # conf/local/*.yml may override single nested keys (e.g. only
    # data.sources.custom.path) instead of replacing a whole top-level key.
    "merge_strategy": {"parameters": "soft", "globals": "soft"},
}

# Kedro 1.7 registers its resolvers with an OmegaConf call that OmegaConf now
# marks deprecated; the warning is about Kedro's internals, not this project.
warnings.filterwarnings(
    "ignore", message=r"register_new_resolver\(\) is deprecated", category=UserWarning
)
# kedro-mlflow imports MLflow's pyfunc module, which warns about a class of
# MLflow's own; nothing in this project defines a `predict` method.
warnings.filterwarnings("ignore", message=r".*Add type hints to the `predict` method")
