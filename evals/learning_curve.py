"""How the offline classifier learns from corrections: accuracy, ECE and error capture against the
number of corrections, cross-validated.

    python -m evals.learning_curve --dataset FILE.csv [--dataset MORE.csv] [--folds 5]
        [--steps 0,25,50,100,200] [--selection random|queue] [--round-size 25]
        [--pool PATH] [--out DIR] [--seed 0]

Protocol (k-fold over the labelled rows, stratified by category):

- for each fold, that fold is **scored** and nothing is fitted on it, nor chosen from it;
- **0 corrections** = the rules with their calibration fitted on the *other* folds (the same fit
  as ``python -m evals.calibrate``, without the scored fold): what the product does before any
  curator label, honestly calibrated;
- **k corrections** = k labelled rows of the other folds, fed to the same training path as
  curators' corrections (``training.train_candidate``: the project's own set plus those k labels)
  and the offline classifier runs with that learned layer; SPAM decisions of the rules keep their
  priority and the calibration of the 0 step; the k labels are nested (the 50 include the 25).
  Which k rows (``--selection``):

  - ``random`` (default): the first k rows of a seeded random order of the other folds;
  - ``queue``: what the review queue (``/dashboard/revisao``) hands curators: the rows of the other
    folds with the **lowest confidence** under the classifier as it stands, in rounds of
    ``--round-size`` (default 25): the first 25 are the lowest under the 0-step classifier, a
    learned layer is trained on them, the next 25 are the lowest of the rows not yet labelled
    under that one, and so on (a queue reviewed in order plus a retraining after each batch, every
    retrained model going live and the queue re-scored with it); a round also ends at each step,
    and the model of step k is the one trained on those k labels. ``--round-size 0`` ranks once,
    under the 0-step classifier (lowest k of that ranking). Ties in confidence (the rules'
    calibration has few distinct values) are broken by the same seeded random order as
    ``random``, standing for the arrival order. A label is the dataset's category whether the
    classifier had it right (a confirmation) or not (a correction): both are curator labels in
    the product;

- every row is scored once per step; the numbers pool the folds (the table also gives the spread
  of the per-fold accuracy). Steps larger than what the other folds hold are dropped.

Writes ``DIR/learning_curve.png``, ``DIR/learning_curve.json`` and ``DIR/report.md`` for
``random``; ``DIR/learning_curve_queue.{png,json}`` and ``DIR/report_queue.md`` for ``queue``
(``queue-once`` for ``--round-size 0``, ``queue-rN`` for another round size), with the random
curve beside it when a comparable ``random`` run (same rows, folds, seed, rules) is in DIR
(default DIR: ``evals/out/learning_curve/<dataset name>``). Nothing is tuned here: the learned
layer's settings are the constants of ``alumusic.classification.learned``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from alumusic.classification.offline import RULES_VERSION, OfflineClassifier
from alumusic.classification.offline_rules import Decision, analyse, decide
from alumusic.classification.training import error_capture, expected_calibration_error, train_candidate
from evals import calibrate
from evals.cli import DatasetError, read_dataset

DEFAULT_STEPS = (0, 25, 50, 100, 200, 400, 800, 1600)
PNG = "learning_curve.png"
SELECTIONS = ("random", "queue")
ROUND_SIZE = 25  # a day's worth of reviews between two retrainings


def _folds(categories: Sequence[str], k: int, seed: int) -> list[np.ndarray]:
    from sklearn.model_selection import StratifiedKFold

    with warnings.catch_warnings():  # a class rarer than k (3 DÚVIDA) is spread as it can
        warnings.simplefilter("ignore", UserWarning)
        split = StratifiedKFold(k, shuffle=True, random_state=seed).split(np.zeros(len(categories)), categories)
        return [scored for _, scored in split]


def rows_digest(rows: Sequence[dict[str, str]]) -> str:
    """A fingerprint of the labelled rows (texts and categories, in order)."""
    h = hashlib.sha256()
    for r in rows:
        h.update(r["texto"].encode("utf-8") + b"\x1f" + r["categoria"].encode("utf-8") + b"\x1e")
    return h.hexdigest()[:16]


def answers(clf: OfflineClassifier, texts: Sequence[str], decisions: Sequence[Decision] | None = None,
            ) -> tuple[list[str], np.ndarray]:
    """(categorias, confiancas) of ``clf`` for ``texts``, as ``clf.classify`` answers them (the
    confidence rounded as stored), in one batch: what the review queue is ordered by."""
    texts = [t or "" for t in texts]
    decisions = list(decisions) if decisions is not None else [decide(analyse(t)) for t in texts]
    cats = [d.categoria for d in decisions]
    conf = [clf.calibration(d) for d in decisions]
    if clf.learned is not None:
        learned = [j for j, d in enumerate(decisions) if d.categoria != "SPAM"]
        if learned:
            got = clf.learned.predict_many([texts[j] for j in learned], [decisions[j] for j in learned])
            for j, (c, p) in zip(learned, got, strict=True):
                cats[j], conf[j] = c, p
    return [str(c) for c in cats], np.asarray([round(float(c), 3) for c in conf])


def queue_selection(rows: Sequence[dict[str, str]], candidates: Sequence[int], steps: Sequence[int],
                    base: OfflineClassifier, *, round_size: int = ROUND_SIZE, seed: int = 0,
                    decisions: dict[int, Decision] | None = None,
                    ) -> tuple[list[int], list[bool], dict[int, OfflineClassifier]]:
    """The rows the review queue would have curators label, among ``candidates`` (row indices, in
    the tie-breaking order), for every step: ``(selected, fixed, models)`` where the first k of
    ``selected`` are the labels of step k, ``fixed[i]`` says whether the classifier of the moment
    had ``selected[i]`` wrong (a correction rather than a confirmation), and ``models[k]`` is the
    classifier trained on the first k (``base`` for 0). See the module docstring."""
    decisions = decisions if decisions is not None else {}
    for i in candidates:
        if i not in decisions:
            decisions[i] = decide(analyse(rows[i]["texto"] or ""))
    remaining = list(candidates)
    selected: list[int] = []
    fixed: list[bool] = []
    models: dict[int, OfflineClassifier] = {}
    clf = base
    ranking: list[int] | None = None  # one-shot: the ranking under ``base``
    for s in sorted(set(steps)):
        if s > len(candidates):
            raise ValueError(f"step {s} is more than the {len(candidates)} candidates")
        while len(selected) < s:
            take = s - len(selected) if round_size <= 0 else min(round_size, s - len(selected))
            if round_size <= 0:
                if ranking is None:
                    cats, conf = answers(base, [rows[i]["texto"] for i in remaining],
                                         [decisions[i] for i in remaining])
                    rank = np.argsort(conf, kind="stable")
                    ranking = [remaining[j] for j in rank]
                    wrong_at = {remaining[j]: cats[j] != rows[remaining[j]]["categoria"] for j in rank}
                picked = ranking[len(selected):len(selected) + take]
                fixed += [wrong_at[i] for i in picked]
            else:
                cats, conf = answers(clf, [rows[i]["texto"] for i in remaining], [decisions[i] for i in remaining])
                rank = np.argsort(conf, kind="stable")[:take]  # stable: ties in the tie-breaking order
                picked = [remaining[j] for j in rank]
                fixed += [cats[j] != rows[remaining[j]]["categoria"] for j in rank]
            selected += picked
            taken = set(picked)
            remaining = [i for i in remaining if i not in taken]
            if round_size > 0 or len(selected) == s:
                layer = train_candidate([(rows[i]["texto"], rows[i]["categoria"]) for i in selected],
                                        versao=f"curva{len(selected)}", seed=seed)
                clf = OfflineClassifier(learned=layer, calibration=base.calibration)
        models[s] = clf
    return selected, fixed, models


def selection_label(selection: str, round_size: int = ROUND_SIZE) -> str:
    if selection == "random":
        return "random"
    if round_size <= 0:
        return "queue-once"
    return "queue" if round_size == ROUND_SIZE else f"queue-r{round_size}"


def curve(rows: Sequence[dict[str, str]], folds: int = 5, steps: Sequence[int] = DEFAULT_STEPS, seed: int = 0,
          progress: bool = True, selection: str = "random", round_size: int = ROUND_SIZE) -> dict:
    """The learning curve of ``rows`` (``texto``, ``categoria``) as a JSON-ready dict."""
    if selection not in SELECTIONS:
        raise ValueError(f"unknown selection {selection!r} (expected one of {', '.join(SELECTIONS)})")
    n = len(rows)
    if n < folds * 2:
        raise DatasetError(f"{n} rows are too few for {folds} folds")
    fold_idx = _folds([r["categoria"] for r in rows], folds, seed)
    available = min(n - len(f) for f in fold_idx)
    steps = sorted({s for s in steps if 0 <= s <= available})
    pred: dict[int, list] = {s: [None] * n for s in steps}
    conf: dict[int, np.ndarray] = {s: np.zeros(n) for s in steps}
    fold_acc: dict[int, list[float]] = {s: [] for s in steps}
    fixes: dict[int, list[bool]] = {s: [] for s in steps}
    chosen: list[list[int]] = []
    decisions: dict[int, Decision] = {}
    for f, scored in enumerate(fold_idx):
        rest = np.setdiff1d(np.arange(n), scored)
        cal = calibrate.fit([rows[i] for i in rest])
        order = np.random.RandomState(seed + f).permutation(rest)
        base = OfflineClassifier(calibration=cal)
        if selection == "queue":
            picked, fixed, models = queue_selection(rows, [int(i) for i in order], steps, base,
                                                    round_size=round_size, seed=seed, decisions=decisions)
        else:
            picked = [int(i) for i in order[:max(steps, default=0)]]
            cats, _ = answers(base, [rows[i]["texto"] for i in picked])
            fixed = [c != rows[i]["categoria"] for c, i in zip(cats, picked, strict=True)]
            models = {}
        chosen.append(picked)
        for s in steps:
            fixes[s] += fixed[:s]
            if s in models:
                clf = models[s]
            elif s == 0:
                clf = base
            else:
                layer = train_candidate([(rows[i]["texto"], rows[i]["categoria"]) for i in order[:s]],
                                        versao=f"curva{s}", seed=seed)
                clf = OfflineClassifier(learned=layer, calibration=cal)
            right = 0
            for i in scored:
                result = clf.classify(rows[i]["texto"])
                pred[s][i] = str(result.categoria)
                conf[s][i] = result.confianca
                right += pred[s][i] == rows[i]["categoria"]
            fold_acc[s].append(right / len(scored))
            if progress:
                print(f"  fold {f + 1}/{folds}, {s} correções ({selection}): acurácia {right / len(scored):.3f}",
                      file=sys.stderr)
    points = []
    for s in steps:
        ok = [p == r["categoria"] for p, r in zip(pred[s], rows, strict=True)]
        points.append({
            "corrections": s,
            "accuracy": round(float(np.mean(ok)), 4),
            "accuracy_fold_sd": round(float(np.std(fold_acc[s])), 4),
            "ece": round(expected_calibration_error(conf[s], ok), 4),
            "error_capture": round(error_capture(conf[s], ok), 4),
            "mean_confianca": round(float(np.mean(conf[s])), 4),
            # share of the k labels the classifier had wrong when they were chosen (random: the 0-step one)
            "labels_that_fixed": round(float(np.mean(fixes[s])), 4) if fixes[s] else None,
        })
    return {"n": n, "folds": folds, "seed": seed, "scored_per_fold": [len(f) for f in fold_idx],
            "rules_version": RULES_VERSION, "selection": selection,
            "round_size": round_size if selection == "queue" else None,
            "label": selection_label(selection, round_size), "rows_sha256": rows_digest(rows),
            "points": points, "selected": chosen}


def _files(label: str) -> tuple[str, str, str]:
    if label == "random":
        return PNG, "learning_curve.json", "report.md"
    return f"learning_curve_{label}.png", f"learning_curve_{label}.json", f"report_{label}.md"


def comparable_random(out: Path, result: dict) -> dict | None:
    """The ``random`` curve in ``out`` over the same rows, folds, seed and rules, if there is one."""
    path = out / _files("random")[1]
    if result.get("selection") == "random" or not path.exists():
        return None
    try:
        other = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    same = all(other.get(k) == result.get(k) for k in ("rows_sha256", "folds", "seed", "rules_version"))
    return other if same and other.get("selection", "random") == "random" else None


def plot(out: Path, result: dict, title: str, against: dict | None = None) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    xs = [p["corrections"] for p in result["points"]]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.plot(xs, [p["accuracy"] for p in result["points"]], "o-", label="acurácia")
    ax.plot(xs, [p["error_capture"] for p in result["points"]], "s-", label="captura de erros (20% menos confiantes)")
    ece_max = max(p["ece"] for p in result["points"])
    if against is not None:
        axs = [p["corrections"] for p in against["points"]]
        ax.plot(axs, [p["accuracy"] for p in against["points"]], "o:", color="#1f77b4", alpha=0.45,
                label="acurácia (aleatórias)")
        ax.plot(axs, [p["error_capture"] for p in against["points"]], "s:", color="#ff7f0e", alpha=0.45,
                label="captura (aleatórias)")
    ax.set_xlabel("correções (rótulos de curadores)")
    ax.set_ylim(0, 1)
    ax2 = ax.twinx()
    ax2.plot(xs, [p["ece"] for p in result["points"]], "^--", color="#e45756", label="ECE")
    if against is not None:
        ax2.plot([p["corrections"] for p in against["points"]], [p["ece"] for p in against["points"]], "^:",
                 color="#e45756", alpha=0.45, label="ECE (aleatórias)")
        ece_max = max(ece_max, *(p["ece"] for p in against["points"]))
    ax2.set_ylabel("ECE")
    ax2.set_ylim(0, max(0.2, ece_max * 1.2))
    lines = ax.get_legend_handles_labels()
    lines2 = ax2.get_legend_handles_labels()
    ax.legend(lines[0] + lines2[0], lines[1] + lines2[1], loc="lower right", fontsize=8)
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    path = out / _files(result.get("label", "random"))[0]
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _selection_line(result: dict) -> str:
    if result.get("selection", "random") == "random":
        return ("- **k correções** = k rótulos sorteados dos outros folds, treinados como correções de curadores "
                "(conjunto próprio + esses k) na camada aprendida; SPAM das regras mantém a prioridade;")
    how = (f"em rodadas de {result['round_size']} (retreino após cada rodada, a fila reordenada pelo novo modelo)"
           if result.get("round_size") else "de uma vez, pela confiança do classificador de 0 correções")
    return ("- **k correções** = os k comentários dos outros folds de **menor confiança** (a fila de revisão), "
            f"escolhidos {how}; empates pela ordem sorteada; o rótulo é o do conjunto (confirmação ou correção); "
            "treinados como correções de curadores (conjunto próprio + esses k); SPAM das regras mantém a prioridade;")


def write_report(out: Path, result: dict, names: Sequence[str], against: dict | None = None) -> Path:
    label = result.get("label", "random")
    png, _, report = _files(label)
    lines = [
        f"# Curva de aprendizado — {' + '.join(names)}" + ("" if label == "random" else f" (seleção {label})"),
        "",
        f"- {result['n']} comentários rotulados, {result['folds']} folds estratificados (semente {result['seed']}); "
        f"cada fold é pontuado por modelos que nunca o viram; regras {result['rules_version']}",
        "- **0 correções** = regras + calibração ajustada nos outros folds (nenhum modelo aprendido);",
        _selection_line(result),
        f"- gerado em {dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}",
        "",
        f"![curva de aprendizado]({png})",
        "",
        "| correções | acurácia | dp entre folds | ECE | captura de erros (20%) | confiança média |",
        "|---|---|---|---|---|---|",
    ]
    for p in result["points"]:
        lines.append(f"| {p['corrections']} | {p['accuracy']:.3f} | {p['accuracy_fold_sd']:.3f} | {p['ece']:.3f} | "
                     f"{p['error_capture']:.3f} | {p['mean_confianca']:.3f} |")
    if against is not None:
        by_k = {p["corrections"]: p for p in against["points"]}
        lines += ["", "Lado a lado com a seleção aleatória (mesmas linhas, folds e semente; "
                  "rótulos que corrigiram = parte dos k que o classificador errava quando escolhidos):", "",
                  f"| correções | aleatória: acurácia | ECE | captura | rótulos que corrigiram | "
                  f"{label}: acurácia | ECE | captura | rótulos que corrigiram |",
                  "|---|---|---|---|---|---|---|---|---|"]

        def cells(p: dict | None) -> str:
            if p is None:
                return "— | — | — | —"
            fix = "—" if p.get("labels_that_fixed") is None else f"{p['labels_that_fixed']:.2f}"
            return f"{p['accuracy']:.3f} | {p['ece']:.3f} | {p['error_capture']:.3f} | {fix}"

        for p in result["points"]:
            lines.append(f"| {p['corrections']} | {cells(by_k.get(p['corrections']))} | {cells(p)} |")
    path = out / report
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m evals.learning_curve", description=__doc__.split("\n\n")[0])
    p.add_argument("--dataset", required=True, type=Path, action="append",
                   help="labelled CSV (texto,categoria or id,categoria); repeat to pool several")
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--steps", default=",".join(map(str, DEFAULT_STEPS)),
                   help="numbers of corrections, comma-separated (those above what the data allows are dropped)")
    p.add_argument("--selection", choices=SELECTIONS, default="random",
                   help="which training-side rows are labelled: a seeded random draw (default) or the review "
                        "queue's order, lowest confidence first")
    p.add_argument("--round-size", type=int, default=ROUND_SIZE,
                   help=f"queue: labels between two retrainings (default {ROUND_SIZE}; 0 = rank once, "
                        "under the 0-correction classifier)")
    p.add_argument("--pool", type=Path, default=None, help="comment pool for label files keyed by id")
    p.add_argument("--out", type=Path, default=None)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-progress", action="store_true")
    args = p.parse_args(argv)
    try:
        rows = [row for path in args.dataset for row in read_dataset(path, args.pool)]
        steps = [int(x) for x in args.steps.split(",") if x.strip()]
        result = curve(rows, args.folds, steps, args.seed, progress=not args.no_progress,
                       selection=args.selection, round_size=args.round_size)
    except (DatasetError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    names = [path.name for path in args.dataset]
    out = args.out or Path(__file__).with_name("out") / "learning_curve" / "+".join(path.stem for path in args.dataset)
    out.mkdir(parents=True, exist_ok=True)
    result["datasets"] = names
    png, js, _ = _files(result["label"])
    (out / js).write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    against = comparable_random(out, result)
    suffix = "" if result["label"] == "random" else f", seleção {result['label']}"
    plot(out, result, f"{' + '.join(names)}: n={result['n']}, {result['folds']} folds{suffix}", against)
    report = write_report(out, result, names, against)
    for pt in result["points"]:
        print(f"{pt['corrections']:5d} correções: acurácia={pt['accuracy']:.3f} (dp {pt['accuracy_fold_sd']:.3f}) "
              f"ECE={pt['ece']:.3f} captura={pt['error_capture']:.3f}")
    print(f"  report: {report}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
