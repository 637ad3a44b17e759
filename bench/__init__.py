"""Benchmarks: ``python -m bench.<name>`` (results in docs/BENCHMARKS.md)."""
