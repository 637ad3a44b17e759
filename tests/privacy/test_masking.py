"""Personal data masked wherever comment text leaves the private area (LGPD).

The threat: listeners paste e-mail addresses, phone numbers, CPFs and links to their own profiles
into comments. That text is private (the database), but the product copies it outwards: into
LLM prompts (weekly summary, insights, and -- when Ollama sits outside the trust boundary --
classification), into stored summaries that other people and services read, into the weekly
e-mail (plain-text and HTML parts), and into the insights answers returned to API clients and
kept in ``insights_perguntas``. A model can also echo (or invent) such data in its answer.

These tests seed comments carrying fake personal data (an e-mail, a phone, a CPF with valid
check digits, an Instagram profile link), run the real flows -- the ``weekly_summary`` DAG with
``dag.test()`` against real PostgreSQL, a real SMTP server (aiosmtpd) and the loopback Ollama
emulator -- and check every way out: the request bodies the emulator received, the stored row
(``texto`` and ``estatisticas``), every part of the e-mail, the insights answer and its log row,
and the classification prompt (masked only when ``MASCARAR_DADOS_CLASSIFICACAO`` is on; the
stored comment text never changes).
"""

from __future__ import annotations

import email
import json
from datetime import datetime, time, timedelta
from email import policy
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from alumusic.airflow_env import smtp_connection_json
from alumusic.domain import pii
from alumusic.summary.weeks import IsoWeek, last_complete_week
from tests.support.airflow import load_dag
from tests.support.factories import add_comments
from tests.support.insights import HOJE
from tests.support.weeks import moment, week_item

TZ = ZoneInfo("America/Sao_Paulo")
RECIPIENTS = ["curadoria@alumusic.local"]


def cpf_with_check_digits(base: str) -> str:
    """The 11 digits of a CPF whose first nine are ``base`` (mod 11, weights 10..2 then 11..2)."""
    digits = [int(c) for c in base]
    for first_weight in (10, 11):
        rest = sum(d * w for d, w in zip(digits, range(first_weight, 1, -1), strict=False)) % 11
        digits.append(0 if rest < 2 else 11 - rest)
    return "".join(map(str, digits))


# Fake personal data (made up for these tests).
EMAIL = "joana.ouvinte.fake@exemplo.com.br"
PHONE = "(21) 99876-5432"
CPF = cpf_with_check_digits("384196502")
CPF_FMT = f"{CPF[:3]}.{CPF[3:6]}.{CPF[6:9]}-{CPF[9:]}"
HANDLE = "joana_canta_fake"
INSTAGRAM = f"https://www.instagram.com/{HANDLE}/"

# Substrings none of which may appear anywhere outside the private area.
RAW = (EMAIL, "joana.ouvinte.fake", "exemplo.com.br", PHONE, "99876-5432", "998765432", CPF_FMT, CPF,
       HANDLE, "instagram.com/")
MASKS = ("[e-mail]", "[telefone]", "[CPF]", "[link pessoal]")


def leaks(text: str) -> list[str]:
    return [raw for raw in RAW if raw in text]


def test_fake_values_are_detected_as_personal_data():
    assert pii.is_valid_cpf(CPF)
    kinds = {s.kind for text in (EMAIL, PHONE, CPF_FMT, CPF, INSTAGRAM) for s in pii.detect(text)}
    assert kinds == {pii.EMAIL, pii.TELEFONE, pii.CPF, pii.URL_PESSOAL}
    for text, label in ((EMAIL, "[e-mail]"), (PHONE, "[telefone]"), (CPF_FMT, "[CPF]"), (INSTAGRAM, "[link pessoal]")):
        assert pii.mask(text) == label


