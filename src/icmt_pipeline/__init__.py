"""icmt-pipeline: long-tail-aware recommenders trained with ICMT."""

__version__ = "0.1.0"
