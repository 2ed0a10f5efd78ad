"""Personal ID numbers in stored text: keyed pseudonyms and masked fragments.

The audit log must answer "who looked at this person" without keeping the
person's 居民身份证号码: it keeps :func:`pseudonym` — an HMAC-SHA256 of the ID
under the platform's audit key — which a full-ID role can recompute from an ID
and look up, and which no one can turn back into the ID without the key.
Free text bound for a log (a search query, a file name in a detail) goes
through :func:`scrub`: full IDs become their pseudonym, and any other run of
ten or more ID characters (digits, ``X``, wildcards) keeps only its first six
(the region, which a masked ID shows anyway), so a partial ID typed into a
search leaves no birth date or sequence digits behind.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any

from features.records.ids import is_personal_id, is_uscc, mask_id

#: prefix of a pseudonym, so a reader of the log knows what the value is
PREFIX = "pid:"
#: hex characters of the HMAC kept (128 bits: no two people collide in practice)
DIGITS = 32
#: an 18-character ID anywhere in text (not inside a longer run of digits)
_FULL = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
#: a token of text: letters, digits and the wildcards a search might hold
_TOKEN = re.compile(r"[0-9A-Za-z_%*?]+")
#: a run of ID characters long enough to carry more than a region and a year
_ID_RUN = re.compile(r"[0-9Xx_%*?]{10,}")
#: a birth date named in a validation message (it is the ID's middle)
_BIRTH = re.compile(r"(birth date|出生日期)\s*[0-9-]+")
#: a masked ID (region, hidden middle, last two): it shows nothing more than a mask does
_MASKED = re.compile(r"[0-9]{6}[_%*?]{10}[0-9Xx_%*?]{2}")


def pseudonym(code: str, key: bytes) -> str:
    """The keyed hash of a personal ID (``pid:`` + 32 hex), the same for the same key."""
    digest = hmac.new(key, code.strip().upper().encode("ascii"), hashlib.sha256).hexdigest()
    return PREFIX + digest[:DIGITS]


def _public(code: str) -> bool:
    """A USCC (not also an ID) or a 9/12-digit division code: public, never hidden."""
    if len(code) == 18 and is_uscc(code) and not is_personal_id(code):
        return True
    return code.isdigit() and len(code) in (9, 12)


def protect(code: str | None, key: bytes) -> str | None:
    """``code`` as the audit log keeps it in ``subject_id``: a personal ID — or
    anything holding a run of ten or more ID characters that is not a public code
    (a partial ID typed or uploaded) — as its :func:`pseudonym`; a USCC, a division
    code, other text and ``None`` unchanged."""
    if code is None:
        return None
    text = code.strip().upper()
    if is_personal_id(text) or (not _public(text) and _ID_RUN.search(text)):
        return pseudonym(text, key)
    return code


def mask_code(code: str | None) -> str | None:
    """An identifier as a masked role sees it: a personal ID masked (:func:`mask_id`),
    a fragment of one starred after its first six characters; USCCs and division
    codes as they are."""
    if not isinstance(code, str) or _public(code.strip().upper()):
        return code
    return mask_text(mask_id(code))


def _full(found: re.Match[str], key: bytes) -> str:
    text = found.group(0).upper()
    return pseudonym(text, key) if is_personal_id(text) else found.group(0)


def _partial(found: re.Match[str]) -> str:
    text = found.group(0)
    if len(text) == 18 and is_uscc(text.upper()):
        return text  # a USCC is public
    if _ID_RUN.fullmatch(text) and not _MASKED.fullmatch(text):
        return text[:6] + "*" * (len(text) - 6)
    return text


def scrub(value: Any, key: bytes) -> Any:
    """``value`` (text, or a JSON-like dict/list of them) with personal IDs protected.

    Full IDs become their :func:`pseudonym`; other runs of eight or more ID
    characters keep their first six and are starred; USCCs stay.
    """
    if isinstance(value, str):
        return _TOKEN.sub(_partial, _FULL.sub(lambda m: _full(m, key), value))
    if isinstance(value, dict):
        return {k: scrub(v, key) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [scrub(v, key) for v in value]
    return value


def mask_text(text: str | None) -> str | None:
    """``text`` as a masked role may read it: full IDs masked (:func:`mask_id`), other
    runs of ten or more ID characters starred after their first six, birth dates
    named in validation messages hidden. USCCs and masked IDs stay."""
    if not isinstance(text, str):
        return text
    text = _FULL.sub(lambda m: mask_id(m.group(0).upper()) or "", text)
    text = _BIRTH.sub(lambda m: m.group(1) + " ********", text)
    return _TOKEN.sub(_partial, text)
