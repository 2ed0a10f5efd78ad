"""Platform secrets kept beside the store: random keys in files only the owner may read.

The audit log keeps personal ID numbers as keyed hashes (:mod:`scoring.audit`);
the key lives here, beside the store file, never in the store itself (so a copy
of the tables, a lake export or a backup of the database alone cannot be used to
test guesses of an ID against the log). A missing key file is created with a
fresh random key and mode ``0600``; two processes creating it at once agree
(the file is created exclusively and the loser reads the winner's key).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

#: bytes of a generated key (HMAC-SHA256 takes any length; 32 is its block-safe size)
KEY_BYTES = 32

#: keys of stores without a file (``:memory:``): one per name and process
_PROCESS_KEYS: dict[str, bytes] = {}


def process_key(name: str) -> bytes:
    """A random key for ``name`` that lives as long as this process (throw-away stores)."""
    return _PROCESS_KEYS.setdefault(name, secrets.token_bytes(KEY_BYTES))


def key_file(store_path: str | Path, name: str) -> Path:
    """Where the key ``name`` of the store at ``store_path`` is kept (``<file>.<name>.key``)."""
    path = Path(store_path)
    return path.with_name(f"{path.name}.{name}.key")


def _read_key(path: Path) -> bytes:
    try:
        key = bytes.fromhex(path.read_text(encoding="ascii").strip())
    except ValueError:
        key = b""
    if len(key) < 16:
        raise ValueError(f"{path}: not a hex key of at least 16 bytes")
    return key


def read_or_create_key(path: Path) -> bytes:
    """The key in ``path`` (hex text); a new random one, written ``0600``, when missing.

    Raises
    ------
    ValueError
        When the file holds something that is not a hex key of at least 16 bytes.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_key(path)
    key = secrets.token_bytes(KEY_BYTES)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key.hex() + "\n")
    return key
