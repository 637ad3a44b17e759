"""The catalog end to end: comments about a release arrive, nobody has registered the release, so
the public report's "críticas depois de cada lançamento" chart is empty and says how to add one;
the release file is imported with the real command; the report's JSON and the chart then show the
criticism per day after each release (an album matched by the comments' album, a single by their
song). The browser half is tests/dashboard/test_lancamentos_browser.py."""

from __future__ import annotations

from alumusic.repositories.report import fetch_report
from dashboard import figures
from tests.support.catalog import run_import, seed_comments


def test_import_then_the_report_shows_criticism_after_each_release(db, tmp_path):
    days = seed_comments(db)
    empty = fetch_report(db)["critica_pos_lancamento"]
    assert empty == []
    annotation = figures.build_all({"critica_pos_lancamento": empty})["critica_pos_lancamento"].layout.annotations[0].text
    assert "/dashboard/lancamentos" in annotation and "python -m alumusic lancamentos importar" in annotation
    assert "/api/lancamentos" in annotation

    path = tmp_path / "lancamentos.csv"
    path.write_text("artista;titulo;tipo;lancado_em\n"
                    f"Luna Ribeiro;Maré Alta;album;{days['album']:%d/%m/%Y}\n"
                    f"Luna Ribeiro;Onda;musica;{days['single']:%Y-%m-%d}\n", encoding="utf-8")
    out = run_import(path)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.splitlines()[-1] == "total: 2 criado, 0 atualizado, 0 inalterado, 0 recusado"

    rows = fetch_report(db)["critica_pos_lancamento"]
    got = {(r["artista"], r["album"], r["tipo"], r["dias_desde_lancamento"]): (r["total"], r["criticas"], r["pct_critica"])
           for r in rows}
    assert got == {
        ("Luna Ribeiro", "Maré Alta", "album", 1): (3, 2, 66.7),
        ("Luna Ribeiro", "Maré Alta", "album", 3): (2, 0, 0.0),
        ("Luna Ribeiro", "Onda", "musica", 0): (2, 1, 50.0),
    }
    fig = figures.build_all({"critica_pos_lancamento": rows})["critica_pos_lancamento"]
    series = {t.name: dict(zip(t.x, t.y, strict=True)) for t in fig.data}
    assert series == {"Luna Ribeiro — Maré Alta": {1: 66.7, 3: 0.0}, "Luna Ribeiro — Onda": {0: 50.0}}

    # A second import of the same file changes nothing the chart reads.
    assert run_import(path).stdout.splitlines()[-1] == "total: 0 criado, 0 atualizado, 2 inalterado, 0 recusado"
    assert fetch_report(db)["critica_pos_lancamento"] == rows


def test_the_public_json_serves_it_too(db, tmp_path, dash_app):
    from dashboard.context import EXTENSION

    days = seed_comments(db)
    path = tmp_path / "lancamentos.csv"
    path.write_text(f"artista,titulo,lancado_em\nLuna Ribeiro,Maré Alta,{days['album']:%Y-%m-%d}\n", encoding="utf-8")
    assert run_import(path).returncode == 0
    dash_app.extensions[EXTENSION].cache.clear()
    body = dash_app.test_client().get("/relatorio/semana.json").get_json()
    assert {(r["album"], r["tipo"], r["dias_desde_lancamento"], r["pct_critica"])
            for r in body["critica_pos_lancamento"]} == {("Maré Alta", "album", 1, 66.7), ("Maré Alta", "album", 3, 0.0)}