def week_with_personal_data(week: IsoWeek) -> list[dict]:
    """Classified comments of ``week`` carrying each kind of personal data (and one artist field)."""
    long_complaint = ("o som do show estava horrível, não dava para ouvir a voz " * 4)[:209]
    return [week_item(*row) for row in [
        (f"que voz linda! manda as músicas novas no meu e-mail {EMAIL}", "Luna Ribeiro", "Maré Alta",
         "ELOGIO", ["voz_timbre"], moment(week, 0, 10)),
        (f"quando sai o álbum novo? me avisa no zap {PHONE}", "Os Cometas", "Órbita",
         "DÚVIDA", ["album_lancamento"], moment(week, 1)),
        (f"venham tocar em Niterói, já comprei com meu CPF {CPF_FMT}", "Os Cometas", "Órbita",
         "SUGESTÃO", ["show_agenda"], moment(week, 2)),
        (f"sigam meu perfil {INSTAGRAM} sorteio toda semana", None, None, "SPAM", ["spam_link"], moment(week, 3)),
        (f"meu cpf é {CPF} kkkk alguém sabe o nome dessa?", None, None, "OUTRO", [], moment(week, 4)),
        # The e-mail straddles the sample's 240-character cut: masked before the cut, not half left.
        (f"{long_complaint} fale {EMAIL} por favor", "MC Trovão", "Favela Digital",
         "CRÍTICA", ["show_som"], moment(week, 5)),
        # Personal data in the artist field reaches the statistics (names ranked by the views).
        ("batida boa demais, melhor do ano", f"Joana {INSTAGRAM}", None, "ELOGIO", [], moment(week, 6)),
    ]]


def test_sample_is_masked_before_it_is_cut(db):
    from alumusic.domain.quotes import MAX_CHARS_PER_COMMENT, clean
    from alumusic.summary.sample import budget_chars, sample_comments

    week = last_complete_week("America/Sao_Paulo")
    items = week_with_personal_data(week)
    [long_one] = [item["texto"] for item in items if item["categoria"] == "CRÍTICA"]
    cut_raw = clean(long_one)
    assert EMAIL not in cut_raw and "joana.ouvinte.fake@" in cut_raw  # cutting first would leave half of it
    add_comments(db, items)
    with db.connect() as conn:
        sample = sample_comments(conn, week, budget=budget_chars(4096))
    text = json.dumps(sample, ensure_ascii=False)
    assert len(sample) == 7 and leaks(text) == []
    assert all(mask in text for mask in MASKS)
    [critica] = [c for c in sample if c["categoria"] == "CRÍTICA"]
    assert len(critica["texto"]) <= MAX_CHARS_PER_COMMENT and "[e-mail]" in critica["texto"]
    assert "@" not in critica["texto"]


def test_erased_comments_are_not_quoted_but_still_counted(db):
    from alumusic.repositories.erasure import MARCADOR_APAGADO, erase
    from alumusic.summary.sample import budget_chars, sample_comments
    from alumusic.summary.stats import weekly_stats

    week = last_complete_week("America/Sao_Paulo")
    add_comments(db, week_with_personal_data(week))
    with db.begin() as conn:
        [erased] = conn.execute(sa.text("SELECT id FROM comentarios WHERE texto LIKE '%zap%'")).scalars()
        assert erase(conn, ids=[erased], autor="teste", origem="cli", motivo="pedido do titular") == 1
    with db.connect() as conn:
        sample = sample_comments(conn, week, budget=budget_chars(4096))
        stats = weekly_stats(conn, week)
    assert len(sample) == 6 and all(MARCADOR_APAGADO not in c["texto"] for c in sample)
    assert "DÚVIDA" not in {c["categoria"] for c in sample}
    assert stats["volume"]["total"] == 7


# --- weekly summary: the DAG, SMTP and the emulator ----------------------------------------------
@pytest.fixture
def summary_env(smtp, monkeypatch, airflow_db, db):
    from alumusic.settings import get_settings

    smtp.envelopes.clear()
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", smtp_connection_json(
        "127.0.0.1", smtp.port, from_email="AluMusic Insights <insights@alumusic.local>", timeout=5))
    monkeypatch.setenv("SUMMARY_RECIPIENTS", ",".join(RECIPIENTS))
    get_settings.cache_clear()
    week = last_complete_week("America/Sao_Paulo")
    add_comments(db, week_with_personal_data(week))
    yield db, week
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def weekly_dag(airflow_db):
    return load_dag("weekly_summary", retries=0)


def run_dag(dag, week: IsoWeek) -> dict:
    """One dag.test() run for ``week`` (logical date the Wednesday after it); task states."""
    when = datetime.combine(week.inicio + timedelta(days=9), time(10), TZ)
    dr = dag.test(logical_date=when, run_conf={"reenviar": False, "semana": None})
    return {ti.task_id: str(ti.state) for ti in dr.get_task_instances()}


def stored_row(db, week: IsoWeek) -> dict:
    with db.connect() as conn:
        return dict(conn.execute(sa.text("SELECT texto, estatisticas, classificador, enviado_em "
                                         "FROM resumos_semanais WHERE semana = :s"), {"s": week.label}).mappings().one())


