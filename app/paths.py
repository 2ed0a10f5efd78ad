"""Paths typed at the command line: checked before any work, each refusal one sentence.

Every path option or argument of a command (``--store``, ``--out``, ``--lake``,
``ingest FILE``, ``export-lake DIR``) goes through one of these checks, so a
missing input, a folder where a file belongs, a file where a folder belongs or a
place that cannot be written is named before anything is read or written — never
a traceback. Writing can still fail later (a full disk, a file vanishing):
:func:`written` turns that :class:`OSError` into the same kind of sentence.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class PathError(ValueError):
    """A path the command cannot use; ``str()`` is the one-line message."""


def _nearest_existing(path: Path) -> Path:
    """``path`` or its nearest ancestor that exists."""
    here = path.absolute()
    while not here.exists() and here != here.parent:
        here = here.parent
    return here


def _writable_place(path: Path, what: str) -> None:
    """The folders up to ``path`` can be created and written in, or a :class:`PathError`."""
    base = _nearest_existing(path.parent)
    if not base.is_dir():
        raise PathError(f"{what} {path}: {base} is a file, not a folder")
    if not os.access(base, os.W_OK | os.X_OK):
        raise PathError(f"{what} {path}: cannot write in {base} (permission denied)")


def output_file(path: Path, what: str, default_name: str | None = None) -> Path:
    """Where to write a file asked for as ``path``.

    An existing folder takes the file under ``default_name`` (refused without one);
    missing folders on the way are created by the writer.

    Raises
    ------
    PathError
        A file on the way where a folder is needed, a folder that cannot be
        written, or an existing file that cannot be replaced.
    """
    if path.is_dir():
        if default_name is None:
            raise PathError(f"{what} {path} is a folder: give a file name")
        path = path / default_name
        if path.is_dir():
            raise PathError(f"{what} {path} is a folder: give a file name")
    _writable_place(path, what)
    if path.exists() and not os.access(path, os.W_OK):
        raise PathError(f"{what} {path}: cannot replace it (permission denied)")
    return path


def output_folder(path: Path, what: str) -> Path:
    """A folder to write in (``export-lake DIR``, ``--out DIR``), created here if missing:
    whether it can be made is known only by making it."""
    if path.exists() and not path.is_dir():
        raise PathError(f"{what} {path} is a file, not a folder")
    if not path.is_dir():
        _writable_place(path, what)
        with written(path, what):
            path.mkdir(parents=True, exist_ok=True)
    if not os.access(path, os.W_OK | os.X_OK):
        raise PathError(f"{what} {path}: cannot write in it (permission denied)")
    return path


def input_file(path: Path, what: str) -> Path:
    """A file to read: it exists, is a file and can be read."""
    if not path.exists():
        raise PathError(f"{what} {path}: no such file")
    if path.is_dir():
        raise PathError(f"{what} {path} is a folder, not a file")
    if not os.access(path, os.R_OK):
        raise PathError(f"{what} {path}: cannot read it (permission denied)")
    return path


def input_folder(path: Path, what: str) -> Path:
    """A folder to read (``--lake DIR``)."""
    if not path.exists():
        raise PathError(f"{what} {path}: no such folder")
    if not path.is_dir():
        raise PathError(f"{what} {path} is a file, not a folder")
    return path


@contextmanager
def written(path: Path, what: str) -> Iterator[None]:
    """Turn an :class:`OSError` while writing ``path`` into a :class:`PathError`."""
    try:
        yield
    except OSError as exc:
        reason = exc.strerror or str(exc).splitlines()[0]
        raise PathError(f"{what} {path}: cannot write it ({reason})") from None
