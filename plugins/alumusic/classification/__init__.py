"""Classification: the result contract, the backends (Ollama, offline) and backend selection."""
