"""Evals: run a classifier over a labelled CSV, write a metrics report, gate on repository floors.

- ``python -m evals --dataset FILE.csv --backend offline|ollama|auto --out DIR [--corrections C.csv]``
  (``evals.cli``): metrics, predictions.csv, error capture; label files keyed by id read their
  texts from the pool in ../shared;
- ``python -m evals.calibrate [--write]``: fit the offline classifier's calibration on the blind
  pool labels (``evals/pool_labels.csv``);
- ``python -m evals.learning_curve --dataset FILE.csv``: accuracy, ECE and error capture against
  the number of corrections, cross-validated (results: ``evals/LEARNING_CURVE.md``).

``evals/dataset.csv`` is the project's own labelled set (training data for the learned layer).
"""
