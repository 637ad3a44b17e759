"""What one ``classify_comments`` run works on, from its params, run type and data interval.

- Scheduled / plain manual run: the pending queue (oldest first).
- Backfill run (``airflow backfill create``) or a run with ``desde``/``ate``: the comments
  *received* in that interval that are pending or whose current classification is automatic and
  came from another classifier version (reclassification; manual corrections are never touched).

How many batches (``batches_for``): a queue run without ``max_lotes`` is sized from the backlog
and the LLM's capacity -- the work the pool can do in ``CLASSIFY_RUN_INTERVALS`` schedule
intervals, ``capacity = in flight / mean latency`` (Little's law: ``LLM_POOL_SLOTS x
LLM_CONCURRENCY`` calls in flight, each taking the mean ``latencia_ms`` of this classifier's
recent results, which includes any queueing at Ollama when the pool asks more than its
``OLLAMA_NUM_PARALLEL`` serves) -- so a large import drains at the LLM's rate instead of
``CLASSIFY_BATCH_SIZE x CLASSIFY_MAX_BATCHES`` per interval. With no recent result to measure
(first run, another model) the run plans ``CLASSIFY_MAX_BATCHES``, as before. An explicit
``max_lotes`` and interval runs keep their fixed cap.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from alumusic.settings import Settings

BACKENDS = ("auto", "ollama", "offline")
MAX_BATCHES_PER_RUN = 1000  # below Airflow's default max_map_length (1024)
# The newest results (at most 500, see runs._capacity) of the last day measure the LLM: an import
# after a quiet night still finds the model's latency; once the pipeline works, minutes-old ones.
CAPACITY_WINDOW_S = 24 * 3600
CAPACITY_MIN_SAMPLES = 20  # fewer results measure nothing (a cold model, one slow comment)
# Days ``desde``/``ate`` may name: far from date's limits, and the product holds no comment from before 2000.
MIN_YEAR, MAX_YEAR = 2000, 2100


@dataclass(frozen=True)
class RunPlan:
    backend: str | None  # None: LLM_BACKEND from settings
    modelo: str | None  # None: OLLAMA_MODEL from settings
    desde: datetime | None  # received at >= desde
    ate: datetime | None  # received at < ate
    reclassificar: bool  # an interval run: stale automatic classifications are redone too
    reprocessar_falhas: bool
    tamanho_lote: int
    max_lotes: int
    concorrencia: int
    max_tentativas: int
    lease_segundos: int
    versao: str | None = None  # classifier version the run stores (set when reclassifying)
    # Sized from the backlog and capacity: seconds of LLM work the run plans (None: max_lotes is
    # the fixed cap) and LLM calls in flight across the pool (LLM_POOL_SLOTS x LLM_CONCURRENCY).
    horizonte_s: float | None = None
    em_voo: int = 1

    def to_dict(self) -> dict:
        """JSON-safe (XCom)."""
        data = asdict(self)
        for key in ("desde", "ate"):
            data[key] = data[key].isoformat() if data[key] else None
        return data

    @classmethod
    def from_dict(cls, data: dict) -> RunPlan:
        data = dict(data)
        for key in ("desde", "ate"):
            data[key] = datetime.fromisoformat(data[key]) if data.get(key) else None
        return cls(**data)

    def with_backend(self, backend: str, versao: str | None = None) -> RunPlan:
        return replace(self, backend=backend, versao=versao if versao is not None else self.versao)

    def describe(self) -> str:
        scope = (f"intervalo [{self.desde.isoformat() if self.desde else '-inf'}, "
                 f"{self.ate.isoformat() if self.ate else 'agora'}) com reclassificação"
                 if self.reclassificar else "fila de pendentes")
        sizing = (f"dimensionado para {self.horizonte_s:g}s de LLM com {self.em_voo} em voo"
                  if self.horizonte_s else f"max_lotes={self.max_lotes}")
        return (f"{scope}; backend={self.backend or 'config'} modelo={self.modelo or 'config'} "
                f"lote={self.tamanho_lote} {sizing} concorrência={self.concorrencia}")


def plan_run(
    params: dict,
    settings: Settings,
    *,
    run_type: object = None,
    data_interval: tuple[datetime | None, datetime | None] | None = None,
) -> RunPlan:
    """Validate the run's params (ValueError with a clear message; the DAG fails the run without
    retrying it) and decide its scope."""
    backend = params.get("backend") or None
    if backend is not None and backend not in BACKENDS:
        raise ValueError(f"backend inválido: {backend!r} (use {', '.join(BACKENDS)} ou vazio)")
    modelo = (params.get("modelo") or "").strip() or None
    if modelo is not None and backend == "offline":
        raise ValueError("modelo só vale para o backend ollama (ou auto)")

    tz = ZoneInfo(settings.timezone)
    desde = _day_start(params.get("desde"), tz, "desde")
    ate_day = _day_start(params.get("ate"), tz, "ate")
    ate = ate_day + timedelta(days=1) if ate_day else None  # ``ate`` is an inclusive day
    if desde and ate and desde >= ate:
        raise ValueError(f"desde ({params.get('desde')}) deve ser anterior ou igual a ate ({params.get('ate')})")
    # Airflow's run types are enums whose str() differs between core and the task SDK.
    if desde is None and ate is None and getattr(run_type, "value", run_type) == "backfill" and data_interval:
        desde, ate = data_interval
    reclassificar = desde is not None or ate is not None

    tamanho = _positive(params.get("tamanho_lote"), "tamanho_lote") or settings.classify_batch_size
    fixed = _positive(params.get("max_lotes"), "max_lotes")
    max_lotes = fixed or (MAX_BATCHES_PER_RUN if reclassificar else settings.classify_max_batches)
    sized = fixed is None and not reclassificar
    return RunPlan(
        backend=backend,
        modelo=modelo,
        desde=desde,
        ate=ate,
        reclassificar=reclassificar,
        reprocessar_falhas=bool(params.get("reprocessar_falhas")),
        tamanho_lote=tamanho,
        max_lotes=min(max_lotes, MAX_BATCHES_PER_RUN),
        concorrencia=settings.llm_concurrency,
        max_tentativas=settings.classify_max_attempts,
        lease_segundos=settings.classify_lease_seconds,
        horizonte_s=settings.classify_schedule_minutes * 60 * settings.classify_run_intervals if sized else None,
        em_voo=settings.llm_pool_slots * settings.llm_concurrency,
    )


def capacity_per_s(plan: RunPlan, mean_latency_ms: float | None, samples: int) -> float | None:
    """Comments per second the pool can classify (in flight / mean latency), or None when the
    recent results are too few to say."""
    if mean_latency_ms is None or samples < CAPACITY_MIN_SAMPLES or mean_latency_ms <= 0:
        return None
    return plan.em_voo / (mean_latency_ms / 1000.0)


def batches_for(plan: RunPlan, candidates: int, capacity: float | None) -> int:
    """Mapped batches for ``candidates`` comments: all of them in batches of ``tamanho_lote``, at
    most what the LLM can do in ``horizonte_s`` at ``capacity`` comments/s (sized runs with a
    known capacity), else at most ``max_lotes``; never more than ``MAX_BATCHES_PER_RUN``."""
    needed = math.ceil(max(0, candidates) / plan.tamanho_lote)
    if plan.horizonte_s is None or capacity is None:
        cap = plan.max_lotes
    else:
        cap = max(1, math.ceil(capacity * plan.horizonte_s / plan.tamanho_lote))
    return min(needed, cap, MAX_BATCHES_PER_RUN)


def _day_start(value: object, tz: ZoneInfo, name: str) -> datetime | None:
    """A 'YYYY-MM-DD' day (in the product's time zone) or an ISO date-time, as an aware datetime;
    its year must be within MIN_YEAR..MAX_YEAR (``ate="9999-12-31"`` overflowed ``ate + 1 day``)."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=tz)
    elif isinstance(value, date):
        moment = datetime.combine(value, time.min, tz)
    else:
        try:
            moment = datetime.combine(date.fromisoformat(str(value)), time.min, tz)
        except ValueError:
            raise ValueError(f"{name} inválido: {value!r} (use AAAA-MM-DD)") from None
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        raise ValueError(f"{name} fora do intervalo: {value!r} (o ano deve estar entre {MIN_YEAR} e {MAX_YEAR})")
    return moment


def _positive(value: object, name: str) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} deve ser um inteiro positivo, recebido {value!r}")
    return value
