"""Typed settings for every component, from environment variables and ``.env`` files.

Precedence: real environment > ``.env`` at the repository root > ``.data/secrets.env`` (written by
``make run`` on first start). Secrets have no usable default: a component that needs one fails
at start-up with a message naming the variable.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from alumusic.paths import PROJECT_ROOT

DEFAULT_DATA_DIR = PROJECT_ROOT / ".data"


class MissingSecretError(RuntimeError):
    """A secret the component needs is not configured."""


def _split_csv(value: object) -> object:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        # Later files win; the real environment beats both.
        env_file=(DEFAULT_DATA_DIR / "secrets.env", PROJECT_ROOT / ".env"),
        env_file_encoding="utf-8",
        extra="ignore",
    )

    # --- storage -------------------------------------------------------------------------
    database_url: str | None = Field(
        default=None,
        description="Product database (SQLAlchemy URL). Unset: the project runs its own "
        "embedded PostgreSQL under DATA_DIR.",
    )
    airflow_database_url: str | None = Field(
        default=None, description="Airflow metadata database. Unset: database 'airflow' on the same server."
    )
    data_dir: Path = Field(default=DEFAULT_DATA_DIR, description="Local state: embedded PostgreSQL, secrets, logs.")
    timezone: str = Field(default="America/Sao_Paulo", description="Time zone for days and ISO weeks.")
    retencao_texto_dias: int | None = Field(
        default=None, ge=1,
        description="LGPD retention: the raw text of comments received more than this many days ago is "
        "removed daily (DAG aplicar_retencao; counts and classifications stay). Unset: text kept forever.",
    )

    # --- LLM -----------------------------------------------------------------------------
    llm_backend: Literal["auto", "ollama", "offline"] = "auto"
    ollama_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["http://127.0.0.1:11434"],
        description="Comma-separated Ollama base URLs, used round-robin.",
    )
    ollama_model: str = "qwen2.5:3b"
    ollama_connect_timeout_s: float = 3.0
    ollama_read_timeout_s: float = 60.0
    ollama_num_ctx: int = 4096
    ollama_keep_alive: str = "30m"
    llm_concurrency: int = Field(default=4, ge=1, description="Concurrent LLM calls per classify task.")
    mascarar_dados_classificacao: bool = Field(
        default=False,
        description="Mask personal data (alumusic.domain.pii) in the comment text sent to Ollama for classification. "
        "Off by default: Ollama is self-hosted inside the same trust boundary as the database. Turn it on "
        "when OLLAMA_HOSTS points outside it. The offline classifier always sees the raw text (in-process); "
        "the stored text is never altered.",
    )

    # --- classification pipeline -----------------------------------------------------------
    classify_schedule_minutes: int = Field(default=2, ge=1)
    classify_batch_size: int = Field(default=200, ge=1)
    classify_max_batches: int = Field(
        default=8, ge=1,
        description="Mapped batches of a scheduled run while the LLM's capacity is unknown (no recent "
        "classification to measure it); once known, a run is sized from the backlog and that capacity.")
    classify_run_intervals: float = Field(
        default=1.25, gt=0, le=10,
        description="A scheduled run plans the work the LLM can do in this many schedule intervals "
        "(capacity = LLM_POOL_SLOTS x LLM_CONCURRENCY / mean observed latency); above 1 the next run "
        "starts before this one's last batches end, so the LLM never idles between runs.")
    classify_max_attempts: int = Field(default=3, ge=1)
    classify_lease_seconds: int = Field(default=600, ge=10)
    llm_pool_slots: int = Field(default=4, ge=1, description="Airflow pool 'llm' size.")
    treino_min_rotulos_novos: int = Field(
        default=10, ge=1,
        description="New curator labels (corrections, confirmations) since the last trained model that make "
        "classify_comments announce alumusic://correcoes, triggering train_classifier (it also runs daily).")
    exemplos_prompt: int = Field(
        default=3, ge=0, le=10,
        description="Most similar curator labels the Ollama prompt carries as examples (0: none).")

    # --- e-mail ----------------------------------------------------------------------------
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    mail_from: str = "AluMusic Insights <insights@alumusic.local>"
    summary_recipients: Annotated[list[str], NoDecode] = Field(default_factory=list)
    summary_approval: bool = Field(
        default=False,
        description="weekly_summary waits for a curator's approval (Airflow's Required Actions) before e-mailing; "
        "read when the DAG is parsed. Off: the summary is e-mailed as soon as it is built.")
    summary_approval_timeout_hours: float = Field(
        default=24, gt=0, description="With SUMMARY_APPROVAL: hours to wait for an answer before the default applies.")
    summary_approval_default: Literal["aprovar", "rejeitar"] = Field(
        default="rejeitar",
        description="With SUMMARY_APPROVAL: the decision applied when nobody answers in time (rejeitar: stored, not sent).")
    public_base_url: str | None = Field(
        default=None,
        description="Address where readers reach the dashboard (e.g. https://insights.alumusic.com.br): the "
        "weekly e-mail links to the week's comments there. Unset: the e-mail carries no link.",
    )
    alert_recipients: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated addresses for spike alerts (detect_alerts); empty: SUMMARY_RECIPIENTS.")

    # --- observability (metrics, status page, pipeline alarms) ------------------------------------
    metrics_token: SecretStr | None = Field(
        default=None,
        description="Bearer token for GET /metrics on the API and the dashboard. Unset: /metrics answers "
        "loopback clients only (403 otherwise). Set it when Prometheus scrapes over the network.",
    )
    airflow_metrics_host: str = Field(
        default="127.0.0.1",
        description="Address of the StatsD → Prometheus bridge (python -m alumusic.airflow_metrics): it receives "
        "Airflow's StatsD there (UDP) and serves /metrics (HTTP, METRICS_TOKEN rule); make run points Airflow at "
        "it. 0.0.0.0 in a container.")
    airflow_statsd_port: int = Field(default=8125, ge=1, le=65535, description="The bridge's StatsD port (UDP).")
    airflow_metrics_port: int = Field(default=9102, ge=1, le=65535, description="The bridge's /metrics port (HTTP).")
    operator_emails: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Comma-separated operators' addresses for pipeline alarms (monitor_pipeline)."
    )
    alarm_pending_max_age_minutes: int = Field(
        default=30, ge=1, description="Alarm when the oldest pending comment waited longer than this.")
    alarm_failure_rate: float = Field(
        default=0.2, gt=0, le=1,
        description="Alarm when failed attempts / (classified + failed attempts) in the window exceed this.")
    alarm_failure_window_minutes: int = Field(default=60, ge=1, description="Window of the failure-rate alarm.")
    alarm_failure_min_attempts: int = Field(
        default=20, ge=1, description="The failure-rate alarm needs at least this many attempts in the window.")
    monitor_schedule_minutes: int = Field(default=5, ge=1, description="How often monitor_pipeline runs.")

    # --- API -------------------------------------------------------------------------------
    jwt_secret_key: SecretStr | None = None
    jwt_access_minutes: int = Field(default=15, ge=1)
    jwt_refresh_days: int = Field(default=7, ge=1)
    max_text_length: int = Field(default=5000, ge=1)
    max_batch_size: int = Field(default=1000, ge=1)
    max_body_bytes: int = Field(default=4 * 1024 * 1024, ge=1024)
    token_rate_limit: str = Field(default="30 per minute", description="POST /api/auth/token per client IP.")
    token_rate_limit_client: str = Field(
        default="10 per 5 minutes", description="Failed POST /api/auth/token per client name (any IP)."
    )
    insights_rate_limit: str = Field(
        default="20 per minute", description="POST /insights/perguntar per API client: a question may run the LLM."
    )

    # --- dashboard ---------------------------------------------------------------------------
    dashboard_secret_key: SecretStr | None = Field(
        default=None, description="Signs the dashboard's session cookie and CSRF tokens (required)."
    )
    dashboard_session_hours: float = Field(default=12, gt=0, description="A curator login lasts this long.")
    dashboard_cookie_secure: bool | None = Field(
        default=None, description="Secure flag of the session cookie; unset: set when the request came over HTTPS."
    )
    proxy_hops: int = Field(
        default=0, ge=0, description="Reverse proxies in front of the apps whose X-Forwarded-For/-Proto are trusted."
    )
    login_rate_limit_ip: str = "20 per minute"
    login_rate_limit_account: str = "10 per 15 minutes"
    report_cache_seconds: int = Field(default=60, ge=1)

    # --- optional OIDC login for curators ------------------------------------------------------
    oidc_issuer: str | None = Field(
        default=None, description="Issuer URL (its /.well-known/openid-configuration is read); unset: no OIDC."
    )
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None
    oidc_scopes: str = "openid email profile"
    oidc_create_accounts: bool = Field(
        default=False, description="Create a 'curador' account on first OIDC login; else the e-mail must exist."
    )
    oidc_button_label: str = "Entrar com a conta da empresa"

    # --- local stack ports -------------------------------------------------------------------
    api_port: int = 5000
    dashboard_port: int = 8050
    airflow_port: int = 8080

    @field_validator("public_base_url", mode="before")
    @classmethod
    def _http_base_url(cls, value: object) -> object:
        # Blank means unset, as for the fields below; else an http(s) address, kept without its final "/".
        if not isinstance(value, str):
            return value
        if not value.strip():
            return None
        if not value.startswith(("http://", "https://")) or any(c.isspace() for c in value):
            raise ValueError("PUBLIC_BASE_URL must be an http(s) address, e.g. https://insights.example.com")
        return value.rstrip("/")

    @field_validator("retencao_texto_dias", "dashboard_cookie_secure", "oidc_issuer", "oidc_client_id",
                     "oidc_client_secret", "database_url", "airflow_database_url", "metrics_token", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        # `KEY=` in .env or `${KEY:-}` in compose means "not set", not an invalid number or bool.
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("ollama_hosts", "summary_recipients", "operator_emails", "alert_recipients", mode="before")
    @classmethod
    def _csv(cls, value: object) -> object:
        return _split_csv(value)

    @field_validator("ollama_hosts")
    @classmethod
    def _strip_slash(cls, hosts: list[str]) -> list[str]:
        return [h.rstrip("/") for h in hosts]

    def require(self, name: str) -> str:
        """The secret ``name`` as plain text, or a clear error naming its variable."""
        value = getattr(self, name)
        if value is None or (isinstance(value, SecretStr) and not value.get_secret_value()):
            raise MissingSecretError(
                f"{name.upper()} is not configured: set it in the environment or .env "
                "(make run generates development values in .data/secrets.env)."
            )
        return value.get_secret_value() if isinstance(value, SecretStr) else value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
