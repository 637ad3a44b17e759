"""LLM access: the Ollama HTTP client and a loopback Ollama emulator for tests and demos."""
