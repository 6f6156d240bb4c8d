"""A token bucket: at most ``rate`` emails per second, with bursts of at
most ``burst``; ``wait`` says how long to sleep before the next may go."""

import time


class TokenBucket:
    def __init__(self, rate, burst=None, clock=time.monotonic):
        if rate <= 0:
            raise ValueError("a rate must be positive")
        self.rate = float(rate)
        self.burst = float(burst if burst is not None else max(1.0, min(rate, 10.0)))
        self.clock = clock
        self.tokens = self.burst
        self.at = clock()

    def _refill(self):
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now

    def wait(self):
        """Seconds until a token is free (0: take one now with ``take``)."""
        self._refill()
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def take(self):
        self._refill()
        self.tokens -= 1
