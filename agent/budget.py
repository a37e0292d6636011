"""Budgets of one investigation run (steps, tool calls, tokens, wall time, query cost) and the
usage that is always reported. Thread-safe: tools of one turn run concurrently."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from agent.config import BudgetSettings, PriceSettings
from agent.report import Usage


@dataclass
class Budget:
    """Counts what a run used and says which limit, if any, is spent."""

    limits: BudgetSettings
    prices: PriceSettings
    started: float = field(default_factory=time.monotonic)
    steps: int = 0
    tool_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0  # part of input_tokens read from the prompt cache
    cache_write_tokens: int = 0  # part of input_tokens written to the prompt cache
    query_cost_usd: float = 0.0
    bytes_scanned: int = 0
    observation_chars: int = 0  # characters of tool output sent to the model
    query_seconds: float = 0.0  # time spent inside backend queries
    model_seconds: float = 0.0  # time spent waiting for the model
    stopped_by: str | None = None
    internal_errors: list[str] = field(
        default_factory=list
    )  # ids of tool calls that failed on a bug
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _busy: list[tuple[float, float]] = field(default_factory=list, repr=False)

    def overhead_seconds(self) -> float:
        """Wall time when neither a query nor the model was running: the graph, checkpoints,
        evidence recording and rendering (queries of one turn overlap, so intervals are merged)."""
        with self._lock:
            intervals = sorted(self._busy)
        covered, end = 0.0, float("-inf")
        for lo, hi in intervals:
            if hi <= end:
                continue
            covered += hi - max(lo, end)
            end = hi
        return max(self.elapsed() - covered, 0.0)

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def remaining_seconds(self) -> float:
        """Wall time left before the run's budget is spent (a query must not outlive it)."""
        return max(self.limits.max_wall_seconds - self.elapsed(), 0.0)

    def exhausted(self) -> str | None:
        """The first spent budget, described for the report; None while all remain."""
        s = self.limits
        if self.stopped_by:
            return self.stopped_by
        reason = None
        if self.steps >= s.max_steps:
            reason = f"step budget spent ({self.steps}/{s.max_steps} model turns)"
        elif self.tool_calls >= s.max_tool_calls:
            reason = f"tool-call budget spent ({self.tool_calls}/{s.max_tool_calls})"
        elif self.input_tokens + self.output_tokens >= s.max_tokens:
            reason = f"token budget spent ({self.input_tokens + self.output_tokens}/{s.max_tokens})"
        elif self.elapsed() >= s.max_wall_seconds:
            reason = f"wall-time budget spent ({self.elapsed():.0f}/{s.max_wall_seconds} s)"
        elif self.query_cost_usd >= s.max_query_cost_usd:
            reason = (
                f"query-cost budget spent (${self.query_cost_usd:.4f}/${s.max_query_cost_usd:.2f})"
            )
        return reason

    def stop(self, reason: str) -> None:
        with self._lock:
            self.stopped_by = self.stopped_by or reason

    def try_tool_call(self) -> str | None:
        """Reserve one tool call; returns why not when a budget is spent."""
        with self._lock:
            s = self.limits
            if self.tool_calls >= s.max_tool_calls:
                return f"tool-call budget spent ({self.tool_calls}/{s.max_tool_calls})"
            if self.elapsed() >= s.max_wall_seconds:
                return f"wall-time budget spent ({self.elapsed():.0f}/{s.max_wall_seconds} s)"
            if self.query_cost_usd >= s.max_query_cost_usd:
                return f"query-cost budget spent (${self.query_cost_usd:.4f}/${s.max_query_cost_usd:.2f})"
            self.tool_calls += 1
            return None

    def add_step(self) -> None:
        with self._lock:
            self.steps += 1

    def add_tokens(
        self, input_tokens: int, output_tokens: int, cache_read: int = 0, cache_write: int = 0
    ) -> None:
        """`input_tokens` is every input token of the turn, the cached ones included (as
        LangChain's usage_metadata counts them); the cache parts are priced on their own."""
        with self._lock:
            self.input_tokens += input_tokens
            self.output_tokens += output_tokens
            self.cache_read_tokens += cache_read
            self.cache_write_tokens += cache_write

    def add_query(self, cost_usd: float, bytes_scanned: int, seconds: float, chars: int) -> None:
        with self._lock:
            self._busy.append((time.monotonic() - seconds, time.monotonic()))
            self.query_cost_usd += cost_usd
            self.bytes_scanned += bytes_scanned
            self.query_seconds += seconds
            self.observation_chars += chars

    def add_internal_error(self, error_id: str) -> None:
        with self._lock:
            self.internal_errors.append(error_id)

    def add_model_seconds(self, seconds: float) -> None:
        with self._lock:
            self._busy.append((time.monotonic() - seconds, time.monotonic()))
            self.model_seconds += seconds

    def usage(self) -> Usage:
        s = self.prices
        uncached = max(self.input_tokens - self.cache_read_tokens - self.cache_write_tokens, 0)
        model_cost = (
            uncached / 1000 * s.model_usd_per_1k_input_tokens
            + self.cache_read_tokens / 1000 * s.model_usd_per_1k_cache_read_tokens
            + self.cache_write_tokens / 1000 * s.model_usd_per_1k_cache_write_tokens
            + self.output_tokens / 1000 * s.model_usd_per_1k_output_tokens
        )
        return Usage(
            steps=self.steps,
            tool_calls=self.tool_calls,
            input_tokens=self.input_tokens,
            output_tokens=self.output_tokens,
            cache_read_tokens=self.cache_read_tokens,
            cache_write_tokens=self.cache_write_tokens,
            cost_usd=round(model_cost + self.query_cost_usd, 6),
            model_cost_usd=round(model_cost, 6),
            query_cost_usd=round(self.query_cost_usd, 6),
            bytes_scanned=self.bytes_scanned,
            wall_seconds=round(self.elapsed(), 3),
            budget_exhausted=self.stopped_by,
            query_seconds=round(self.query_seconds, 3),
            model_seconds=round(self.model_seconds, 3),
            observation_chars=self.observation_chars,
            overhead_seconds=round(self.overhead_seconds(), 3),
            internal_errors=len(self.internal_errors),
            internal_error_ids=list(self.internal_errors),
        )
