"""Token-bucket throttling as API Gateway applies it to a stage, a method or a usage plan:
`rate` requests a second refill a bucket of `burst` tokens; a request that finds the
bucket empty is answered 429 "Too Many Requests"."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class TokenBucket:
    rate: float  # tokens added per second
    burst: int  # bucket size
    tokens: float = field(init=False)
    last: datetime | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.tokens = float(self.burst)

    def set_limits(self, rate: float, burst: int) -> None:
        """A limit change takes effect at once; the bucket keeps what it holds, up to the
        new size."""
        self.rate, self.burst = rate, burst
        self.tokens = min(self.tokens, float(burst))

    def allow(self, at: datetime) -> bool:
        """Take a token for a request at `at` (requests must come in time order)."""
        if self.last is not None:
            elapsed = (at - self.last).total_seconds()
            self.tokens = min(float(self.burst), self.tokens + elapsed * self.rate)
        self.last = at
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False
