"""LLM access: the Ollama HTTP client, the backend choice and structured chat calls.

Tests and demos talk to a loopback Ollama emulator, which lives outside the product in the
development package ``ollama_emulator`` (repository root; not in the image)."""
