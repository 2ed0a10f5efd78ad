"""The error of a department file that cannot be ingested at all."""

from __future__ import annotations

__all__ = ["UnreadableFileError"]


class UnreadableFileError(Exception):
    """A file that cannot be ingested at all; the message names the file and the cause."""
