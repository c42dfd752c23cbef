"""LLM endpoints: an OpenAI-compatible chat-completions client and its configuration."""
