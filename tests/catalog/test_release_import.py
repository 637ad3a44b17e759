"""``python -m alumusic lancamentos importar FILE.csv``: the real command in a subprocess on the
session's database. Idempotent (a second run of the same file changes nothing), one report line
per row with its reason, refused rows never stop the others, unreadable files change nothing."""

from __future__ import annotations

import pytest

from alumusic import release_import
from tests.support.catalog import catalog, run_import

CSV = """artista,titulo,tipo,lancado_em
Luna Ribeiro,Maré Alta,album,2026-11-20
Luna Ribeiro,Onda,musica,02/10/2026
MC Trovão,Baile Sem Fim,,2026-09-01
"""


def test_importing_the_same_file_twice_changes_nothing(db, tmp_path):
    path = tmp_path / "lancamentos.csv"
    path.write_text(CSV, encoding="utf-8")
    first = run_import(path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == [
        "linha 2: criado Luna Ribeiro — Maré Alta (album, 20/11/2026): novo lançamento",
        "linha 3: criado Luna Ribeiro — Onda (musica, 02/10/2026): novo lançamento",
        "linha 4: criado MC Trovão — Baile Sem Fim (album, 01/09/2026): novo lançamento",
        "total: 3 criado, 0 atualizado, 0 inalterado, 0 recusado",
    ]
    rows = catalog(db)
    assert [r[:4] for r in rows] == [("Luna Ribeiro", "Maré Alta", "album", "2026-11-20"),
                                     ("Luna Ribeiro", "Onda", "musica", "2026-10-02"),
                                     ("MC Trovão", "Baile Sem Fim", "album", "2026-09-01")]
    assert all(r[4].startswith("cli:") for r in rows)

    second = run_import(path)
    assert second.returncode == 0, second.stderr
    assert second.stdout.splitlines()[-1] == "total: 0 criado, 0 atualizado, 3 inalterado, 0 recusado"
    assert "linha 2: inalterado Luna Ribeiro — Maré Alta (album, 20/11/2026): já cadastrado com a mesma data" \
        in second.stdout
    assert catalog(db) == rows  # not even atualizado_em moved


def test_a_changed_date_is_updated_and_reported(db, tmp_path):
    path = tmp_path / "lancamentos.csv"
    path.write_text(CSV, encoding="utf-8")
    run_import(path)
    path.write_text(CSV.replace("2026-11-20", "2026-11-22"), encoding="utf-8")
    out = run_import(path)
    assert out.returncode == 0, out.stderr
    assert "linha 2: atualizado Luna Ribeiro — Maré Alta (album, 22/11/2026): data alterada de 20/11/2026" in out.stdout
    assert out.stdout.splitlines()[-1] == "total: 0 criado, 1 atualizado, 2 inalterado, 0 recusado"
    assert ("Luna Ribeiro", "Maré Alta", "album", "2026-11-22") in [r[:4] for r in catalog(db)]


def test_refused_rows_say_why_and_do_not_stop_the_others(db, tmp_path):
    path = tmp_path / "lancamentos.csv"
    path.write_text(
        "artista,titulo,tipo,lancado_em\n"
        "Luna Ribeiro,Maré Alta,album,2026-11-20\n"    # 2 ok
        ",Sem Artista,album,2026-11-20\n"              # 3 no artist
        "Luna Ribeiro,Data Ruim,album,31/02/2026\n"    # 4 impossible date
        "Luna Ribeiro,Show,show,2026-11-20\n"          # 5 unknown type
        "Luna Ribeiro,Campos,album\n"                  # 6 a field missing
        "Luna Ribeiro,Maré Alta,album,2026-12-01\n"    # 7 same release, other date
        "Luna Ribeiro,Maré Alta,album,2026-11-20\n"    # 8 the same row again
        "\n"
        "MC Trovão,Baile,album,1850-01-01\n",          # 10 out of range
        encoding="utf-8")
    out = run_import(path)
    assert out.returncode == 2, out.stderr  # some rows refused
    lines = dict(line.split(": ", 1) for line in out.stdout.splitlines() if line.startswith("linha"))
    assert lines["linha 2"].startswith("criado")
    assert lines["linha 3"] == "recusado: artista: artista vazio ou só com espaços"
    assert lines["linha 4"] == "recusado: lancado_em: data inválida: use aaaa-mm-dd ou dd/mm/aaaa"
    assert lines["linha 5"] == "recusado: tipo: tipo deve ser album ou musica"
    assert lines["linha 6"] == "recusado: 3 campos; o cabeçalho tem 4"
    assert lines["linha 7"] == "recusado: mesmo lançamento da linha 2 com outra data"
    assert lines["linha 8"] == "inalterado: repetição da linha 2"
    assert lines["linha 10"] == "recusado: lancado_em: data fora do intervalo aceito (1900–2100)"
    assert out.stdout.splitlines()[-1] == "total: 1 criado, 0 atualizado, 1 inalterado, 6 recusado"
    assert [r[:4] for r in catalog(db)] == [("Luna Ribeiro", "Maré Alta", "album", "2026-11-20")]


def test_a_spreadsheet_file_semicolons_bom_and_other_column_names(db, tmp_path):
    path = tmp_path / "planilha.csv"
    path.write_bytes("\ufeffArtista;Título;Tipo;Data\r\nLuna Ribeiro;\"Maré; Alta\";Álbum;20/11/2026\r\n"
                     "Luna Ribeiro;Onda;Single;02/10/2026\r\n".encode("utf-8"))
    out = run_import(path)
    assert out.returncode == 0, out.stdout + out.stderr
    assert [r[:4] for r in catalog(db)] == [("Luna Ribeiro", "Maré; Alta", "album", "2026-11-20"),
                                            ("Luna Ribeiro", "Onda", "musica", "2026-10-02")]


def test_a_dry_run_reports_and_stores_nothing(db, tmp_path):
    path = tmp_path / "lancamentos.csv"
    path.write_text(CSV, encoding="utf-8")
    out = run_import(path, "--simular")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[-1] == "simulação (nada gravado): 3 criado, 0 atualizado, 0 inalterado, 0 recusado"
    assert catalog(db) == []


@pytest.mark.parametrize(("content", "message"), [
    (b"", "arquivo vazio"),
    (b"artista,lancado_em\nA,2026-01-01\n", "faltam colunas no cabeçalho: titulo"),
    (b"artista,titulo,titulo,lancado_em\n", "colunas repetidas"),
    ("artista,titulo,lancado_em\nMaré,X,2026-01-01\n".encode("latin-1"), "não está em UTF-8"),
    (b"artista,titulo,lancado_em\nA\x00,B,2026-01-01\n", "bytes NUL"),
    (b'artista,titulo,lancado_em\n"A,B,2026-01-01\n', "CSV malformado"),
])
def test_unreadable_files_exit_1_and_change_nothing(db, tmp_path, content, message):
    path = tmp_path / "ruim.csv"
    path.write_bytes(content)
    out = run_import(path)
    assert out.returncode == 1
    assert message in out.stderr
    assert catalog(db) == []


def test_too_many_rows_a_huge_cell_or_a_huge_file_is_refused_whole(db, monkeypatch, tmp_path):
    monkeypatch.setattr(release_import, "MAX_ROWS", 3)
    data = b"artista,titulo,lancado_em\n" + b"".join(f"A,B{i},2026-01-01\n".encode() for i in range(4))
    with pytest.raises(release_import.ImportFileError, match="mais de 3 linhas"):
        release_import.import_releases(db, data, autor="teste")
    huge = b"artista,titulo,lancado_em\nA," + b"x" * 200_000 + b",2026-01-01\n"
    with pytest.raises(release_import.ImportFileError, match="CSV malformado"):
        release_import.import_releases(db, huge, autor="teste")
    monkeypatch.setattr(release_import, "MAX_BYTES", 50)
    with pytest.raises(release_import.ImportFileError, match="mais de 0 MiB"):
        release_import.import_releases(db, data, autor="teste")
    assert catalog(db) == []
