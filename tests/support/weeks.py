"""A known dataset around an ISO week (the weekly summary's tests), as items of
``tests.support.factories.add_comments``; and ``moment``, a local time inside a week."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from alumusic.summary.weeks import IsoWeek

TZ = ZoneInfo("America/Sao_Paulo")


def moment(week: IsoWeek, day: int, hour: int = 12, minute: int = 0) -> datetime:
    """Local São Paulo time on ``day`` (0 = Monday) of ``week``."""
    return datetime.combine(week.inicio + timedelta(days=day), time(hour, minute), TZ)


def week_item(texto: str, artista: str | None, album: str | None, categoria: str | None, tags: list[str],
              recebido_em: datetime) -> dict:
    """One comment of a week's dataset (an ``add_comments`` item), sent by the test client."""
    return {"texto": texto, "artista": artista, "album": album, "categoria": categoria, "tags": tags,
            "recebido_em": recebido_em, "enviado_por": "teste"}


def known_week_items(week: IsoWeek) -> list[dict]:
    """13 comments in ``week`` (12 classified), 4 in the week before, 1 in the week after."""
    prev, nxt = week.shift(-1), week.shift(1)
    L, M, C = "Luna Ribeiro", "MC Trovão", "Os Cometas"
    return [week_item(*row) for row in [
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
    ]]
