"""Failed comments (``status='falhou'``) go back to the queue only when someone asks for it.

The ``reprocessar_falhas`` param of ``classify_comments`` calls this before claiming. The last
error stays in ``ultimo_erro`` for reference; the attempt counter starts again.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

_RESET = sa.text(
    """
    UPDATE comentarios SET status = 'pendente', tentativas = 0
     WHERE status = 'falhou'
       AND (CAST(:desde AS timestamptz) IS NULL OR recebido_em >= CAST(:desde AS timestamptz))
       AND (CAST(:ate AS timestamptz) IS NULL OR recebido_em < CAST(:ate AS timestamptz))
       AND texto_removido_em IS NULL
    """
)


def reset_failed(conn: sa.Connection, desde: datetime | None = None, ate: datetime | None = None) -> int:
    """Failed comments received in [desde, ate) back to 'pendente'; returns how many."""
    return conn.execute(_RESET, {"desde": desde, "ate": ate}).rowcount
