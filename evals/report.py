"""Files written by an evals run: report.md, metrics.json and two PNG charts (predictions.csv: cli)."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # headless: no display on CI machines

import matplotlib.pyplot as plt

CONFUSION_PNG = "confusion_matrix.png"
RELIABILITY_PNG = "reliability_diagram.png"


def write_json(out: Path, metrics: dict) -> Path:
    path = out / "metrics.json"
    path.write_text(json.dumps(metrics, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def plot_confusion(out: Path, metrics: dict) -> Path:
    cm = metrics["confusion_matrix"]
    rows, cols, matrix = cm["labels"], cm["column_labels"], cm["matrix"]
    fig, ax = plt.subplots(figsize=(7.5, 6))
    image = ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(cols)), labels=cols, rotation=35, ha="right")
    ax.set_yticks(range(len(rows)), labels=rows)
    ax.set_xlabel("previsto")
    ax.set_ylabel("rótulo (gold)")
    top = max((max(r) for r in matrix), default=0) or 1
    for i, row in enumerate(matrix):
        for j, value in enumerate(row):
            if value:
                ax.text(j, i, str(value), ha="center", va="center",
                        color="white" if value > top / 2 else "black", fontsize=9)
    ax.set_title(f"Matriz de confusão — n={metrics['n']}, acurácia={metrics['accuracy']:.3f}")
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    fig.tight_layout()
    path = out / CONFUSION_PNG
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_reliability(out: Path, metrics: dict) -> Path:
    bins = metrics["calibration_bins"]
    fig, (ax, ax_n) = plt.subplots(2, 1, figsize=(6.5, 7), height_ratios=(3, 1), sharex=True)
    centers = [(b["lo"] + b["hi"]) / 2 for b in bins]
    width = bins[0]["hi"] - bins[0]["lo"] if bins else 0.1
    used = [b for b in bins if b["n"]]
    ax.bar([(b["lo"] + b["hi"]) / 2 for b in used], [b["accuracy"] for b in used], width=width * 0.9,
           color="#4c78a8", edgecolor="black", label="acurácia observada")
    ax.plot([0, 1], [0, 1], "--", color="gray", label="calibração perfeita")
    ax.plot([b["mean_confianca"] for b in used], [b["accuracy"] for b in used], "o", color="#e45756",
            label="confiança média do bin")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_ylabel("acurácia")
    ax.set_title(f"Diagrama de confiabilidade — ECE={metrics['ece']:.3f}")
    ax.legend(loc="upper left", fontsize=8)
    ax_n.bar(centers, [b["n"] for b in bins], width=width * 0.9, color="#9ecae9", edgecolor="black")
    ax_n.set_xlabel("confianca")
    ax_n.set_ylabel("itens")
    fig.tight_layout()
    path = out / RELIABILITY_PNG
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _pct(x: float) -> str:
    return f"{x:.3f}"


def write_markdown(out: Path, metrics: dict, errors: list[dict], max_errors: int = 40) -> Path:
    m = metrics
    lines = [
        f"# Avaliação do classificador — {m['dataset']}",
        "",
        f"- backend: `{m['backend']}` — classificador `{m['classificador']}` versão `{m['versao']}`"
        + (f" modelo `{m['modelo']}`" if m.get("modelo") else ""),
        f"- itens: {m['n']} — falhas de classificação: {m['failures']}",
        f"- gerado em {m['generated_at']}",
        *([f"- com correções: `{m['corrections']['file']}` ({m['corrections']['n']} rótulos treinados na camada "
           f"aprendida, como correções de curadores; {m['corrections']['in_dataset']} também estão neste conjunto)"]
          if m.get("corrections") else []),
        "",
        "## Resumo",
        "",
        "| métrica | valor |",
        "|---|---|",
        f"| acurácia | {_pct(m['accuracy'])} |",
        f"| macro-F1 (classes com suporte ≥ {m['macro_f1_min_support']}: {', '.join(m['macro_f1_classes'])}) | {_pct(m['macro_f1'])} |",
        f"| SPAM precisão / revocação | {_pct(m['per_class']['SPAM']['precision'])} / {_pct(m['per_class']['SPAM']['recall'])} |",
        f"| ECE (10 bins) | {_pct(m['ece'])} |",
        f"| captura de erros (erros entre os {m.get('error_capture_share', 0.2):.0%} de menor confiança) | "
        f"{_pct(m['error_capture'])} |",
        f"| latência p50 / p95 (ms) | {m['latency_ms_p50']} / {m['latency_ms_p95']} |",
        "",
        "## Por classe",
        "",
        "| categoria | precisão | revocação | F1 | suporte | previstos |",
        "|---|---|---|---|---|---|",
    ]
    for label, c in m["per_class"].items():
        lines.append(f"| {label} | {_pct(c['precision'])} | {_pct(c['recall'])} | {_pct(c['f1'])} | "
                     f"{c['support']} | {c['predicted']} |")
    cm = m["confusion_matrix"]
    lines += ["", "## Matriz de confusão (linhas: rótulo; colunas: previsto)", "",
              f"![matriz de confusão]({m['files']['confusion_matrix']})", "",
              "| | " + " | ".join(cm["column_labels"]) + " |",
              "|---" * (len(cm["column_labels"]) + 1) + "|"]
    for label, row in zip(cm["labels"], cm["matrix"], strict=True):
        lines.append(f"| **{label}** | " + " | ".join(str(v) for v in row) + " |")
    lines += ["", "## Calibração de `confianca`", "", f"![diagrama de confiabilidade]({m['files']['reliability_diagram']})",
              "", f"Captura de erros: {m['error_capture']:.1%} de todos os erros estão entre os "
              f"{m.get('error_capture_share', 0.2):.0%} de respostas com menor confiança (revisar essa fatia "
              "encontra essa parte dos erros; ao acaso seriam 20%).",
              "", "| faixa | n | acurácia |", "|---|---|---|"]
    for name, g in m["confidence_split"].items():
        lines.append(f"| {name} | {g['n']} | {'—' if g['accuracy'] is None else _pct(g['accuracy'])} |")
    lines += ["", "| bin | n | confiança média | acurácia |", "|---|---|---|---|"]
    for b in m["calibration_bins"]:
        if b["n"]:
            lines.append(f"| [{b['lo']:.1f}, {b['hi']:.1f}) | {b['n']} | {_pct(b['mean_confianca'])} | {_pct(b['accuracy'])} |")
    th = m.get("thresholds")
    lines += ["", "## Limites de regressão", ""]
    if th and th["checks"]:
        lines += [f"Seção `{th['section']}` de `{th['file']}` — **{'OK' if th['passed'] else 'FALHOU'}**", "",
                  "| métrica | tipo | limite | valor | ok |", "|---|---|---|---|---|"]
        for c in th["checks"]:
            value = "—" if c["value"] is None else _pct(c["value"])
            lines.append(f"| {c['metric']} | {c['kind']} | {c['limit']} | {value} | {'✅' if c['passed'] else '❌'} |")
    else:
        lines.append("Nenhum limite configurado para este conjunto.")
    lines += ["", f"## Erros ({len(errors)}; até {max_errors} listados)", ""]
    if errors:
        lines += ["| id | rótulo | previsto | confiança | texto |", "|---|---|---|---|---|"]
        for e in errors[:max_errors]:
            text = " ".join(str(e["texto"]).split()).replace("|", "\\|")
            text = text if len(text) <= 140 else text[:139] + "…"
            pred = e["previsto"] or f"{e.get('erro') or 'falha'}"
            conf = "—" if e["confianca"] is None else f"{e['confianca']:.2f}"
            lines.append(f"| {e['id']} | {e['rotulo']} | {pred} | {conf} | {text} |")
    path = out / "report.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
