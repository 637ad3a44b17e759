"""Settings parsing, missing secrets, and the demo-data generator and loader."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from alumusic import demo_data
from alumusic.settings import MissingSecretError, Settings


def test_lists_come_from_comma_separated_env(monkeypatch):
    monkeypatch.setenv("OLLAMA_HOSTS", "http://a:11434/, http://b:11434")
    monkeypatch.setenv("SUMMARY_RECIPIENTS", "ana@x.com,bia@y.com")
    s = Settings()
    assert s.ollama_hosts == ["http://a:11434", "http://b:11434"]
    assert s.summary_recipients == ["ana@x.com", "bia@y.com"]


def test_a_missing_secret_fails_with_the_variable_name(monkeypatch):
    monkeypatch.delenv("DASHBOARD_SECRET_KEY", raising=False)
    s = Settings(_env_file=None)
    with pytest.raises(MissingSecretError, match="DASHBOARD_SECRET_KEY"):
        s.require("dashboard_secret_key")
    monkeypatch.setenv("JWT_SECRET_KEY", "s3cr3t")
    assert Settings(_env_file=None).require("jwt_secret_key") == "s3cr3t"


def test_generator_is_deterministic_and_realistic():
    now = datetime(2026, 11, 26, 12, tzinfo=timezone.utc)
    first = list(demo_data.generate(2000, seed=3, now=now))
    assert first == list(demo_data.generate(2000, seed=3, now=now))
    assert len({c.id for c in first}) == 2000
    assert all(c.recebido_em <= now for c in first)
    texts = Counter(c.texto for c in first)
    assert len(texts) > 300  # templates are filled, not repeated verbatim
    releases = {(r.artista, r.album): r.lancado_em for r in demo_data.releases(now.date(), 60)}
    assert all(c.recebido_em.date() >= releases[(c.artista, c.album)] for c in first)


def test_load_goes_through_the_repository_and_is_idempotent(db):
    assert demo_data.load(db, 1500, seed=9, chunk=400, progress=False) == 1500
    assert demo_data.load(db, 1500, seed=9, chunk=400, progress=False) == 0
    with db.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM comentarios WHERE status = 'pendente'")).scalar() == 1500
        assert conn.execute(sa.text("SELECT count(*) FROM lancamentos")).scalar() == sum(
            len(a) for a in demo_data.ARTISTAS.values())


def test_blank_optional_settings_mean_unset(monkeypatch):
    """`KEY=` in .env.example or `${KEY:-}` in compose must not stop every component from starting."""
    for key in ("DASHBOARD_COOKIE_SECURE", "RETENCAO_TEXTO_DIAS", "OIDC_ISSUER", "DATABASE_URL"):
        monkeypatch.setenv(key, "")
    s = Settings(_env_file=None)
    assert (s.dashboard_cookie_secure, s.retencao_texto_dias, s.oidc_issuer, s.database_url) == (None, None, None, None)
    monkeypatch.setenv("DASHBOARD_COOKIE_SECURE", "true")
    monkeypatch.setenv("RETENCAO_TEXTO_DIAS", "30")
    s = Settings(_env_file=None)
    assert (s.dashboard_cookie_secure, s.retencao_texto_dias) == (True, 30)
