"""``python -m evals --dataset FILE.csv --backend offline|ollama|auto --out DIR [--corrections C.csv]``.

Runs a classifier over a labelled CSV (columns ``texto`` and ``categoria`` at least, categories
spelled as in SPEC; an ``id`` column is used when present, other columns are ignored), shows a
progress bar, and writes ``DIR/report.md``, ``DIR/metrics.json``, ``DIR/predictions.csv``
(``id`` when the input has one, ``texto,categoria,prevista,confianca``), ``DIR/confusion_matrix.png``
and ``DIR/reliability_diagram.png``. Exit status: 0 when every threshold of the dataset's section
in the thresholds file holds, 1 when one does not, 2 on a usage, data or backend error.

A dataset may also be a label file keyed by id (``id,categoria``, like ``evals/pool_labels.csv``):
texts are then read from the pool (``--pool``, default ``../shared/data/youtube_ptbr_music_2013_pool.csv``
beside the repository) at eval time, so no pool text is ever copied into the repository.

``--corrections FILE.csv`` (``texto,categoria``, or ``id,categoria`` resolved the same way): those
rows go through the same training path as curators' corrections
(``alumusic.classification.training.train_candidate``: the own set plus these labels) and the
offline classifier runs with the resulting learned layer. Corrections that are also rows of the
dataset make the numbers in-sample: the report counts them.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from tqdm import tqdm

from alumusic.classification.contract import Classifier
from alumusic.domain import CATEGORIAS, Classification, ClassificationError
from evals import metrics as M
from evals import report
from evals import thresholds as T

BACKENDS = ("offline", "ollama", "auto")
ROOT = Path(__file__).resolve().parents[1]
DEFAULT_POOL = ROOT.parent / "shared" / "data" / "youtube_ptbr_music_2013_pool.csv"
PREDICTIONS_CSV = "predictions.csv"


class DatasetError(ValueError):
    """The CSV cannot be evaluated (missing columns, unknown category, empty)."""


def parse_category(value: str) -> str | None:
    """Categories as spelled in SPEC; tolerate case, spaces and missing accents."""
    from alumusic.classification.offline_text import strip_accents

    key = strip_accents(value.strip()).upper()
    for cat in CATEGORIAS:
        if strip_accents(cat) == key:
            return cat
    return None


_POOLS: dict[Path, dict[str, str]] = {}


def read_pool(path: Path) -> dict[str, str]:
    """``id -> texto`` of a comment pool (columns ``id`` and ``texto``), cached per path."""
    key = path.resolve()
    if key not in _POOLS:
        if not path.exists():
            raise DatasetError(f"{path}: pool not found (needed to resolve a label file keyed by id; see --pool)")
        with path.open(newline="", encoding="utf-8-sig") as fh:
            _POOLS[key] = {row["id"]: row["texto"] or "" for row in csv.DictReader(fh)}
    return _POOLS[key]


def dataset_has_ids(path: Path) -> bool:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return "id" in {f.strip() for f in next(csv.reader(fh), [])}


def read_dataset(path: Path, pool: Path | None = None) -> list[dict[str, str]]:
    """Rows ``{"id", "texto", "categoria"}``. A file without ``texto`` but with ``id`` is a label
    file: texts come from ``pool`` (default ``DEFAULT_POOL``)."""
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        fields = {f.strip() for f in reader.fieldnames or []}
        by_id = "texto" not in fields and "id" in fields
        missing = {"categoria"} - fields if by_id else {"texto", "categoria"} - fields
        if missing:
            raise DatasetError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
        texts = read_pool(pool or DEFAULT_POOL) if by_id else None
        rows = []
        for line, row in enumerate(reader, start=2):
            row = {(k or "").strip(): (v or "") for k, v in row.items()}
            cat = parse_category(row["categoria"])
            if cat is None:
                raise DatasetError(f"{path}:{line}: unknown categoria {row['categoria']!r} (expected one of {CATEGORIAS})")
            if texts is not None:
                if row["id"] not in texts:
                    raise DatasetError(f"{path}:{line}: id {row['id']!r} is not in the pool {pool or DEFAULT_POOL}")
                row["texto"] = texts[row["id"]]
            rows.append({"id": row.get("id") or str(line - 1), "texto": row["texto"], "categoria": cat})
    if not rows:
        raise DatasetError(f"{path}: no rows")
    return rows


def load_classifier(backend: str, model: str | None = None, learned=None) -> Classifier:
    """The classifier of ``backend`` over the seed taxonomy: evals never depend on a database.
    ``learned``: a learned layer for the offline classifier (``--corrections``)."""
    from alumusic.classification.factory import get_classifier
    from alumusic.domain import describe, seed_tags

    return get_classifier(backend, model, taxonomy=describe(seed_tags()), learned=learned)


def train_on_corrections(rows: Sequence[dict[str, str]], versao: str = "correcoes"):
    """The learned layer curators' corrections would produce: the same path as the product."""
    from alumusic.classification.training import train_candidate

    return train_candidate([(r["texto"], r["categoria"]) for r in rows], versao=versao)


