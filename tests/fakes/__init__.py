"""Fakes shared by test folders: ``fakes.llm_server`` speaks the LLM wire formats."""
