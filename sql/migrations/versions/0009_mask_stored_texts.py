"""Mask personal data in texts stored before masking existed: weekly summaries and the Q&A log.

A data migration (Python: the detector is ``alumusic.domain.pii``). From revision 0008 on, summaries and
answers are masked before they are stored; this rewrites the rows written earlier, so no reader
of ``resumos_semanais`` or ``insights_perguntas`` ever meets a raw e-mail, phone or document.
Both tables hold one row per week or question: small, done in one pass.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from alumusic.domain.pii import mask_strings, mask_text

    conn = op.get_bind()
    for row in conn.execute(sa.text("SELECT semana, texto, estatisticas FROM resumos_semanais")).mappings().all():
        texto, estatisticas = mask_text(row["texto"]), mask_strings(row["estatisticas"])
        if texto != row["texto"] or estatisticas != row["estatisticas"]:
            conn.execute(sa.text("UPDATE resumos_semanais SET texto = :t, estatisticas = CAST(:e AS jsonb) "
                                 "WHERE semana = :s"),
                         {"t": texto, "e": json.dumps(estatisticas, ensure_ascii=False), "s": row["semana"]})
    for row in conn.execute(sa.text("SELECT id, pergunta, resposta, erro FROM insights_perguntas")).mappings().all():
        masked = {k: mask_text(row[k]) for k in ("pergunta", "resposta", "erro")}
        if any(masked[k] != row[k] for k in masked):
            conn.execute(sa.text("UPDATE insights_perguntas SET pergunta = :pergunta, resposta = :resposta, "
                                 "erro = :erro WHERE id = :id"), {**masked, "id": row["id"]})


def downgrade() -> None:
    raise NotImplementedError("forward-only migrations: restore from a backup instead")