def write_predictions(out: Path, records: Sequence[dict], with_id: bool) -> Path:
    path = out / PREDICTIONS_CSV
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow((["id"] if with_id else []) + ["texto", "categoria", "prevista", "confianca"])
        for r in records:
            conf = "" if r["confianca"] is None else f"{r['confianca']:.3f}"
            w.writerow(([r["id"]] if with_id else []) + [r["texto"], r["rotulo"], r["previsto"] or "", conf])
    return path


def run(classifier: Classifier, rows: Sequence[dict[str, str]], concurrency: int = 1,
        progress: bool = True) -> tuple[list[M.Item], list[dict]]:
    """Classify every row; returns metric items and per-row records (errors included)."""
    results: list[tuple[Classification | None, str | None, float]] = [(None, None, 0.0)] * len(rows)

    def one(i: int) -> tuple[int, Classification | None, str | None, float]:
        start = time.perf_counter()
        try:
            result = classifier.classify(rows[i]["texto"])
            return i, result, None, (time.perf_counter() - start) * 1000.0
        except ClassificationError as exc:
            return i, None, f"{type(exc).__name__}: {exc}", (time.perf_counter() - start) * 1000.0

    bar = tqdm(total=len(rows), desc="classificando", unit="coment", disable=not progress, file=sys.stderr)
    try:
        if concurrency <= 1:
            for i in range(len(rows)):
                idx, res, err, ms = one(i)
                results[idx] = (res, err, ms)
                bar.update(1)
        else:
            with ThreadPoolExecutor(max_workers=concurrency) as pool:
                for fut in as_completed([pool.submit(one, i) for i in range(len(rows))]):
                    idx, res, err, ms = fut.result()
                    results[idx] = (res, err, ms)
                    bar.update(1)
    finally:
        bar.close()

    items, records = [], []
    for row, (res, err, ms) in zip(rows, results, strict=True):
        pred = str(res.categoria) if res is not None else None
        # the classifier's own latency when it reports one, else the wall time of the call
        latency = float(res.latencia_ms) if res is not None else ms
        items.append(M.Item(row["categoria"], pred, res.confianca if res is not None else None, latency))
        records.append({"id": row["id"], "texto": row["texto"], "rotulo": row["categoria"], "previsto": pred,
                        "confianca": res.confianca if res is not None else None, "erro": err,
                        "tokens_prompt": res.tokens_prompt if res is not None else None,
                        "tokens_resposta": res.tokens_resposta if res is not None else None})
    return items, records


def evaluate(dataset: Path, backend: str, out: Path, thresholds_file: Path = T.DEFAULT_FILE,
             model: str | None = None, concurrency: int = 1, progress: bool = True,
             classifier_loader: Callable[[str, str | None], Classifier] = load_classifier,
             min_support: int = 20, corrections: Path | None = None, pool: Path | None = None) -> tuple[dict, bool]:
    rows = read_dataset(dataset, pool)
    correction_info = None
    if corrections is not None:
        if backend != "offline":
            raise DatasetError("--corrections trains the offline classifier's learned layer: use --backend offline")
        fixes = read_dataset(corrections, pool)
        texts = {r["texto"] for r in rows}
        correction_info = {"file": str(corrections), "n": len(fixes),
                           "in_dataset": sum(1 for r in fixes if r["texto"] in texts)}
        classifier = load_classifier(backend, model, learned=train_on_corrections(fixes))
    else:
        classifier = classifier_loader(backend, model)
    items, records = run(classifier, rows, concurrency=concurrency, progress=progress)
    metrics = M.compute(items, min_support=min_support)
    prov = classifier.provenance
    out.mkdir(parents=True, exist_ok=True)
    metrics.update({
        "dataset": dataset.name,
        "dataset_path": str(dataset),
        "backend": backend,
        "classificador": prov.classificador,
        "versao": prov.versao,
        "modelo": prov.modelo,
        "versao_prompt": prov.versao_prompt,
        "corrections": correction_info,
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "files": {"report": "report.md", "predictions": PREDICTIONS_CSV, "confusion_matrix": report.CONFUSION_PNG,
                  "reliability_diagram": report.RELIABILITY_PNG},
        "failures_examples": [{"id": r["id"], "erro": r["erro"]} for r in records if r["erro"]][:20],
        "tokens": _token_summary(records),
    })
    # Thresholds are keyed by the backend actually used (auto resolves to ollama or offline).
    section_name, section = T.load(thresholds_file, dataset.name, prov.classificador)
    checks = T.evaluate(metrics, section)
    passed = all(c.passed for c in checks)
    metrics["thresholds"] = {"file": str(thresholds_file), "section": section_name, "passed": passed,
                             "checks": [c.as_dict() for c in checks]}
    errors = [r for r in records if r["previsto"] != r["rotulo"]]
    report.write_json(out, metrics)
    write_predictions(out, records, with_id=dataset_has_ids(dataset))
    report.plot_confusion(out, metrics)
    report.plot_reliability(out, metrics)
    report.write_markdown(out, metrics, errors)
    return metrics, passed


