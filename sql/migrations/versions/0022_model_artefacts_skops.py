"""Learned-model artefacts move from joblib pickles to skops files, which load without running code.

A data migration (Python: it needs the model class). Before 0022 ``train_classifier`` stored each
model as a joblib pickle and every worker unpickled the active one, so a row written by anyone with
write access to the database could run code there. From now on ``LearnedLayer.from_bytes`` reads
only skops files (``alumusic.classification.learned``); this rewrites the models stored earlier.
Their pickles are loaded one last time, here, with the trust the previous version gave them on
every run. A pickle that no longer loads (a class that changed shape) loses its artefact as a
forgotten model does (0021): an active one is retired and ``classify_comments`` announces a new
training. A handful of models: done in one pass.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01
"""

import io

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

_ZIP_MAGIC = b"PK\x03\x04"
_EMPTY = sa.text(
    """
    UPDATE modelos_classificador
       SET artefato = NULL, artefato_removido_em = now(), mudou_em = now(), mudou_por = 'migracao 0022',
           estado = CASE estado WHEN 'ativo' THEN 'aposentado' WHEN 'candidato' THEN 'recusado' ELSE estado END,
           motivo = :motivo
     WHERE versao = :versao
    """
)


def upgrade() -> None:
    import joblib

    from alumusic.classification.learned import LearnedLayer

    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT versao, artefato FROM modelos_classificador "
                                "WHERE artefato IS NOT NULL ORDER BY versao")).all()
    for versao, artefato in rows:
        data = bytes(artefato)
        if data.startswith(_ZIP_MAGIC):
            continue
        try:
            layer = joblib.load(io.BytesIO(data))
            if not isinstance(layer, LearnedLayer):
                raise TypeError(type(layer).__name__)
            new = layer.to_bytes()
        except Exception as exc:  # noqa: BLE001 - any unreadable pickle is emptied, not fatal
            conn.execute(_EMPTY, {"versao": versao,
                                  "motivo": f"artefato pickle ilegível na migração 0022 ({type(exc).__name__})"})
            continue
        conn.execute(sa.text("UPDATE modelos_classificador SET artefato = :a WHERE versao = :v"),
                     {"a": new, "v": versao})


def downgrade() -> None:
    raise NotImplementedError("forward-only migrations: restore from a backup instead")