def mail_text(envelope) -> tuple[str, int]:
    """Headers and the decoded content of every text part of the message, and the number of text parts."""
    msg = email.message_from_bytes(envelope.content, policy=policy.default)
    pieces = [f"{k}: {v}" for k, v in msg.items()]
    # The text parts (plain, HTML with the pictures' alt texts); the inline PNG charts carry no text of comments.
    parts = [part for part in msg.walk() if not part.is_multipart() and part.get_content_maintype() == "text"]
    pieces += [part.get_content() for part in parts]
    return "\n".join(pieces), len(parts)


def llm_requests(emu) -> str:
    return "\n".join(json.dumps(r["body"], ensure_ascii=False) for r in emu.received)


def _check_row_and_email(db, week, smtp) -> tuple[dict, str]:
    row = stored_row(db, week)
    stats = json.dumps(row["estatisticas"], ensure_ascii=False)
    assert leaks(row["texto"]) == [] and leaks(stats) == []
    assert "[link pessoal]" in stats  # the artist field "Joana https://www.instagram.com/..."
    assert row["enviado_em"] is not None
    [envelope] = smtp.envelopes
    mail, n_parts = mail_text(envelope)
    assert n_parts == 2 and leaks(mail) == [] and leaks(envelope.content.decode("utf-8", "replace")) == []
    return row, mail


@pytest.mark.airflow
def test_offline_summary_row_and_email_are_masked(summary_env, weekly_dag, smtp):
    db, week = summary_env
    assert run_dag(weekly_dag, week) == {"build_summary": "success", "email_summary": "success"}
    row, mail = _check_row_and_email(db, week, smtp)
    assert row["classificador"] == "offline"
    # The offline text quotes comments: the quotes carry the masks, in the row and both e-mail parts.
    for mask in ("[e-mail]", "[telefone]", "[CPF]"):
        assert mask in row["texto"] and mail.count(mask) >= 2


@pytest.mark.airflow
def test_llm_prompt_row_and_email_are_masked(summary_env, weekly_dag, smtp, ollama):
    db, week = summary_env
    assert run_dag(weekly_dag, week) == {"build_summary": "success", "email_summary": "success"}
    prompt = llm_requests(ollama)
    assert "<comentarios>" in prompt and "Luna Ribeiro" in prompt
    assert leaks(prompt) == [] and all(mask in prompt for mask in MASKS)
    row, _ = _check_row_and_email(db, week, smtp)
    assert row["classificador"] == "ollama"


@pytest.mark.airflow
def test_personal_data_echoed_by_the_model_is_masked_before_storing_and_mailing(summary_env, weekly_dag, smtp,
                                                                                ollama):
    from alumusic.summary.text import MAX_SECTION_CHARS, SECTIONS

    db, week = summary_env
    filler = "Elogios à voz e ao timbre dominaram a semana. " * 20
    answer = {key: f"Uma ouvinte pediu contato pelo {PHONE} e pelo e-mail {EMAIL}." for key, _ in SECTIONS}
    answer["hype"] = f"Perfil citado: {INSTAGRAM} e CPF {CPF_FMT}."
    # At the section's length cut: masked first, so no half e-mail survives the cut.
    answer["observacoes"] = filler[: MAX_SECTION_CHARS - 20] + f" {EMAIL} fim."
    ollama.set_reply(json.dumps(answer, ensure_ascii=False))
    assert run_dag(weekly_dag, week) == {"build_summary": "success", "email_summary": "success"}
    row, mail = _check_row_and_email(db, week, smtp)
    assert row["classificador"] == "ollama" and "Uma ouvinte pediu contato pelo [telefone]" in row["texto"]
    assert "[telefone]" in mail and "[e-mail]" in mail and "[link pessoal]" in mail and "[CPF]" in mail
    assert "joana.ouvinte" not in row["texto"] and "@" not in row["texto"]


