"""Training frameworks (normal, IPS, ICMT) sharing one trainer."""

from icmt_pipeline.training.config import FRAMEWORKS, ICMTConfig, IPSConfig, TrainConfig
from icmt_pipeline.training.trainer import (
    SplitArrays,
    TrainResult,
    model_from_checkpoint,
    train_model,
)

__all__ = [
    "FRAMEWORKS",
    "ICMTConfig",
    "IPSConfig",
    "SplitArrays",
    "TrainConfig",
    "TrainResult",
    "model_from_checkpoint",
    "train_model",
]
