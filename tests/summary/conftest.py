"""A known dataset around the last complete ISO week, written through the product's write paths."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from alumusic.classification.contract import Classification, Provenance, Tag
from alumusic.repositories.classifications import record_classifications
from alumusic.repositories.comments import NewComment, insert_comments
from alumusic.summary.weeks import IsoWeek, last_complete_week

TZ = ZoneInfo("America/Sao_Paulo")
PROV = Provenance(classificador="offline", versao="teste-1")


def moment(week: IsoWeek, day: int, hour: int = 12, minute: int = 0) -> datetime:
    """Local São Paulo time on ``day`` (0 = Monday) of ``week``."""
    return datetime.combine(week.inicio + timedelta(days=day), time(hour, minute), TZ)


def store(engine, items) -> None:
    """``items``: (texto, artista, album, categoria|None, [tags], recebido_em)."""
    comments, results = [], []
    for texto, artista, album, categoria, tags, recebido in items:
        cid = uuid.uuid4()
        comments.append(NewComment(id=cid, texto=texto, artista=artista, album=album, recebido_em=recebido,
                                   enviado_por="teste"))
        if categoria:
            results.append((cid, Classification(
                categoria=categoria, confianca=0.9, proveniencia=PROV, latencia_ms=1.0,
                tags_funcionalidades=tuple(Tag(codigo=t, explicacao="teste") for t in tags))))
    with engine.begin() as conn:
        insert_comments(conn, comments)
        record_classifications(conn, results)


def known_week_items(week: IsoWeek) -> list[tuple]:
    """13 comments in ``week`` (12 classified), 4 in the week before, 1 in the week after."""
    prev, nxt = week.shift(-1), week.shift(1)
    L, M, C = "Luna Ribeiro", "MC Trovão", "Os Cometas"
    return [
        ("que voz linda, timbre perfeito", L, "Maré Alta", "ELOGIO", ["voz_timbre"], moment(week, 0, 9)),
        ("arrepiei com esse timbre", L, "Maré Alta", "ELOGIO", ["voz_timbre"], moment(week, 2)),
        # Sunday 23:30 in São Paulo is already Monday in UTC: still this week.
        ("melhor álbum do ano, ouvi o domingo todo", L, "Maré Alta", "ELOGIO", [], moment(week, 6, 23, 30)),
        ("autotune demais nessa faixa", L, "Maré Alta", "CRÍTICA", ["feat_autotune"], moment(week, 3)),
        ("quem veio pelo tiktok?", L, None, "OUTRO", [], moment(week, 4)),
        ("ainda sem classificação", L, None, None, [], moment(week, 5)),
        ("autotune estragou tudo", M, "Favela Digital", "CRÍTICA", ["feat_autotune"], moment(week, 1)),
        ("som horrível no show, não ouvi nada", M, "Favela Digital", "CRÍTICA", ["show_som"], moment(week, 2)),
        ("batida boa demais", M, "Favela Digital", "ELOGIO", [], moment(week, 3)),
        ("venham tocar em Manaus por favor", C, "Órbita", "SUGESTÃO", ["show_agenda"], moment(week, 1)),
        ("quando sai o álbum novo?", C, "Órbita", "DÚVIDA", ["album_lancamento"], moment(week, 4)),
        ("ganhe dinheiro em casa www.exemplo.com", None, None, "SPAM", ["spam_link"], moment(week, 2)),
        ("acesse meu site www.exemplo.com", None, None, "SPAM", ["spam_link"], moment(week, 5)),
        # previous week: 4 comments
        ("amo essa música", L, "Maré Alta", "ELOGIO", [], moment(prev, 1)),
        ("linda demais", L, "Maré Alta", "ELOGIO", [], moment(prev, 2)),
        ("sorteio no meu perfil", None, None, "SPAM", ["spam_link"], moment(prev, 3)),
        ("fraco", M, "Favela Digital", "CRÍTICA", [], moment(prev, 4)),
        # next week (Monday 00:10 local): must not count
        ("segunda cedo ouvindo", L, "Maré Alta", "ELOGIO", [], moment(nxt, 0, 0, 10)),
    ]


@pytest.fixture
def week() -> IsoWeek:
    return last_complete_week("America/Sao_Paulo")


@pytest.fixture
def known_week(db, week):
    store(db, known_week_items(week))
    return week

