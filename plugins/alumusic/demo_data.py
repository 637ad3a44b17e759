"""Realistic demo comments: a pt-BR generator (and optionally the real pool in ../shared/data).

Everything goes through ``repositories.comments.insert_comments``, the API's own write path (and
``repositories.releases`` for the release dates).
Artists and albums are fictional. Dates spread over the last ``days`` days, denser recently,
and every album gets a release date so the "criticism after release" chart has data.
"""

from __future__ import annotations

import csv
import os
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from alumusic.repositories.comments import CRIADO, NewComment, insert_comments
from alumusic.repositories.releases import add_releases

ARTISTAS = {
    "Luna Ribeiro": ["Maré Alta", "Cidade Acesa"],
    "Banda Vento Sul": ["Estrada de Terra", "Noite Fria"],
    "MC Trovão": ["Favela Digital", "Baile do Futuro"],
    "Duda Sertaneja": ["Coração de Viola", "Boiadeira"],
    "Os Cometas": ["Órbita", "Poeira Estelar"],
    "Jéssica Gospel": ["Graça Infinita", "Adoração"],
    "Trio Forró Pé de Serra": ["Xote Bom", "São João em Casa"],
    "Rafa Indie": ["Quarto Azul", "Janela"],
    "Pagode da Esquina": ["Roda de Sábado", "Cerveja e Samba"],
    "DJ Aurora": ["Neon", "Pista 3"],
    "Clara Nunes Jr.": ["Raízes"],
    "Rock Paraná": ["Distorção", "Garagem"],
}
TIPOS = ["musica", "album", "clipe", "show"]
CIDADES = ["Curitiba", "Recife", "Manaus", "Porto Alegre", "Salvador", "Belém", "Goiânia", "Natal"]
MUSICAS = ["Farol", "Sem Você", "Madrugada", "Lua Nova", "Vai Passar", "Tempestade", "Meu Lugar"]

# Category mix close to real streams (SPEC: ~40% OUTRO in real comment streams).
MIX = [("ELOGIO", 0.33), ("OUTRO", 0.36), ("CRÍTICA", 0.12), ("SPAM", 0.08),
       ("DÚVIDA", 0.06), ("SUGESTÃO", 0.05)]

TEMPLATES = {
    "ELOGIO": [
        "que música linda, {artista} arrasou demais",
        "a voz da {artista} é perfeita, me arrepiei todinha",
        "{musica} é a melhor do {album}, não paro de ouvir",
        "clipe maravilhoso, a fotografia ficou incrível",
        "show de {artista} em {cidade} foi inesquecível, energia absurda",
        "mto bom esse album, {artista} evoluiu mtooo",
        "que letra profunda, chorei aqui ❤️",
        "esse refrão não sai da minha cabeça kkkk viciada",
        "{artista} é talento puro, orgulho do Brasil",
    ],
    "CRÍTICA": [
        "que decepção esse {album}, tudo igual",
        "autotune demais, nem parece a voz de {artista}",
        "o show em {cidade} foi curto demais, 1 hora só e ingresso caro",
        "letra sem sentido nenhum, piorou muito",
        "som horrível no show, não dava pra ouvir nada",
        "o clipe é fraco, sem história nenhuma",
        "{artista} já foi melhor, agora é só modinha",
        "pior música do ano, sério",
    ],
    "SUGESTÃO": [
        "{artista} vem fazer show em {cidade} por favor!!",
        "coloca legenda nos clipes, por favor",
        "lança {musica} nas plataformas logo",
        "deveriam fazer uma versão acústica de {musica}",
        "grava um feat com {outro}, ia ficar top",
    ],
    "DÚVIDA": [
        "qual o nome da música que toca no começo do clipe?",
        "quando sai o novo álbum de {artista}?",
        "alguém sabe se vai ter show em {cidade} esse ano?",
        "onde compro ingresso pro show de {artista}?",
        "essa música é de qual álbum?",
    ],
    "SPAM": [
        "ganhe R$ 500 por dia trabalhando em casa, acesse bit.ly/{codigo}",
        "se inscreva no meu canal, posto cover todo dia!! youtube.com/c/{codigo}",
        "curte meu comentário que eu curto o seu, inscreve lá no canal",
        "vendo seguidores e likes baratos, chama no zap (11) 9{telefone}",
        "sorteio de iPhone no meu perfil, corre lá www.promo{codigo}.com",
    ],
    "OUTRO": [
        "quem tá ouvindo em {ano}? 🙋",
        "primeiro comentário",
        "{outro} é muito melhor, nem se compara",
        "vcs brigando nos comentários kkkkk",
        "vim pela indicação do meu primo",
        "alguém de {cidade}?",
        "bom dia pra quem tá ouvindo isso",
        "minha mãe ama essa música",
    ],
}


@dataclass(frozen=True)
class Release:
    artista: str
    album: str
    lancado_em: date


