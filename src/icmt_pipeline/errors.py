"""Exceptions raised by icmt-pipeline.

Every error names the offending value (file, line, column, parameter) and what
was expected, so that a failed run can be fixed without reading the code.
"""


class IcmtError(Exception):
    """Base class for the project's own errors."""


class ConfigError(IcmtError, ValueError):
    """A parameter has a value the project does not accept."""


class DataError(IcmtError, ValueError):
    """Input data is malformed, empty, or degenerate."""


class DownloadError(IcmtError, OSError):
    """A raw file could be found neither in the cache, the mirror nor upstream."""


class ChecksumError(DataError):
    """A file's sha256 differs from the one pinned for it."""
