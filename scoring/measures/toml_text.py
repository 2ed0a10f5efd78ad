"""A catalogue as TOML text, the form a steward edits (the shipped file's layout).

A saved version is kept as canonical JSON (:mod:`scoring.measures.versions`);
the steward's editor shows it as TOML, one ``[[measures]]`` table per measure.
:func:`catalogue_toml` writes only what :meth:`Catalogue.to_data` holds (texts,
lists of texts, whole numbers, the basis table), so reading the text back with
:func:`scoring.measures.checks.parse_text` gives the same catalogue (same SHA-256).
"""

from __future__ import annotations

import json
from typing import Any

from scoring.measures.catalogue import Catalogue


def _value(value: Any) -> str:
    """A TOML value: a basic string (JSON escapes are TOML escapes), an integer or an array."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(f"no TOML form for {type(value).__name__}")


def catalogue_toml(catalogue: Catalogue) -> str:
    """``catalogue`` as TOML text that parses back to the same catalogue."""
    data = catalogue.to_data()
    out = [f"title = {_value(data['title'])}", ""]
    for m in data["measures"]:
        out.append("[[measures]]")
        basis = m.pop("basis")
        out += [f"{k} = {_value(v)}" for k, v in m.items()]
        out.append("")
        out.append("[measures.basis]")
        out += [f"{k} = {_value(v)}" for k, v in basis.items()]
        out.append("")
    return "\n".join(out)
