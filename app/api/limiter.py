"""Per-key rate limits of the API: a moving window of one minute per key (``limits``).

The counters live in the server process's memory (:class:`limits.storage.MemoryStorage`):
``xinping serve`` runs one worker, so every call of a key meets the same counter. A
restart forgets the counts, which only ever lets a key through sooner.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter


@dataclass(frozen=True)
class Verdict:
    """A call's fate: allowed, and if not, the whole seconds until the window lets one in."""

    allowed: bool
    remaining: int
    retry_after: int = 0


class KeyLimiter:
    """Counts each key's calls in a moving one-minute window."""

    def __init__(self) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def hit(self, key_id: str, per_minute: int) -> Verdict:
        """Count a call of ``key_id`` (limit ``per_minute``) and say whether it may go on."""
        item = RateLimitItemPerMinute(per_minute)
        if self._limiter.hit(item, key_id):
            stats = self._limiter.get_window_stats(item, key_id)
            return Verdict(True, stats.remaining)
        stats = self._limiter.get_window_stats(item, key_id)
        wait = max(1, math.ceil(stats.reset_time - time.time()))
        return Verdict(False, 0, wait)
