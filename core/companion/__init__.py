"""The companion: tools over what a player's character knows, the companion who answers
through them, and who may use them (the MCP server's permissions)."""