def releases(today: date, days: int) -> list[Release]:
    """One release date per album: the first album long ago, the second inside the window."""
    out = []
    for i, (artista, albums) in enumerate(sorted(ARTISTAS.items())):
        for j, album in enumerate(albums):
            back = days + 200 + 37 * i if j == 0 else (i * 7) % max(days, 1)
            out.append(Release(artista, album, today - timedelta(days=back)))
    return out


def generate(n: int, *, days: int = 60, seed: int = 42, now: datetime | None = None,
             pool: list[str] | None = None, pool_share: float = 0.2) -> Iterator[NewComment]:
    """Yield ``n`` comments. ``pool`` texts (real comments) replace ``pool_share`` of them."""
    rng = random.Random(seed)
    now = now or datetime.now(UTC)
    cats = [c for c, _ in MIX]
    weights = [w for _, w in MIX]
    artistas = sorted(ARTISTAS)
    rel = {(r.artista, r.album): r.lancado_em for r in releases(now.date(), days)}
    for _ in range(n):
        artista = rng.choice(artistas)
        album = rng.choice(ARTISTAS[artista])
        # Denser recently (triangular towards now), never before the album's release.
        age = timedelta(days=rng.triangular(0, days, 0))
        quando = max(now - age, datetime.combine(rel[(artista, album)], datetime.min.time(), UTC))
        if pool and rng.random() < pool_share:
            texto = rng.choice(pool)
        else:
            cat = rng.choices(cats, weights)[0]
            texto = rng.choice(TEMPLATES[cat]).format(
                artista=artista, album=album, musica=rng.choice(MUSICAS), cidade=rng.choice(CIDADES),
                outro=rng.choice(artistas), ano=quando.year, codigo=rng.randrange(10**5, 10**6),
                telefone=rng.randrange(10**7, 10**8),
            )
        yield NewComment(
            id=uuid.UUID(int=rng.getrandbits(128), version=4),
            texto=texto,
            artista=artista,
            album=album,
            musica=rng.choice(MUSICAS),
            tipo=rng.choice(TIPOS),
            publicado_em=quando - timedelta(minutes=rng.randrange(0, 180)),
            fonte="demo",
            enviado_por="demo",
            recebido_em=quando,
        )


def read_pool(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [row["texto"].strip() for row in csv.DictReader(fh) if row.get("texto", "").strip()]


def load(engine: sa.Engine, n: int, *, days: int = 60, seed: int = 42, pool_path: Path | None = None,
         chunk: int = 10_000, progress: bool = True) -> int:
    """Insert ``n`` generated comments and the releases; returns how many were created."""
    from tqdm import tqdm

    pool = read_pool(pool_path) if pool_path and pool_path.exists() else None
    today = datetime.now(UTC).date()
    with engine.begin() as conn:
        add_releases(conn, [(r.artista, r.album, r.lancado_em) for r in releases(today, days)])
    created = 0
    batch: list[NewComment] = []
    with tqdm(total=n, unit="comentários", disable=not progress) as bar:
        for comment in generate(n, days=days, seed=seed, pool=pool):
            batch.append(comment)
            if len(batch) >= chunk:
                created += _flush(engine, batch)
                bar.update(len(batch))
                batch = []
        if batch:
            created += _flush(engine, batch)
            bar.update(len(batch))
    return created


def _flush(engine: sa.Engine, batch: list[NewComment]) -> int:
    with engine.begin() as conn:
        return sum(s == CRIADO for s in insert_comments(conn, batch))


# The first start of the local stack (``make run`` on an empty database): what it loads.
FIRST_START_COUNT = 4000  # the offline classifier gets through it in well under two minutes
FIRST_START_DAYS = 70  # ~10 weeks: weekly_summary is backfilled over them
FIRST_START_SEED = 2026


def demo_enabled(environ: dict | None = None) -> bool:
    """``DEMO=0`` (or false/no/off) opts out of the first-start demo data."""
    value = (os.environ if environ is None else environ).get("DEMO", "1")
    return value.strip().lower() not in ("0", "false", "no", "off")


def has_comments(engine: sa.Engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT EXISTS (SELECT 1 FROM comentarios)")).scalar()


def first_start(engine: sa.Engine, n: int = FIRST_START_COUNT, *, days: int = FIRST_START_DAYS,
                seed: int = FIRST_START_SEED, pool_path: Path | None = None,
                enabled: bool | None = None) -> int:
    """Load the demo stream into an EMPTY product database; returns how many comments were created.

    0 (and nothing written) when the database already has comments (a database with data is never
    touched) or when the demo is switched off (``enabled`` False, or ``DEMO=0`` when None).
    """
    if not (demo_enabled() if enabled is None else enabled):
        return 0
    if has_comments(engine):
        return 0
    return load(engine, n, days=days, seed=seed, pool_path=pool_path, progress=False)
