"""What a scenario measures: tokens, latencies and peak memory, and their percentiles."""

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Samples:
    tokens: int = 0
    elapsed: float = 0.0
    ttft_ms: list[float] = field(default_factory=list)
    itl_ms: list[float] = field(default_factory=list)
    peak_rss: int = 0

    def summary(self) -> dict:
        return {
            "tokens_per_s": round(self.tokens / max(self.elapsed, 1e-9), 1),
            "ttft_ms_p50": percentile(self.ttft_ms, 50),
            "ttft_ms_p95": percentile(self.ttft_ms, 95),
            "itl_ms_p50": percentile(self.itl_ms, 50),
            "itl_ms_p95": percentile(self.itl_ms, 95),
            "requests": len(self.ttft_ms),
            "peak_rss_mb": round(self.peak_rss / 2**20, 1),
        }


def percentile(values: list[float], q: int) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[round(q / 100 * (len(ordered) - 1))], 2)


def rss_bytes() -> int:
    """This process's resident memory now (Linux /proc; 0 where there is none)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except OSError:
        return 0
    return pages * os.sysconf("SC_PAGE_SIZE")


class RssSampler:
    """Peak RSS while a scenario runs, sampled every 20 ms on a thread."""

    def __enter__(self):
        self.peak, self._stop = rss_bytes(), threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, rss_bytes())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