def test_the_summary_table_never_stores_raw_personal_data(db):
    """``upsert_summary`` (the table's only writer) masks whatever it is given."""
    from alumusic.repositories.summaries import get_summary, upsert_summary

    week = last_complete_week("America/Sao_Paulo")
    with db.begin() as conn:
        upsert_summary(conn, week, texto=f"Contato: {EMAIL}, {PHONE}, CPF {CPF}.",
                       estatisticas={"semana": week.label, "inicio": week.inicio.isoformat(),
                                     "artistas": [{"artista": f"Joana {INSTAGRAM}", "elogios": 2}]},
                       classificador="offline", modelo=None, versao_prompt=None)
        row = get_summary(conn, week.label)
    assert row.texto == "Contato: [e-mail], [telefone], CPF [CPF]."
    assert row.estatisticas == {"semana": week.label, "inicio": week.inicio.isoformat(),
                                "artistas": [{"artista": "Joana [link pessoal]", "elogios": 2}]}


def test_email_of_a_summary_stored_raw_before_masking_is_masked(db):
    """A row written before the masking rule (or by SQL), re-sent with reenviar=true."""
    from alumusic.repositories.summaries import get_summary
    from alumusic.summary.message import build_message

    week = last_complete_week("America/Sao_Paulo")
    raw_text = f"Destaques\n- Um fã deixou o contato {EMAIL} e {PHONE}.\n\nHype\n- “sigam {INSTAGRAM}” (sobre Joana)."
    stats = {"semana": week.label, "inicio": week.inicio.isoformat(), "fim": week.fim.isoformat(),
             "volume": {"total": 1, "classificados": 1, "nao_classificados": 0, "semana_anterior": 0,
                        "variacao_pct": None},
             # Any string of the statistics the e-mail shows (here a category row) is masked too.
             "categorias": [{"categoria": f"OUTRO {PHONE}", "total": 1, "pct": 100.0, "semana_anterior": 0,
                             "pct_semana_anterior": 0.0}],
             "spam": {"total": 0, "pct": 0.0, "pct_semana_anterior": 0.0},
             "top_tags": [], "artistas_mais_elogiados": [{"artista": f"Joana {INSTAGRAM}", "elogios": 1, "total": 1}]}
    with db.begin() as conn:
        conn.execute(sa.text("INSERT INTO resumos_semanais (semana, inicio, fim, texto, estatisticas, classificador) "
                             "VALUES (:s, :i, :f, :t, CAST(:e AS jsonb), 'offline')"),
                     {"s": week.label, "i": week.inicio, "f": week.fim, "t": raw_text, "e": json.dumps(stats)})
        stored = get_summary(conn, week.label)
    assert EMAIL in stored.texto  # the legacy row really is raw
    msg = build_message(stored, recipients=RECIPIENTS)
    parsed = email.message_from_bytes(msg.as_bytes(), policy=policy.default)
    for kind in ("plain", "html"):
        content = parsed.get_body((kind,)).get_content()
        assert leaks(content) == [] and "[e-mail]" in content and "[telefone]" in content
        assert "[link pessoal]" in content and "OUTRO [telefone]" in content


# --- insights Q&A ------------------------------------------------------------------------------------
def _insert_raw_summary(db, label: str, texto: str) -> None:
    """A summary row as stored before masking existed (bypasses ``upsert_summary``)."""
    week = IsoWeek.parse(label)
    with db.begin() as conn:
        conn.execute(sa.text("INSERT INTO resumos_semanais (semana, inicio, fim, texto, estatisticas, classificador) "
                             "VALUES (:s, :i, :f, :t, '{}'::jsonb, 'offline')"),
                     {"s": label, "i": week.inicio, "f": week.fim, "t": texto})


def _insights_log(db) -> list[dict]:
    with db.connect() as conn:
        return [dict(r) for r in conn.execute(sa.text(
            "SELECT pergunta, resposta, erro FROM insights_perguntas ORDER BY id")).mappings()]


LEGACY_SUMMARY = ("Destaques\n- Os fãs de Luna Ribeiro elogiaram muito a voz e o timbre do show.\n"
                  f"- Uma fã pediu ingressos para o show pelo e-mail {EMAIL} e pelo telefone {PHONE}.\n")


