"""Import releases from a CSV file (``python -m alumusic lancamentos importar FILE.csv``).

The file (UTF-8, BOM allowed; ``,`` or ``;`` between fields, as spreadsheets save it) has a header
with the columns ``artista``, ``titulo`` (the album's or the song's; ``album`` is accepted as its
name too), ``lancado_em`` (``aaaa-mm-dd`` or ``dd/mm/aaaa``) and optionally ``tipo`` (``album``,
the default, or ``musica``; ``álbum``, ``música`` and ``single`` are read as those). Each row is checked with the same rules as the API
(``alumusic.domain.releases``) and stored by its key (artista, tipo, titulo): created when new, its
date updated when it changed, left alone when equal, so importing the same file twice changes
nothing. Every row gets a result with its reason; refused rows never stop the others. The whole
file is one transaction (a dry run rolls it back).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from alumusic.domain.releases import InvalidRelease, Release, validate
from alumusic.repositories import releases as repo

RECUSADO = "recusado"
RESULTADOS = (repo.CRIADO, repo.ATUALIZADO, repo.INALTERADO, RECUSADO)
MAX_ROWS = 20_000
MAX_BYTES = 20 * 1024 * 1024  # a catalog is a few thousand lines; a bigger file is a mistake
_ALIASES = {"album": "titulo", "musica": "titulo", "título": "titulo", "data": "lancado_em",
            "data_lancamento": "lancado_em", "lançado_em": "lancado_em"}
REQUIRED = ("artista", "titulo", "lancado_em")
# How people write the type in a spreadsheet.
_TIPO_ALIASES = {"álbum": "album", "música": "musica", "single": "musica"}


class ImportFileError(ValueError):
    """The file as a whole cannot be read (no header, missing columns, not UTF-8, too many rows)."""


@dataclass(frozen=True)
class RowResult:
    linha: int  # line of the file (the header is line 1)
    resultado: str  # criado | atualizado | inalterado | recusado
    motivo: str
    lancamento: Release | None = None
    data_anterior: date | None = None


def read_rows(data: bytes) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header and ``(line, row)`` pairs of a CSV file's bytes (:class:`ImportFileError` if unreadable).

    A cell over csv's own field limit (128 KiB) is a malformed file, never a huge value in memory.
    """
    if len(data) > MAX_BYTES:
        raise ImportFileError(f"arquivo com mais de {MAX_BYTES // (1024 * 1024)} MiB: divida-o")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"o arquivo não está em UTF-8 (byte inválido na posição {exc.start})") from None
    if "\x00" in text:
        raise ImportFileError("o arquivo contém bytes NUL: não é um CSV de texto")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader, None)
        if not header or not any(h.strip() for h in header):
            raise ImportFileError("arquivo vazio: a primeira linha deve ser o cabeçalho (artista, titulo, tipo, lancado_em)")
        names = [_ALIASES.get(h.strip().lower(), h.strip().lower()) for h in header]
        missing = [c for c in REQUIRED if c not in names]
        if missing:
            raise ImportFileError(f"faltam colunas no cabeçalho: {', '.join(missing)} "
                                  "(esperado: artista, titulo, tipo, lancado_em)")
        repeated = sorted({n for n in names if n and names.count(n) > 1})
        if repeated:
            raise ImportFileError(f"colunas repetidas no cabeçalho: {', '.join(repeated)}")
        rows: list[tuple[int, dict[str, str]]] = []
        for fields in reader:
            if len(rows) >= MAX_ROWS:
                raise ImportFileError(f"arquivo com mais de {MAX_ROWS} linhas: divida-o")
            if not any(f.strip() for f in fields):
                continue  # blank line
            line = reader.line_num
            if len(fields) != len(names):
                rows.append((line, {"_erro": f"{len(fields)} campos; o cabeçalho tem {len(names)}"}))
                continue
            rows.append((line, dict(zip(names, fields, strict=True))))
    except csv.Error as exc:
        raise ImportFileError(f"CSV malformado na linha {reader.line_num}: {exc}") from None
    return names, rows


def check_rows(rows: Iterable[tuple[int, dict[str, str]]]) -> list[tuple[int, Release | None, str]]:
    """Each row validated: ``(line, release or None, reason when refused)``. A key repeated in the
    file with another date is refused (which one is meant?); repeated identically it is imported once."""
    out: list[tuple[int, Release | None, str]] = []
    seen: dict[tuple[str, str, str], tuple[int, date]] = {}
    for line, row in rows:
        if "_erro" in row:
            out.append((line, None, row["_erro"]))
            continue
        try:
            tipo = (row.get("tipo") or "").strip().lower() or "album"
            release = validate(row.get("artista"), row.get("titulo"), _TIPO_ALIASES.get(tipo, tipo),
                               row.get("lancado_em"))
        except InvalidRelease as exc:
            out.append((line, None, str(exc)))
            continue
        first = seen.get(release.chave)
        if first is not None and first[1] != release.lancado_em:
            out.append((line, None, f"mesmo lançamento da linha {first[0]} com outra data"))
            continue
        if first is not None:
            out.append((line, None, f"repetição da linha {first[0]}"))
            continue
        seen[release.chave] = (line, release.lancado_em)
        out.append((line, release, ""))
    return out


def import_releases(engine: sa.Engine, data: bytes, *, autor: str, dry_run: bool = False) -> list[RowResult]:
    """Import the CSV file's bytes; one :class:`RowResult` per data row, in file order."""
    _names, rows = read_rows(data)
    checked = check_rows(rows)
    results: list[RowResult] = []
    with engine.connect() as conn:
        with conn.begin() as tx:
            for line, release, reason in checked:
                if release is None:
                    outcome = repo.INALTERADO if reason.startswith("repetição") else RECUSADO
                    results.append(RowResult(line, outcome, reason))
                    continue
                before = repo.find_release(conn, release.artista, release.tipo, release.titulo)
                outcome, _row = repo.upsert_release(conn, release, autor)
                motivo = {repo.CRIADO: "novo lançamento",
                          repo.ATUALIZADO: f"data alterada de {before.lancado_em:%d/%m/%Y}" if before else "data alterada",
                          repo.INALTERADO: "já cadastrado com a mesma data"}[outcome]
                results.append(RowResult(line, outcome, motivo, release, before.lancado_em if before else None))
            if dry_run:
                tx.rollback()
    return results


def totals(results: Iterable[RowResult]) -> dict[str, int]:
    counts = dict.fromkeys(RESULTADOS, 0)
    for r in results:
        counts[r.resultado] += 1
    return counts
