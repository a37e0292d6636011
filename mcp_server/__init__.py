"""fa2 as an MCP server (`fa2 mcp`): the read-only telemetry tools over a bundle or an AWS
account, plus `investigate` and `ask`, for any MCP client (Claude Desktop, Amazon Q Developer
CLI, ...). A door like cli/ and slack_app/: it imports the core, the core never imports it.
Named `mcp_server`, not `mcp`, so the SDK's own `mcp` package is not shadowed."""

from mcp_server.server import build_server

__all__ = ["build_server"]
