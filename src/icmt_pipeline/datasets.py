"""Kedro datasets of this project."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path, PurePosixPath
from typing import Any

import torch
from kedro.io import AbstractVersionedDataset, Version


class TorchCheckpointDataset(AbstractVersionedDataset[dict[str, Any], dict[str, Any]]):
    """A training checkpoint: state dict, resolved configuration and metadata.

    Saved with ``torch.save`` (atomically: temp file, then rename) and loaded
    with ``torch.load(..., weights_only=True)``, so loading never runs pickled
    code. The payload must hold only tensors, numbers, strings, lists and
    dicts (what :meth:`TrainResult.checkpoint` produces).

    Example catalog entry::

        model_checkpoint:
          type: icmt_pipeline.datasets.TorchCheckpointDataset
          filepath: data/06_models/lastfm/mf-icmt/model.pt
          versioned: true
    """

    def __init__(
        self,
        filepath: str,
        version: Version | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(PurePosixPath(filepath), version)
        self.metadata = metadata

    def load(self) -> dict[str, Any]:
        path = Path(str(self._get_load_path()))
        return torch.load(path, map_location="cpu", weights_only=True)

    def save(self, data: dict[str, Any]) -> None:
        path = Path(str(self._get_save_path()))
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.", suffix=".part"
        )
        os.close(fd)
        try:
            torch.save(data, tmp)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)

    def _exists(self) -> bool:
        return Path(str(self._get_load_path())).exists()

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath), "version": self._version}
