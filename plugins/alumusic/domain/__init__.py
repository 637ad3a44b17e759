"""The bottom layer: what the product talks about, with no I/O (no database, network or settings).

Everything above imports from here; this package imports nothing of the product's above it.
"""

from alumusic.domain.categories import CATEGORIAS, Categoria
from alumusic.domain.errors import BackendUnavailableError, ClassificationError, InvalidAnswerError
from alumusic.domain.results import Classification, ConfiancaFonte, Outcome, Provenance
from alumusic.domain.status import STATUSES, Status
from alumusic.domain.tags import TAG_CODE_PATTERN, Tag, TagProposal, Taxonomy, TaxonomyTag, describe, seed_tags

__all__ = [
    "CATEGORIAS", "STATUSES", "TAG_CODE_PATTERN", "BackendUnavailableError", "Categoria", "Classification",
    "ClassificationError", "ConfiancaFonte", "InvalidAnswerError", "Outcome", "Provenance", "Status", "Tag", "TagProposal", "Taxonomy",
    "TaxonomyTag", "describe", "seed_tags",
]