def test_insights_llm_answer_echoing_personal_data_is_masked_and_the_prompt_too(db, ollama):
    from alumusic.insights import answer_question

    _insert_raw_summary(db, "2026-W47", LEGACY_SUMMARY)
    pergunta = f"O que disseram sobre ingressos? Respondam para {EMAIL} ou {PHONE}"
    ollama.set_reply(json.dumps({"resposta": f"Em 2026-W47 uma fã pediu ingressos pelo e-mail {EMAIL} "
                                             f"e pelo telefone {PHONE} (perfil {INSTAGRAM})."}))
    out = answer_question(db, pergunta, origem="api", autor="app", hoje=HOJE)

    assert leaks(out["resposta"]) == [] and out["semanas"] == ["2026-W47"]
    assert "[e-mail]" in out["resposta"] and "[telefone]" in out["resposta"] and "[link pessoal]" in out["resposta"]
    [row] = _insights_log(db)
    assert row["resposta"] == out["resposta"] and row["erro"] is None
    assert row["pergunta"] == "O que disseram sobre ingressos? Respondam para [e-mail] ou [telefone]"
    [req] = [r["body"] for r in ollama.received]
    user = req["messages"][-1]["content"]
    assert "<pergunta>O que disseram sobre ingressos? Respondam para [e-mail] ou [telefone]</pergunta>" in user
    assert "pelo e-mail [e-mail] e pelo telefone [telefone]" in user  # the legacy summary, masked
    assert leaks(llm_requests(ollama)) == []


def test_insights_offline_answer_quoting_a_raw_summary_is_masked(db):
    from alumusic.insights import answer_question

    _insert_raw_summary(db, "2026-W47", LEGACY_SUMMARY)
    out = answer_question(db, f"ingressos do show? ({EMAIL})", origem="dashboard", autor="curador", client=None,
                          hoje=HOJE)
    assert out["modelo"] == "offline-extrativo-v1" and "ingressos" in out["resposta"]
    assert leaks(out["resposta"]) == [] and "[e-mail]" in out["resposta"] and "[telefone]" in out["resposta"]
    [row] = _insights_log(db)
    assert row["resposta"] == out["resposta"] and row["pergunta"] == "ingressos do show? ([e-mail])"


def test_invalid_model_answer_is_quoted_masked_in_the_error():
    """The error (task log, insights_perguntas.erro) quotes the bad answer: masked first."""
    from alumusic.llm.structured import LlmAnswerError, structured_chat

    class Echo:
        def chat(self, messages, *, format=None, options=None):
            return f"Claro! Fale com {EMAIL} ou {PHONE}"

    with pytest.raises(LlmAnswerError) as err:
        structured_chat(Echo(), [], {"required": ["resposta"]})
    assert "[e-mail]" in str(err.value) and leaks(str(err.value)) == []


def test_insights_client_error_is_logged_masked(db):
    from alumusic.insights import InsightsIndisponivel, answer_question

    class Broken:
        model = "quebrado"

        def chat(self, messages, *, format=None, options=None):
            raise RuntimeError(f"proxy recusou o corpo com {EMAIL}")

    _insert_raw_summary(db, "2026-W47", LEGACY_SUMMARY)
    with pytest.raises(InsightsIndisponivel):
        answer_question(db, "Como foi a semana?", origem="api", client=Broken(), hoje=HOJE)
    [row] = _insights_log(db)
    assert row["erro"] == "RuntimeError: proxy recusou o corpo com [e-mail]"


def test_insights_error_quoting_the_model_answer_is_masked(db, ollama):
    from alumusic.insights import InsightsIndisponivel, answer_question

    _insert_raw_summary(db, "2026-W47", LEGACY_SUMMARY)
    ollama.set_reply(f"isto não é JSON: escreva para {EMAIL}")
    with pytest.raises(InsightsIndisponivel):
        answer_question(db, "Como foi a semana?", origem="api", hoje=HOJE)
    [row] = _insights_log(db)
    assert row["resposta"] is None and "LlmAnswerError" in row["erro"]
    assert "[e-mail]" in row["erro"] and leaks(row["erro"]) == []


# --- classification ------------------------------------------------------------------------------------
CLASSIFY_TEXTS = (
    f"sigam meu perfil {INSTAGRAM} e chamem no zap {PHONE}",
    f"amei a música! mandem a letra para {EMAIL}",
    f"meu CPF {CPF_FMT} foi usado pra comprar o ingresso do show?",
)


def _add_pending(db) -> dict[str, str]:
    stored = add_comments(db, [{"texto": text, "enviado_por": "teste"} for text in CLASSIFY_TEXTS])
    return {c["id"]: c["texto"] for c in stored}


def _classify_pending(db) -> None:
    from alumusic.pipeline import runs
    from alumusic.pipeline.run_plan import plan_run
    from alumusic.settings import get_settings

    plan, owners = runs.prepare(db, plan_run({}, get_settings()), "privacidade")
    stats = runs.summarize(runs.classify(db, plan, owner) for owner in owners)
    assert stats.classificados == len(CLASSIFY_TEXTS)


