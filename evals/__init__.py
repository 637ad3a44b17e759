"""Evals: run a classifier over a labelled CSV, write a metrics report, gate on repository floors.

Usage: ``python -m evals --dataset FILE.csv --backend offline|ollama|auto --out DIR``
(see ``evals.cli``). ``evals/dataset.csv`` is the project's own labelled set.
"""
