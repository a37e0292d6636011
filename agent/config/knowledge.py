"""Settings of the runbooks the agent may search."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from agent.config.base import SettingsGroup


class KnowledgeSettings(SettingsGroup):
    """Runbooks the agent may search: a Bedrock knowledge base on AWS, else a local folder."""

    knowledge_base_id: str | None = Field(
        None,
        pattern=r"^[0-9A-Za-z]{10}$",
        description="Bedrock knowledge base searched by search_runbooks (Retrieve); unset: "
        "the local runbooks folder is indexed instead",
    )
    knowledge_base_results: int = Field(
        5, ge=1, le=100, description="Passages one runbook search returns (numberOfResults)"
    )
    knowledge_base_search_type: Literal["HYBRID", "SEMANTIC"] = Field(
        "HYBRID", description="Retrieve's search type (HYBRID: keywords and vectors)"
    )
    knowledge_base_reranker_model_arn: str | None = Field(
        None,
        pattern=r"^arn:aws[a-z-]*:bedrock:[a-z0-9-]+::foundation-model/.+$",
        description="Bedrock reranking model applied to Retrieve's results (unset: none)",
    )
    runbooks_dir: Path | None = Field(
        None,
        description="Folder of markdown/text runbooks searched locally (SQLite FTS5, BM25); "
        "a bundle's own runbooks/ folder is searched too",
    )
