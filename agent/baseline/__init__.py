"""The offline, rule-based investigator (`--model baseline`)."""

from agent.baseline.model import BaselineChatModel

__all__ = ["BaselineChatModel"]
