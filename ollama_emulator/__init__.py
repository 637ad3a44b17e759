"""A loopback Ollama emulator for tests, benchmarks and a GPU-less demo stack (not shipped).

Real Ollama cannot run on the CI/dev machines (no GPU, no weights), so the product's Ollama client
talks to this instead. It serves what that client calls -- non-streaming ``POST /api/chat`` and
``GET /api/tags`` -- with deterministic answers (``answers.py``), and:

- like ``OLLAMA_NUM_PARALLEL``, at most ``num_parallel`` generations at once, the others queue;
  ``latency_s`` per generation;
- token log-probabilities (``"logprobs": true``, ``"top_logprobs": N``) like Ollama 0.12.11+
  (``logprobs.py``), or, with ``logprobs=False`` / ``--no-logprobs``, an older server that
  ignores those fields;
- failure modes switched at runtime (``set_failure``) for the next N generations or until cleared:
  ``http_500``, ``hang``, ``invalid_json``, ``out_of_enum``, ``unknown_tag``, ``truncated``,
  ``model_missing``, ``logprobs_truncated`` (the list stops inside the category),
  ``logprobs_invalid`` (logprobs as text);
- scripted answers (``set_reply``), the request bodies received (``received``), counters (``stats``,
  also at ``GET /emulator/stats``; token counts included);
- a token-cost mode (``prefill_tps``, ``decode_tps`` per slot; ``--prefill-tps``, ``--decode-tps``):
  prompt tokens outside the slot's prefix cache and generated tokens cost time, every slot keeps its
  own prefix cache (``prefix_cache=False`` / ``--no-prefix-cache``: none), and ``prompt_eval_count``
  / ``eval_count`` are reported like Ollama's (``tokens.py``).

Python: ``with run_emulator(latency_s=0.05, num_parallel=4) as emu: ... emu.url ... emu.stats``
CLI: ``python -m ollama_emulator --port 11434 --latency-ms 200 --num-parallel 8 --model qwen2.5:3b``
(``--no-logprobs``: an older server)
"""

from ollama_emulator.server import run_emulator
from ollama_emulator.state import FAILURE_MODES, Emulator

__all__ = ["FAILURE_MODES", "Emulator", "run_emulator"]
