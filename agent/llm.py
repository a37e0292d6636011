"""The chat model behind the investigation.

Bedrock Claude through `ChatBedrockConverse`, wrapped so that throttling is retried with
exponential back-off, then the fallback model is tried, and when Bedrock cannot be reached
at all the rule-based baseline answers (the report says so). Prompt caching marks the
system prompt, the tool definitions and the conversation so far as cache points on models
that support it, which cuts the cost of the many turns of one investigation.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from typing import Any

from botocore.config import Config
from botocore.exceptions import (
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    ReadTimeoutError,
)
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable, RunnableLambda
from pydantic import ConfigDict, Field

from agent.baseline import BaselineChatModel
from agent.chat_model import AnswerSource, Briefing, DescribesItsAnswers, TakesABriefing
from agent.config import Settings

THROTTLING_CODES = {
    "ThrottlingException",
    "TooManyRequestsException",
    "ServiceUnavailableException",
    "ModelNotReadyException",
    "InternalServerException",
}
# Errors after which this model cannot answer now, but another model might.
UNAVAILABLE_CODES = {
    "AccessDeniedException",
    "ResourceNotFoundException",
    "ModelTimeoutException",
    "ModelErrorException",
    "UnrecognizedClientException",
    "ExpiredTokenException",
    "ServiceQuotaExceededException",
}
UNREACHABLE_ERRORS = (
    EndpointConnectionError,
    ConnectTimeoutError,
    ReadTimeoutError,
    NoCredentialsError,
)

# Bedrock models that accept cachePoint blocks (prompt caching).
_CACHING_MODELS = (
    "claude-3-7",
    "claude-3-5-haiku",
    "claude-sonnet-4",
    "claude-opus-4",
    "claude-haiku-4",
    "amazon.nova",
)


def supports_prompt_caching(model_id: str) -> bool:
    return any(marker in model_id.lower() for marker in _CACHING_MODELS)


def error_code(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", ""))
    return type(exc).__name__


def is_throttling(exc: BaseException) -> bool:
    return error_code(exc) in THROTTLING_CODES


def is_unavailable(exc: BaseException) -> bool:
    return isinstance(exc, UNREACHABLE_ERRORS) or error_code(exc) in UNAVAILABLE_CODES


class ResilientChatModel(BaseChatModel):
    """Tries `models` in order; each is retried with back-off while throttled, and the next one
    is used when it stays throttled or is unavailable. Other errors (a malformed request)
    propagate: another model would fail the same way."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    models: list[Any]
    names: list[str]
    max_attempts: int = 3
    backoff_seconds: float = 1.0
    sleep: Callable[[float], None] = Field(default=time.sleep, exclude=True)
    cache_prompts: list[bool] = Field(default_factory=list)
    answered_by: str | None = None
    answered_by_baseline: bool = False
    incidents: list[str] = Field(
        default_factory=list
    )  # throttling / fallback events, for the report

    @property
    def _llm_type(self) -> str:
        return "fa2-resilient"

    @property
    def model_id(self) -> str:
        return self.names[0]

    def _call(self, run: Callable[[Any, int], Any]) -> Any:
        last: BaseException | None = None
        # Once a model has been given up on, later turns of this investigation start at the one
        # that answered: no repeated back-off on every turn.
        start = self.names.index(self.answered_by) if self.answered_by in self.names else 0
        for index, (model, name) in enumerate(zip(self.models, self.names, strict=True)):
            if index < start:
                continue
            retry = not _rule_based(model)
            for attempt in range(1, (self.max_attempts if retry else 1) + 1):
                try:
                    result = run(model, index)
                except Exception as exc:
                    last = exc
                    if is_throttling(exc) and attempt < self.max_attempts:
                        delay = (
                            self.backoff_seconds * 2 ** (attempt - 1) * (1 + random.random() / 4)
                        )
                        self.incidents.append(
                            f"{name} throttled ({error_code(exc)}); retry {attempt} in {delay:.1f} s"
                        )
                        self.sleep(delay)
                        continue
                    if is_throttling(exc) or is_unavailable(exc):
                        self.incidents.append(
                            f"{name} unavailable ({error_code(exc)}); falling back"
                        )
                        break
                    raise
                if self.answered_by and self.answered_by != name:
                    self.incidents.append(f"answered by {name}")
                self.answered_by = name
                self.answered_by_baseline = _rule_based(model)
                return result
        assert last is not None
        raise last

    def briefed(self, briefing: Briefing) -> ResilientChatModel:
        models = [m.briefed(briefing) if isinstance(m, TakesABriefing) else m for m in self.models]
        return self.model_copy(update={"models": models})

    def answer_source(self) -> AnswerSource:
        return AnswerSource(
            model=self.answered_by or self.model_id,
            rule_based=self.answered_by_baseline,
            events=list(self.incidents),
        )

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        message = self._call(lambda model, _i: model.invoke(messages, stop=stop, **kwargs))
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _cache_kwargs(self, index: int) -> dict[str, Any]:
        caching = index < len(self.cache_prompts) and self.cache_prompts[index]
        return {"cache_control": {"type": "ephemeral"}} if caching else {}

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> Runnable[Any, AIMessage]:  # type: ignore[override]
        bound = [
            m.bind_tools(tools, **kwargs, **self._cache_kwargs(i))
            for i, m in enumerate(self.models)
        ]
        return RunnableLambda(
            lambda messages: self._call(lambda _m, i: bound[i].invoke(messages)),
            name="resilient_tools",
        )

    def with_structured_output(
        self, schema: Any, *, include_raw: bool = False, **kwargs: Any
    ) -> Runnable[Any, Any]:  # type: ignore[override]
        bound = [
            m.with_structured_output(schema, include_raw=include_raw, **kwargs) for m in self.models
        ]
        return RunnableLambda(
            lambda messages: self._call(lambda _m, i: bound[i].invoke(messages)),
            name="resilient_report",
        )


def _rule_based(model: Any) -> bool:
    """A member of the chain that is fixed rules (the baseline): it is never retried."""
    return isinstance(model, DescribesItsAnswers) and model.answer_source().rule_based


def bedrock_chat(model_id: str, settings: Settings, client: Any = None) -> Any:
    from langchain_aws import ChatBedrockConverse

    return ChatBedrockConverse(
        model=model_id,
        region_name=settings.aws.region,
        endpoint_url=settings.aws.endpoint_url,  # type: ignore[call-arg]  # a pydantic alias of base_url
        client=client,
        temperature=0.0,
        max_tokens=4096,
        config=Config(
            retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=5, read_timeout=120
        ),
    )


def build_chat_model(
    settings: Settings, *, sleep: Callable[[float], None] = time.sleep
) -> BaseChatModel:
    """The configured investigator: the baseline, or Bedrock with its fallbacks."""
    baseline = BaselineChatModel(language=settings.investigator.language)
    if settings.investigator.model == "baseline":
        return baseline
    ids = [settings.investigator.model_id] + (
        [settings.investigator.fallback_model_id] if settings.investigator.fallback_model_id else []
    )
    models: list[Any] = [bedrock_chat(model_id, settings) for model_id in ids]
    return ResilientChatModel(
        models=[*models, baseline],
        names=[*ids, "baseline (rule-based)"],
        cache_prompts=[supports_prompt_caching(i) for i in ids] + [False],
        sleep=sleep,
    )
