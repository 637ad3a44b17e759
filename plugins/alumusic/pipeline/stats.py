"""Counts a batch reports, summed per run for the task logs and the asset event."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields


@dataclass
class BatchStats:
    reivindicados: int = 0  # claimed by this batch
    classificados: int = 0  # new classification stored
    copiados: int = 0  # a copy of a curator's label (same text pasted elsewhere) stored instead
    pendentes: int = 0  # error, back in the queue for a later attempt
    falharam: int = 0  # error on the last allowed attempt: status 'falhou'
    mantidos: int = 0  # reclassification failed: the previous classification stays current
    ignorados: int = 0  # no longer ours (lease lost) or never tried (backend down): left untouched
    segundos: float = 0.0

    @property
    def por_segundo(self) -> float:
        return self.classificados / self.segundos if self.segundos > 0 else 0.0

    def to_dict(self) -> dict:
        return asdict(self) | {"por_segundo": round(self.por_segundo, 2)}

    @classmethod
    def from_dict(cls, data: dict) -> BatchStats:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    def __add__(self, other: BatchStats) -> BatchStats:
        return BatchStats(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})

    def summary(self) -> str:
        return (f"reivindicados={self.reivindicados} classificados={self.classificados} copiados={self.copiados} "
                f"pendentes={self.pendentes} falharam={self.falharam} mantidos={self.mantidos} "
                f"ignorados={self.ignorados} em {self.segundos:.1f}s ({self.por_segundo:.1f} comentários/s)")
