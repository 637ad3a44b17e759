"""``python -m ollama_emulator``: serve an emulator until SIGTERM or Ctrl-C."""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from collections.abc import Sequence

from ollama_emulator.server import run_emulator
from ollama_emulator.state import DEFAULT_MODEL, FAILURE_MODES

log = logging.getLogger("ollama_emulator")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ollama_emulator",
                                     description="A loopback Ollama emulator (tests, benchmarks, demos).")
    parser.add_argument("--host", default="127.0.0.1", help="bind address (loopback by default)")
    parser.add_argument("--port", type=int, default=11434)
    parser.add_argument("--latency-ms", type=float, default=0.0, help="extra time per generation")
    parser.add_argument("--num-parallel", type=int, default=4, help="like OLLAMA_NUM_PARALLEL")
    parser.add_argument("--model", action="append", help=f"installed model (repeatable); default {DEFAULT_MODEL}")
    parser.add_argument("--failure", choices=FAILURE_MODES, help="start with this failure mode on")
    parser.add_argument("--hang-s", type=float, default=30.0, help="how long 'hang' holds a request")
    parser.add_argument("--no-logprobs", action="store_true",
                        help="behave like Ollama before 0.12.11: ignore logprobs/top_logprobs")
    parser.add_argument("--prefill-tps", type=float, help="token-cost mode: prompt tokens/s per slot")
    parser.add_argument("--decode-tps", type=float, help="token-cost mode: generated tokens/s per slot")
    parser.add_argument("--no-prefix-cache", action="store_true",
                        help="token-cost mode without the per-slot prefix cache")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with run_emulator(args.latency_ms / 1000.0, args.num_parallel, args.model or [DEFAULT_MODEL],
                      host=args.host, port=args.port, hang_s=args.hang_s, logprobs=not args.no_logprobs,
                      prefill_tps=args.prefill_tps, decode_tps=args.decode_tps,
                      prefix_cache=not args.no_prefix_cache) as emu:
        if args.failure:
            emu.set_failure(args.failure)
        log.info("Ollama emulator on %s (models: %s, num_parallel=%d, latency=%gms, logprobs=%s, "
                 "prefill=%s tok/s, decode=%s tok/s, prefix cache=%s)", emu.url, ", ".join(emu.models),
                 args.num_parallel, args.latency_ms, emu.logprobs, args.prefill_tps, args.decode_tps,
                 emu.prefix_cache)
        try:
            while not stop.wait(1.0):
                pass
        except KeyboardInterrupt:
            pass
        log.info("stopping; stats: %s", emu.stats)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