def _token_summary(records: Sequence[dict]) -> dict | None:
    """Mean tokens per classified comment (Ollama's prompt_eval_count / eval_count), None without an LLM."""
    counted = [r for r in records if r["tokens_prompt"] is not None and r["tokens_resposta"] is not None]
    if not counted:
        return None
    return {"n": len(counted),
            "prompt_por_comentario": round(sum(r["tokens_prompt"] for r in counted) / len(counted), 1),
            "resposta_por_comentario": round(sum(r["tokens_resposta"] for r in counted) / len(counted), 1)}


def _summary(metrics: dict) -> str:
    spam = metrics["per_class"]["SPAM"]
    lines = [
        f"{metrics['dataset']} [{metrics['backend']} -> {metrics['versao']}] n={metrics['n']}",
        f"  accuracy={metrics['accuracy']:.3f} macro_f1={metrics['macro_f1']:.3f} "
        f"SPAM P={spam['precision']:.3f} R={spam['recall']:.3f} ece={metrics['ece']:.3f} "
        f"error_capture={metrics['error_capture']:.3f} "
        f"p50={metrics['latency_ms_p50']}ms p95={metrics['latency_ms_p95']}ms failures={metrics['failures']}",
    ]
    th = metrics["thresholds"]
    for c in th["checks"]:
        if not c["passed"]:
            lines.append(f"  THRESHOLD MISSED: {c['metric']} = {c['value']} ({c['kind']} {c['limit']})")
    if th["section"] is None:
        lines.append("  no thresholds section applies")
    else:
        lines.append(f"  thresholds [{th['section']}]: {'passed' if th['passed'] else 'FAILED'}")
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m evals", description=__doc__.split("\n\n")[0])
    p.add_argument("--dataset", required=True, type=Path,
                   help="CSV with at least texto,categoria (or id,categoria: texts from --pool)")
    p.add_argument("--backend", choices=BACKENDS, default="offline")
    p.add_argument("--out", required=True, type=Path, help="output directory (created)")
    p.add_argument("--thresholds", type=Path, default=T.DEFAULT_FILE,
                   help=f"TOML of regression floors (default: {T.DEFAULT_FILE.name} next to this module)")
    p.add_argument("--model", default=None, help="Ollama model (default: OLLAMA_MODEL)")
    p.add_argument("--concurrency", type=int, default=1, help="classifications in flight (LLM backends)")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.add_argument("--corrections", type=Path, default=None,
                   help="CSV of corrections (texto,categoria or id,categoria) to train the learned layer on first")
    p.add_argument("--pool", type=Path, default=None,
                   help=f"comment pool for label files keyed by id (default: {DEFAULT_POOL})")
    return p


def main(argv: Sequence[str] | None = None,
         classifier_loader: Callable[[str, str | None], Classifier] = load_classifier) -> int:
    args = build_parser().parse_args(argv)
    for path in (args.dataset, args.corrections):
        if path is not None and not path.exists():
            print(f"error: {path} not found", file=sys.stderr)
            return 2
    try:
        metrics, passed = evaluate(args.dataset, args.backend, args.out, args.thresholds, args.model,
                                   max(1, args.concurrency), not args.no_progress, classifier_loader,
                                   corrections=args.corrections, pool=args.pool)
    except (DatasetError, RuntimeError, ValueError, ClassificationError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(_summary(metrics))
    print(f"  report: {args.out / 'report.md'}")
    return 0 if passed else 1
