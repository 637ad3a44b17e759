"""Run sizing (issue 15): a history of automatic classifications with a chosen latency, which is
what ``runs.prepare`` measures the LLM's capacity from."""

from __future__ import annotations

import sqlalchemy as sa

from alumusic.classification.prompts import PROMPT_VERSION
from alumusic.domain import Categoria, Classification, Provenance
from alumusic.repositories import classifications
from tests.support.factories import add_comments


def seed_latency_history(engine: sa.Engine, n: int, latencia_ms: float, *, classificador: str = "ollama",
                         modelo: str | None = "qwen2.5:3b", idade_s: float = 0.0) -> list[str]:
    """``n`` classified comments whose automatic results took ``latencia_ms`` each, stored
    ``idade_s`` seconds ago; their ids."""
    ids = [c["id"] for c in add_comments(engine, [{"texto": f"histórico {classificador} {latencia_ms} #{k}"}
                                                  for k in range(n)])]
    prov = Provenance(classificador=classificador, versao=f"{classificador}:{modelo}:{PROMPT_VERSION}",
                      modelo=modelo, versao_prompt=PROMPT_VERSION if modelo else None)
    result = Classification(categoria=Categoria("OUTRO"), confianca=0.9, proveniencia=prov, latencia_ms=latencia_ms)
    with engine.begin() as conn:
        new = classifications.record_classifications(conn, [(cid, result) for cid in ids], autor="historico")
        if idade_s:
            # classificacoes is append-only; the erasure path's switch (0008) lets a test age its rows.
            conn.execute(sa.text("SET LOCAL alumusic.apagamento = 'on'"))
            conn.execute(sa.text("UPDATE classificacoes SET criado_em = now() - make_interval(secs => :s) "
                                 "WHERE id = ANY(:ids)"), {"s": idade_s, "ids": new})
            conn.execute(sa.text("SET LOCAL alumusic.apagamento = 'off'"))
        conn.execute(sa.text("UPDATE comentarios SET status = 'classificado' WHERE id = ANY(CAST(:ids AS uuid[]))"),
                     {"ids": ids})
    return ids
