"""The chat model that answers a metrics question: the configured Bedrock model with its
fallbacks, and this question's rule-based baseline last (as an investigation falls back to
its baseline when Bedrock cannot be reached)."""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel

from agent.baseline.insight import BaselineInsightModel
from agent.config import Settings


def insight_chat_model(settings: Settings, baseline: BaselineInsightModel) -> BaseChatModel:
    if settings.investigator.model == "baseline":
        return baseline
    # Imported here: langchain-aws is heavy, and the baseline path never needs it.
    from agent.llm import ResilientChatModel, bedrock_chat, supports_prompt_caching

    ids = [settings.investigator.model_id]
    if settings.investigator.fallback_model_id:
        ids.append(settings.investigator.fallback_model_id)
    return ResilientChatModel(
        models=[*(bedrock_chat(i, settings) for i in ids), baseline],
        names=[*ids, baseline.model_id],
        cache_prompts=[supports_prompt_caching(i) for i in ids] + [False],
    )
