"""Data layer: fetch public or custom interaction logs, clean, split, describe.

Plain Python (no Kedro): the Kedro nodes of the ``data`` pipeline call it.
"""
