"""A scripted narrator: a chat model whose structured output is a given `NarrativeDraft`
(or an error), recording what it was sent."""

from __future__ import annotations

from typing import Any

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.runnables import Runnable, RunnableLambda
from pydantic import Field

from agent.baseline.model import BaselineChatModel
from agent.findings.narrative import NarrativeDraft


class ScriptedNarrator(GenericFakeChatModel):
    draft: NarrativeDraft | None = None
    error: str | None = None
    # Answer as a fallback chain whose LLMs all failed answers: through the baseline model.
    fell_back_to_baseline: bool = False
    seen: list[list[BaseMessage]] = Field(default_factory=list)
    messages: Any = iter(())

    def with_structured_output(
        self, schema: Any, *, include_raw: bool = False, **kwargs: Any
    ) -> Runnable[Any, Any]:  # type: ignore[override]
        if self.fell_back_to_baseline:
            return BaselineChatModel().with_structured_output(schema, include_raw=include_raw)

        def write(messages: list[BaseMessage]) -> Any:
            self.seen.append(list(messages))
            if self.error:
                raise RuntimeError(self.error)
            raw = AIMessage(content="")
            return {"raw": raw, "parsed": self.draft, "parsing_error": None}

        return RunnableLambda(write)
