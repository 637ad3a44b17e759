"""The app over HTTP (Flask test client): public and private routes, the report JSON and its cache."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from tests.dashboard.seed import add, seed
from tests.support.dashboard import CACHE_SECONDS, PASSWORD, USER, gunicorn_dashboard, login


@pytest.fixture
def client(live, dash_app, curator):  # ``live``: emptied database and report cache
    return dash_app.test_client()


@pytest.fixture
def curator_client(client):
    assert login(client).status_code == 302
    return client


def test_public_routes_answer_without_login(client):
    assert client.get("/health").get_json() == {"status": "ok"}
    assert client.get("/relatorio/semana").status_code == 200
    home = client.get("/")
    assert home.status_code == 302 and home.headers["Location"].endswith("/relatorio/semana")


@pytest.mark.parametrize("path", ["/dashboard/", "/dashboard/insights"])
def test_private_pages_need_a_curator_session(client, path):
    denied = client.get(path, headers={"Accept": "text/html"})
    assert denied.status_code == 302 and denied.headers["Location"] == f"/entrar?proximo={path}"
    assert login(client, USER, "errada").status_code == 401
    assert login(client, "outra", PASSWORD).status_code == 401
    assert client.get(path, headers={"Accept": "text/html"}).status_code == 302
    assert login(client, proximo=path).headers["Location"] == path
    assert client.get(path, headers={"Accept": "text/html"}).status_code == 200


def test_report_json_is_public_and_has_the_seeded_numbers(client, db):
    seed(db)
    report = client.get("/relatorio/semana.json").get_json()
    got = {(r["artista"], r["categoria"]): r["total"] for r in report["categorias_por_artista"]}
    assert got[("Luna Ribeiro", "ELOGIO")] == 6 and got[("MC Trovão", "DÚVIDA")] == 3
    assert [t["codigo"] for t in report["tags_48h"]][:3] == ["feat_autotune", "musica_melodia", "show_agenda"]


def test_report_json_is_cached_until_the_ttl_expires(client, db):
    seed(db)
    first = client.get("/relatorio/semana.json").get_json()
    with db.begin() as conn:
        for i in range(5):
            add(conn, artista="Duda Sertaneja", album="Boiadeira", quando=datetime.now(UTC), categoria="ELOGIO",
                tags=[], texto=f"novo {i}")
    assert client.get("/relatorio/semana.json").get_json() == first  # within the TTL: same snapshot
    time.sleep(CACHE_SECONDS + 0.5)
    deadline = time.monotonic() + 15  # after the TTL the stale report is refreshed in the background
    while (fresh := client.get("/relatorio/semana.json").get_json())["gerado_em"] == first["gerado_em"]:
        assert time.monotonic() < deadline, "report not refreshed after its TTL"
        time.sleep(0.2)
    assert {"artista": "Duda Sertaneja", "categoria": "ELOGIO", "total": 5} in fresh["categorias_por_artista"]


def test_shared_cache_computes_once_for_concurrent_viewers(tmp_path):
    from flask import Flask

    from dashboard.cache import SharedCache

    cache = SharedCache(Flask("t"), tmp_path, "ns")
    calls = []

    def compute():
        calls.append(1)
        time.sleep(0.3)  # slow query: everybody else arrives meanwhile
        return {"n": len(calls)}

    results = []
    threads = [threading.Thread(target=lambda: results.append(cache.get_or_compute("k", compute, 60)))
               for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and results == [{"n": 1}] * 8
    # another process sharing the directory reads the same entry
    assert SharedCache(Flask("u"), tmp_path, "ns").get_or_compute("k", lambda: {"n": 99}, 60) == {"n": 1}


def test_stale_values_are_served_at_once_and_refreshed_once_in_the_background(tmp_path):
    from flask import Flask

    from dashboard.cache import SharedCache

    cache = SharedCache(Flask("t"), tmp_path, "ns")
    assert cache.get_or_compute("k", lambda: "v1", ttl=1) == "v1"
    time.sleep(1.1)
    calls = []

    def slow_v2():
        calls.append(1)
        time.sleep(0.5)
        return "v2"

    started = time.monotonic()
    served = [cache.get_or_compute("k", slow_v2, ttl=1) for _ in range(20)]
    assert served == ["v1"] * 20 and time.monotonic() - started < 0.4  # nobody waited for the query
    time.sleep(0.8)
    assert cache.get_or_compute("k", slow_v2, ttl=1) == "v2" and calls == [1]


def test_app_refuses_to_start_without_a_secret_key(engine, tmp_path):
    from alumusic.settings import MissingSecretError, Settings
    from dashboard.app import create_app

    with pytest.raises(MissingSecretError, match="DASHBOARD_SECRET_KEY"):
        create_app(settings=Settings(dashboard_secret_key=None, _env_file=None), engine=engine, cache_dir=tmp_path)


def test_table_page_counts_up_to_the_cap(db, monkeypatch):
    from dashboard import comment_table
    from dashboard.comment_table import make_filter, page

    seeded = seed(db)
    with db.connect() as conn:
        exact = page(conn, make_filter(artista="Luna Ribeiro"), limit=5)
        assert (exact.total, exact.more, len(exact.rows)) == (13, False, 5)
        monkeypatch.setattr(comment_table, "COUNT_CAP", 10)
        capped = page(conn, make_filter(), limit=5, offset=20, sort_by="texto", descending=False)
        # the database's collation decides the order, not Python's
        expected = conn.execute(sa.text("SELECT texto FROM comentarios ORDER BY texto, recebido_em DESC "
                                        "LIMIT 5 OFFSET 20")).scalars().all()
    assert (capped.total, capped.more) == (10, True)
    assert [r["texto"] for r in capped.rows] == expected and len(seeded.rows) == 24


def test_a_ranked_first_block_counts_its_matches_once(db, monkeypatch):
    # The relevance order needs the capped count that the first block shows: one count query serves both.
    from dashboard import comment_table
    from dashboard.comment_table import RELEVANCE, make_filter, page

    seed(db)
    counts, pages = [], []

    def remember(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().startswith("SELECT count(*)"):
            counts.append(statement)
        elif statement.lstrip().startswith("WITH pagina"):
            pages.append(statement)

    sa.event.listen(db, "before_cursor_execute", remember)
    try:
        with db.connect() as conn:
            ranked = page(conn, make_filter(texto="refrão"), sort_by=RELEVANCE, limit=10)
            assert (ranked.total, ranked.more, len(ranked.rows), len(counts)) == (3, False, 3, 1)
            monkeypatch.setattr(comment_table, "COUNT_CAP", 2)
            monkeypatch.setattr(comment_table.table, "RELEVANCE_MAX", 2)
            counts.clear()
            capped = page(conn, make_filter(texto="refrão"), sort_by=RELEVANCE, limit=2)
            assert (capped.total, capped.more, len(capped.rows), len(counts)) == (2, True, 2, 1)
            counts.clear()
            later = page(conn, make_filter(texto="refrão"), sort_by=RELEVANCE, offset=2, limit=2, count=False)
            assert (later.total, len(later.rows), len(counts)) == (3, 1, 1)  # the order still needs its count
            counts.clear()
            pages.clear()
            nothing = page(conn, make_filter(texto="nenhum comentário diz isto"), sort_by=RELEVANCE, limit=2)
            assert (nothing.total, nothing.rows, len(counts), pages) == (0, [], 1, [])  # no page query after a 0
    finally:
        sa.event.remove(db, "before_cursor_execute", remember)


def test_gunicorn_serves_the_wsgi_entry_point(live, curator, db_url, tmp_path):
    """``gunicorn dashboard.wsgi:server`` (what make run and compose start) boots and serves."""
    import requests

    from tests.support.dashboard import csrf_from

    with gunicorn_dashboard(db_url, tmp_path, workers=1) as base:
        assert requests.get(base + "/health", timeout=10).json() == {"status": "ok"}
        assert set(requests.get(base + "/relatorio/semana.json", timeout=10).json()) >= {"gerado_em",
                                                                                          "categorias_por_artista"}
        with requests.Session() as s:
            token = csrf_from(s.get(base + "/entrar", timeout=10).text)
            r = s.post(base + "/entrar", data={"usuario": USER, "senha": PASSWORD, "csrf_token": token}, timeout=10)
            assert r.status_code == 200 and r.url.endswith("/dashboard/")  # followed to the private area
    assert (tmp_path / "cache" / "dashboard").is_dir()  # the report cache lives under DATA_DIR


def test_streamed_export_route_is_private_and_has_exactly_the_filtered_rows(client, db):
    import csv
    import io

    from tests.dashboard.seed import FORMULA_TEXT

    seeded = seed(db)
    url = "/dashboard/exportar.csv?artista=Luna+Ribeiro&texto=autotune"
    assert client.get(url).status_code == 401
    login(client)
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.is_streamed and "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).removeprefix("\ufeff"))))
    expected = seeded.where(artista="Luna Ribeiro", texto=lambda r: "autotune" in r["texto"])
    assert sorted(r["id"] for r in rows) == sorted(r["id"] for r in expected) and len(rows) == 3
    spam = client.get("/dashboard/exportar.csv?categoria=SPAM")
    assert f"'{FORMULA_TEXT}" in spam.get_data(as_text=True).replace('""', '"')
    assert client.get("/dashboard/exportar.csv?desde=ontem").status_code == 400
