"""Obligation (LGPD): texts stored before masking existed are masked by migration 0009.

Weekly summaries and the Q&A log written by earlier versions may hold raw e-mails and phones; the
data migration rewrites them, and leaves clean rows untouched.
"""

from __future__ import annotations

import json
import secrets

import sqlalchemy as sa

from alumusic import db as dbmod
from alumusic import localpg, migrations

EMAIL, PHONE = "antigo.resumo@example.com", "(21) 99876-5432"


def test_migration_0009_masks_summaries_and_answers_stored_before(pg_admin_url):
    name = f"alumusic_mig_{secrets.token_hex(3)}"
    localpg.ensure_database(pg_admin_url, name)
    base = pg_admin_url.rsplit("/postgres", 1)
    url = f"{base[0]}/{name}{base[1]}"
    try:
        migrations.upgrade(url, "0008")
        old = dbmod.get_engine(url)
        with old.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO resumos_semanais (semana, inicio, fim, texto, estatisticas, classificador) VALUES "
                "('2025-W10', '2025-03-03', '2025-03-10', :t, CAST(:e AS jsonb), 'offline'), "
                "('2025-W11', '2025-03-10', '2025-03-17', 'Semana tranquila.', '{\"total\": 3}', 'offline')"),
                {"t": f"Fã pediu contato: {EMAIL}", "e": json.dumps({"citacoes": [f"liga {PHONE}"], "total": 2})})
            conn.execute(sa.text("INSERT INTO insights_perguntas (pergunta, resposta, origem) "
                                 "VALUES (:p, :r, 'api')"), {"p": f"quem é {EMAIL}?", "r": f"Ligue {PHONE}."})
        migrations.upgrade(url)
        with old.connect() as conn:
            summaries = dict(conn.execute(sa.text("SELECT semana, texto || estatisticas::text FROM resumos_semanais")).all())
            qa = conn.execute(sa.text("SELECT pergunta || resposta FROM insights_perguntas")).scalar_one()
        assert EMAIL not in summaries["2025-W10"] and "99876-5432" not in summaries["2025-W10"]
        assert "[e-mail]" in summaries["2025-W10"] and "[telefone]" in summaries["2025-W10"]
        assert summaries["2025-W11"] == 'Semana tranquila.{"total": 3}'
        assert qa == "quem é [e-mail]?Ligue [telefone]."
    finally:
        dbmod.get_engine(url).dispose()
        localpg.drop_database(pg_admin_url, name)
