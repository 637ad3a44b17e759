"""Obligation (LGPD art. 15/16, necessity): comment text is not kept longer than the policy says.

With ``RETENCAO_TEXTO_DIAS`` set, the daily DAG ``aplicar_retencao`` removes the raw text of comments
received more than that many days ago. Threats pinned here: old text (or a tag explanation quoting
it) surviving the policy; the policy destroying what it must keep (classifications, history, tag
codes), which would rewrite the charts and weekly summaries of past weeks; recent comments being
touched; a second run doing anything; a first run over a big backlog holding one giant
transaction (it commits per batch); the DAG touching the database while parsed, or doing anything
while the policy is unset.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from alumusic.repositories import classifications, erasure
from alumusic.repositories.report import fetch_report
from alumusic.summary.stats import weekly_stats
from alumusic.summary.weeks import IsoWeek
from tests.support.airflow import load_dag
from tests.support.factories import add_comment

TZ = ZoneInfo("America/Sao_Paulo")
OLD_WORD = "velharquivo"  # in every old comment's text and tag explanations, nowhere else
DIAS = 30


def _moment(week: IsoWeek, day: int, hour: int = 12) -> datetime:
    return datetime.combine(week.inicio + timedelta(days=day), time(hour), TZ)


def _add(conn, texto: str, quando: datetime, categoria: str | None, tags: list[str], *, artista="Luna Ribeiro",
         album="Maré Alta", explicacao: str | None = None) -> str:
    return add_comment(conn, texto, artista=artista, album=album, recebido_em=quando, fonte="teste", enviado_por="teste",
                       categoria=categoria, tags=tags, explicacao=explicacao or f"cita: {texto}")["id"]


@pytest.fixture
def old_week() -> IsoWeek:
    return IsoWeek.of(datetime.now(TZ).date() - timedelta(days=70))


@pytest.fixture
def seeded(db, old_week):
    """An old week (and the one before it, for week-over-week numbers) and a recent day."""
    prev = old_week.shift(-1)
    now = datetime.now(UTC)
    old, recent = [], []
    with db.begin() as conn:
        for week, plan in ((old_week, [("ELOGIO", ["voz_timbre"]), ("ELOGIO", []), ("CRÍTICA", ["feat_autotune"]),
                                       ("SPAM", ["spam_link"]), ("DÚVIDA", ["show_agenda"]), (None, [])]),
                           (prev, [("ELOGIO", []), ("CRÍTICA", ["show_som"])])):
            for day, (categoria, tags) in enumerate(plan):
                old.append(_add(conn, f"{OLD_WORD} {categoria} dia {day}: me chama fulano@example.com",
                                _moment(week, day), categoria, tags, artista="MC Trovão" if day % 2 else "Luna Ribeiro"))
        corrected = old[0]
        classifications.record_manual_correction(
            conn, corrected, "SUGESTÃO", [{"codigo": "voz_timbre", "explicacao": f"{OLD_WORD}: pede mais grave"}],
            autor="curadora")
        for i, (categoria, tags) in enumerate([("ELOGIO", ["musica_melodia"]), ("CRÍTICA", ["feat_autotune"]),
                                               ("OUTRO", [])]):
            recent.append(_add(conn, f"comentário recente {i}", now - timedelta(hours=20 + i), categoria, tags))
    return {"old": old, "recent": recent, "corrected": corrected, "prev": prev}


def _snapshot(conn) -> dict:
    """Every number and label that must survive retention, per comment."""
    rows = conn.execute(sa.text(
        """
        SELECT c.id::text, c.categoria_atual, c.classificacao_atual_id, c.artista, c.album, c.recebido_em,
               (SELECT array_agg(k.id ORDER BY k.id) FROM classificacoes k WHERE k.comentario_id = c.id) AS historico,
               (SELECT array_agg(t.classificacao_id || ':' || t.codigo ORDER BY t.classificacao_id, t.codigo)
                  FROM classificacao_tags t JOIN classificacoes k ON k.id = t.classificacao_id
                 WHERE k.comentario_id = c.id) AS tags
          FROM comentarios c ORDER BY c.id
        """)).all()
    return {r[0]: tuple(r[1:]) for r in rows}


def _texts(conn) -> dict[str, tuple]:
    return {r[0]: tuple(r[1:]) for r in conn.execute(sa.text(
        "SELECT id::text, texto, texto_removido_por, dados_pessoais, status FROM comentarios"))}


def _explanations(conn, cid: str) -> set[str]:
    return set(conn.execute(sa.text(
        "SELECT t.explicacao FROM classificacao_tags t JOIN classificacoes k ON k.id = t.classificacao_id "
        "WHERE k.comentario_id = CAST(:id AS uuid)"), {"id": cid}).scalars())


def _audits(conn) -> list[dict]:
    return [dict(r) for r in conn.execute(sa.text(
        "SELECT autor, origem, motivo, criterio, quantidade FROM apagamentos ORDER BY id")).mappings()]


def _without_time(report: dict) -> dict:
    return {k: v for k, v in report.items() if k != "gerado_em"}


def rows_containing(conn, needle: str) -> list[tuple[str, str, int]]:
    """(table, column, rows) of every column of every table whose text form contains ``needle``
    (as in test_erasure: nothing excluded)."""
    quote = conn.dialect.identifier_preparer.quote
    columns = conn.execute(sa.text(
        "SELECT c.table_schema, c.table_name, c.column_name FROM information_schema.columns c "
        "JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name "
        "WHERE t.table_type = 'BASE TABLE' AND c.table_schema NOT IN ('pg_catalog', 'information_schema')")).all()
    hits = []
    for schema, table, column in columns:
        count = conn.execute(
            sa.text(f"SELECT count(*) FROM {quote(schema)}.{quote(table)} WHERE lower({quote(column)}::text) LIKE :p"),
            {"p": f"%{needle.lower()}%"}).scalar_one()
        if count:
            hits.append((table, column, count))
    return hits


def test_retention_clears_old_text_keeps_classifications_and_every_number(db, seeded, old_week):
    with db.connect() as conn:
        stats_before = {w.label: weekly_stats(conn, w) for w in (old_week, seeded["prev"], old_week.shift(1))}
        snapshot_before, texts_before = _snapshot(conn), _texts(conn)
        assert rows_containing(conn, OLD_WORD)
    report_before = fetch_report(db)
    assert stats_before[old_week.label]["volume"]["total"] == 6  # the seeded week is really counted

    with db.connect() as conn:
        assert erasure.apply_retention(conn, DIAS) == len(seeded["old"]) == 8

    with db.connect() as conn:
        texts = _texts(conn)
        for cid in seeded["old"]:
            texto, por, dados, status = texts[cid]
            assert texto == erasure.MARCADOR_RETENCAO == "[texto removido pela política de retenção]"
            assert por == "retencao" and dados == []
            assert _explanations(conn, cid) <= {"removida com o texto"}
        assert set().union(*(_explanations(conn, c) for c in seeded["old"])) == {"removida com o texto"}
        for cid in seeded["recent"]:
            assert texts[cid] == texts_before[cid]
            assert _explanations(conn, cid) <= {f"cita: comentário recente {i}" for i in range(3)}
        # The never-classified old comment leaves the queue: there is no text left to classify.
        unclassified = [cid for cid in seeded["old"] if snapshot_before[cid][0] is None]
        assert [texts[cid][3] for cid in unclassified] == ["falhou"]

        # Classifications, history and tag codes: exactly as before.
        assert _snapshot(conn) == snapshot_before
        assert [h["origem"] for h in classifications.history(conn, seeded["corrected"])] == ["manual", "automatica"]
        assert {w.label: weekly_stats(conn, w) for w in (old_week, seeded["prev"], old_week.shift(1))} == stats_before
        assert rows_containing(conn, OLD_WORD) == [] and rows_containing(conn, "fulano@example.com") == []

        (audit,) = _audits(conn)
        assert audit["autor"] == "retencao" and audit["origem"] == "retencao" and audit["quantidade"] == 8
        assert audit["criterio"]["dias"] == DIAS and set(audit["criterio"]) == {"dias", "antes"}
        cutoff = datetime.fromisoformat(audit["criterio"]["antes"])
        assert abs(cutoff - (datetime.now(UTC) - timedelta(days=DIAS))) < timedelta(minutes=5)
    assert _without_time(fetch_report(db)) == _without_time(report_before)

    # A second run has nothing to do and writes nothing, not even an audit row.
    with db.connect() as conn:
        assert erasure.apply_retention(conn, DIAS) == 0
        assert len(_audits(conn)) == 1 and _texts(conn) == texts


def test_retention_commits_batch_by_batch_with_one_growing_audit_row(db, seeded):
    commits = []

    def count(conn) -> None:
        commits.append(1)

    sa.event.listen(db, "commit", count)
    try:
        with db.connect() as conn:
            assert erasure.apply_retention(conn, DIAS, lote=3) == 8
    finally:
        sa.event.remove(db, "commit", count)
    assert len(commits) >= 3  # 8 rows in batches of 3 (3 + 3 + 2): each batch its own transaction
    with db.connect() as conn:
        (audit,) = _audits(conn)
        assert audit["quantidade"] == 8


def test_retention_leaves_erased_comments_and_refuses_bad_arguments(db, seeded):
    erased = seeded["old"][1]
    with db.begin() as conn:
        assert erasure.erase(conn, ids=[erased], autor="a", origem="cli", motivo="m") == 1
    with db.connect() as conn:
        for bad in (0, -1, True, "30", 1.5):
            with pytest.raises(ValueError):
                erasure.apply_retention(conn, bad)
        with pytest.raises(ValueError, match="fuso"):
            erasure.apply_retention(conn, DIAS, agora=datetime(2030, 1, 1))
    with db.begin() as conn, pytest.raises(RuntimeError, match="engine.connect"):
        erasure.apply_retention(conn, DIAS)  # it commits per batch: not inside the caller's transaction
    with db.connect() as conn:
        assert erasure.apply_retention(conn, DIAS) == 7
        texts = _texts(conn)
        conn.rollback()
        # A reference instant other than now() (a day after the recent comments turn DIAS days old).
        assert erasure.apply_retention(conn, DIAS, agora=datetime.now(UTC) + timedelta(days=DIAS + 1)) == 3
        assert {por for _, por, _, _ in _texts(conn).values()} == {"apagamento", "retencao"}
        assert [a["quantidade"] for a in _audits(conn)] == [1, 7, 3]
    assert texts[erased][:2] == (erasure.MARCADOR_APAGADO, "apagamento")


# --- the DAG -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def dag(airflow_db):
    yield load_dag("aplicar_retencao")
    # dag.test() leaves this thread's ORM session in a transaction; closed here, while the test
    # server still runs (else Airflow's atexit dispose_orm rolls it back against a stopped server).
    from airflow.utils.session import create_session

    with create_session():
        pass


@pytest.fixture
def retention_env(monkeypatch):
    from alumusic.settings import get_settings

    def set_days(value: str | None) -> None:
        if value is None:
            monkeypatch.delenv("RETENCAO_TEXTO_DIAS", raising=False)
        else:
            monkeypatch.setenv("RETENCAO_TEXTO_DIAS", value)
        get_settings.cache_clear()

    yield set_days
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.mark.airflow
def test_dag_does_nothing_while_the_policy_is_unset(db, seeded, dag, retention_env):
    retention_env(None)
    with db.connect() as conn:
        before = _texts(conn)
    dr = dag.test()
    assert str(dr.state) == "success"
    with db.connect() as conn:
        assert _texts(conn) == before and _audits(conn) == []


@pytest.mark.airflow
def test_dag_applies_the_policy_and_a_second_run_changes_nothing(db, seeded, dag, retention_env, old_week):
    retention_env(str(DIAS))
    with db.connect() as conn:
        stats_before, snapshot_before = weekly_stats(conn, old_week), _snapshot(conn)
    dr = dag.test()
    assert str(dr.state) == "success"
    assert {(ti.task_id, str(ti.state)) for ti in dr.get_task_instances()} == {("aplicar", "success")}
    with db.connect() as conn:
        texts = _texts(conn)
        assert {texts[c][1] for c in seeded["old"]} == {"retencao"}
        assert {texts[c][1] for c in seeded["recent"]} == {None}
        assert weekly_stats(conn, old_week) == stats_before and _snapshot(conn) == snapshot_before
        assert [a["quantidade"] for a in _audits(conn)] == [8]

    assert str(dag.test().state) == "success"
    with db.connect() as conn:
        assert _texts(conn) == texts and [a["quantidade"] for a in _audits(conn)] == [8]