def _stored(db) -> tuple[dict[str, str], set[str]]:
    with db.connect() as conn:
        texts = dict(conn.execute(sa.text("SELECT id::text, texto FROM comentarios")).all())
        versions = set(conn.execute(sa.text("SELECT versao_prompt FROM classificacoes")).scalars())
    return texts, versions


def _user_messages(emu) -> list[str]:
    return [m["content"] for r in emu.received if r["path"] == "/api/chat"
            for m in r["body"]["messages"] if m["role"] == "user"]


@pytest.fixture
def masking_setting(ollama, monkeypatch):
    from alumusic.llm import backend
    from alumusic.settings import get_settings

    def set_to(value: bool) -> None:
        monkeypatch.setenv("MASCARAR_DADOS_CLASSIFICACAO", "true" if value else "false")
        get_settings.cache_clear()
        backend.reset_backend_cache()

    return set_to


def test_classification_prompt_is_masked_when_the_setting_is_on(db, ollama, masking_setting):
    from alumusic.classification.prompts import PROMPT_VERSION

    masking_setting(True)
    ids = _add_pending(db)
    _classify_pending(db)
    messages = _user_messages(ollama)
    assert len(messages) == len(CLASSIFY_TEXTS) and leaks("\n".join(messages)) == []
    joined = "\n".join(messages)
    assert all(mask in joined for mask in MASKS)
    assert "sigam meu perfil [link pessoal] e chamem no zap [telefone]" in joined
    texts, versions = _stored(db)
    assert texts == ids  # the stored raw text is never altered
    assert versions == {f"{PROMPT_VERSION}+mascarado"}


def test_classification_prompt_is_the_raw_text_when_the_setting_is_off(db, ollama, masking_setting):
    from alumusic.classification.prompts import PROMPT_VERSION, user_message

    masking_setting(False)
    ids = _add_pending(db)
    _classify_pending(db)
    assert sorted(_user_messages(ollama)) == sorted(user_message(text) for text in CLASSIFY_TEXTS)
    texts, versions = _stored(db)
    assert texts == ids and versions == {PROMPT_VERSION}


def test_classification_examples_are_masked_like_the_comment(db, emu):
    """The few-shot examples (curators' labels on similar comments) are listeners' text too."""
    from alumusic.classification.ollama import OllamaClassifier
    from alumusic.classification.prompts import EXAMPLE_CLOSE, PROMPT_VERSION
    from alumusic.domain import seed_tags
    from alumusic.llm.ollama import OllamaClient
    from alumusic.repositories import labels
    from alumusic.repositories.classifications import record_manual_correction

    labelled = f"sigam meu perfil {INSTAGRAM} e chamem no zap {PHONE} pra ganhar seguidores, mande {EMAIL}"
    [stored] = add_comments(db, [{"texto": labelled, "enviado_por": "teste"}])
    with db.begin() as conn:
        record_manual_correction(conn, stored["id"], "SPAM", [], autor="curadora")
    new = "sigam meu perfil e chamem no zap pra ganhar seguidores"
    lookups: list[str] = []
    tags = {t.codigo: t.descricao for t in seed_tags()}
    with db.connect() as conn:
        def examples(texto: str):
            lookups.append(texto)
            return labels.similar_labels(conn, texto, 3)

        classifiers = [OllamaClassifier(OllamaClient([emu.url], "qwen2.5:3b"), tags, mascarar_dados=masked,
                                        examples=examples) for masked in (True, False)]
        for clf in classifiers:
            clf.classify(new)
    versions = [clf.provenance.versao_prompt for clf in classifiers]
    on, off = _user_messages(emu)
    assert EXAMPLE_CLOSE in on and leaks(on) == []
    assert "[link pessoal]" in on and "[telefone]" in on and "[e-mail]" in on
    assert lookups == [new, new]  # the lookup stays in the database, on the raw text
    assert INSTAGRAM in off and EMAIL in off  # masking off: the raw example, like the raw comment
    assert versions == [f"{PROMPT_VERSION}+mascarado", PROMPT_VERSION]


def test_masking_is_off_by_default(monkeypatch):
    from alumusic.settings import Settings

    monkeypatch.delenv("MASCARAR_DADOS_CLASSIFICACAO", raising=False)
    assert Settings().mascarar_dados_classificacao is False
