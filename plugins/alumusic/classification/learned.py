"""The offline classifier's learned layer: a small scikit-learn model trained on curators' labels.

The rules are good where they were written from and blind to a stream's own habits ("minha filha
adora" is praise on a children's channel). Each curator correction is a labelled comment of the
stream; the learned layer turns them into a model of that stream, on top of the rules:

1. **text model**: a ``LogisticRegression`` over character n-grams (``char_wb`` 2–5, on the
   lower-cased text) and word n-grams (1–2, on the rules' normalised text: accents, slang and
   typos already folded), trained on the project's own set plus the stream labels (these weigh
   ``STREAM_WEIGHT`` times more);
2. **combiner**: a second ``LogisticRegression`` over the rules' signals (one-hot rule category,
   strength, the ``Signals`` flags, each family's evidence, which rule cues fired) and the text
   model's *out-of-fold* log-probabilities (cross-validated, so it learns how far the text model
   can be trusted on comments it has not seen). It picks the category. The stream labels weigh
   1, the own set ``BASE_WEIGHT_COMBINER`` each: the own set was written with the rules (they are
   right on ~99% of it), the stream says how often they really are;
3. **confidence**: a logistic calibration of the combiner's out-of-fold answers, P(right) from its
   top probability, its margin, whether it agrees with the rules, the rules' evidence flags, the
   text model's own top probability and whether the text model agrees with the answer (a text
   model that disagrees or hesitates marks the likely errors: on pool half A, 200 corrections,
   error capture 0.475 → 0.536), fitted on the stream labels (the own set counts as
   ``BASE_MASS_CALIBRATION`` rows in all: the rules are right on ~99% of it, so it says little
   about which answers are wrong on a stream). The model never calibrates on what it is scored
   on: every probability the calibration sees comes from a model that did not train on that row.

``LearnedLayer.train(labels, versao=...)`` fits all three (~1–3 s for 1–2k texts on one core);
``predict(texto)`` / ``predict_decision(texto, decision)`` answer ``(categoria, confianca)`` in
about a millisecond. ``to_bytes``/``from_bytes`` serialise the whole layer with skops
(``skops.io``): loading an artefact rebuilds scikit-learn, NumPy and SciPy objects and this class
only, and never runs code from it, unlike a pickle. So an artefact in
``modelos_classificador.artefato`` (written by the ``train_classifier`` DAG) that someone with
write access to the database replaced cannot run code in the workers that load it; anything else
in it is refused. Artefacts pickled with joblib before migration 0022 were converted by it.
The price: loading a layer trained on ~1,200 texts takes ~0.6 s (joblib: 0.06 s), once per process
and model version (``pipeline.model_runs.active_layer`` keeps it), ~1 % of a 3,000-comment batch.
"""

from __future__ import annotations

import csv
import io
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

from alumusic.classification.offline import calibration_features
from alumusic.classification.offline_rules import Decision, analyse, decide
from alumusic.domain import CATEGORIAS

OWN_SET_FILE = "own_set.csv"  # copy of evals/dataset.csv (texto, categoria), written by evals.calibrate --write
STREAM_WEIGHT = 3.0  # a stream label in the text model, against 1.0 for an own-set row
BASE_WEIGHT_COMBINER = 0.3  # an own-set row in the combiner, against 1.0 for a stream label
BASE_MASS_CALIBRATION = 10.0  # the whole own set counts as this many rows in the confidence fit
CONFIDENCE_FEATURES = 2  # 1: combiner + rules only (models trained before it); 2: + the text model
TEXT_C = 4.0
COMBINER_C = 1.0
FOLDS = 5
_EPS = 1e-3
_FAMILIES = ("pos", "neg", "outro", "spam", "sugestao", "duvida", "argument")


_ZIP_MAGIC = b"PK\x03\x04"  # a skops file is a zip archive
_TRUSTED = "alumusic.classification.learned.LearnedLayer"  # the only type of ours an artefact may hold


class ArtefactError(ValueError):
    """A stored artefact that is not a learned layer written by ``LearnedLayer.to_bytes``."""


@lru_cache(maxsize=1)
def _own_set() -> tuple[tuple[str, str], ...]:
    text = resources.files("alumusic.classification").joinpath(OWN_SET_FILE).read_text(encoding="utf-8")
    return tuple((row["texto"], row["categoria"]) for row in csv.DictReader(io.StringIO(text)))


def own_set() -> list[tuple[str, str]]:
    """The project's own labelled set, ``(texto, categoria)``, as shipped in the package."""
    return list(_own_set())


def _signal_vector(decision: Decision) -> list[float]:
    ev = decision.evidence
    return [*calibration_features(decision), *(min(getattr(ev, f), 3.0) / 3.0 for f in _FAMILIES),
            float(ev.music_target)]


def _cues(decision: Decision) -> dict[str, float]:
    return {f"{h.family}:{h.descricao}": 1.0 for h in decision.evidence.hits}


def _full_proba(model: Any, X: Any, classes: list[str]) -> np.ndarray:
    """``predict_proba`` over ``classes`` (a fold may lack a class: its column stays 0)."""
    out = np.zeros((X.shape[0], len(classes)))
    proba = model.predict_proba(X)
    for j, c in enumerate(model.classes_):
        out[:, classes.index(c)] = proba[:, j]
    return out


def _folds(y: np.ndarray, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified folds (a class rarer than the folds, a handful of DÚVIDA, is spread as it can)."""
    from sklearn.model_selection import KFold, StratifiedKFold

    n_splits = min(FOLDS, len(y))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        try:
            return list(StratifiedKFold(n_splits, shuffle=True, random_state=seed).split(np.zeros(len(y)), y))
        except ValueError:
            return list(KFold(n_splits, shuffle=True, random_state=seed).split(np.zeros(len(y))))


@dataclass
class LearnedLayer:
    """A trained learned layer (see the module docstring). Build with ``train``."""

    versao: str
    classes: list[str]
    char_vectorizer: Any
    word_vectorizer: Any
    cue_vectorizer: Any
    text_model: Any
    combiner: Any
    confidence: Any  # LogisticRegression on _confidence_features, or None (constant)
    constant_confidence: float
    n_base: int
    n_stream: int
    sklearn_version: str
    # Artefacts pickled before the field existed load with the class default: their confidence
    # step was fitted on the version-1 features and keeps reading those.
    confidence_features: int = 1

    # -- training ----------------------------------------------------------------------------
    @classmethod
    def train(cls, examples: Sequence[tuple[str, str]], *, versao: str, seed: int = 0,
              base: Sequence[tuple[str, str]] | None = None) -> LearnedLayer:
        """Train on ``examples`` (``(texto, categoria)`` labels of the stream: curators'
        corrections) plus ``base`` (default: the project's own labelled set, shipped with the
        package). Deterministic for a given ``seed``."""
        from threadpoolctl import threadpool_limits

        # Small sparse problems: BLAS threads only add contention (2 cores, parallel tasks).
        with threadpool_limits(limits=1):
            return cls._train(examples, versao=versao, seed=seed, base=base)

    @classmethod
    def _train(cls, examples: Sequence[tuple[str, str]], *, versao: str, seed: int,
               base: Sequence[tuple[str, str]] | None) -> LearnedLayer:
        import sklearn
        from scipy import sparse
        from sklearn.feature_extraction import DictVectorizer
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        if base is None:
            base = own_set()
        rows = [(t or "", str(c)) for t, c in base] + [(t or "", str(c)) for t, c in examples]
        unknown = {c for _, c in rows} - set(CATEGORIAS)
        if unknown:
            raise ValueError(f"unknown categories {sorted(unknown)}")
        if not rows:
            raise ValueError("nothing to train on")
        texts = [t for t, _ in rows]
        y = np.asarray([c for _, c in rows])
        stream = np.asarray([False] * len(base) + [True] * len(examples))
        classes = sorted(set(y.tolist()), key=CATEGORIAS.index)
        if len(classes) < 2:
            raise ValueError("the labels have a single category: nothing to learn")
        decisions = [decide(analyse(t)) for t in texts]

        char_vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True,
                                   strip_accents="unicode", lowercase=True, dtype=np.float32)
        word_vec = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"\S+",
                                   lowercase=False, dtype=np.float32)
        cue_vec = DictVectorizer(sparse=False)
        X_text = sparse.hstack([char_vec.fit_transform(texts),
                                word_vec.fit_transform([d.evidence.norm.canon for d in decisions])]).tocsr()
        cue_vec.fit([_cues(d) for d in decisions])

        w_text = np.where(stream, STREAM_WEIGHT, 1.0)

        def text_lr() -> LogisticRegression:
            return LogisticRegression(C=TEXT_C, max_iter=3000, tol=1e-3)

        folds = _folds(y, seed)
        text_oof = np.zeros((len(y), len(classes)))
        for tr, te in folds:
            if len(set(y[tr].tolist())) < 2:
                text_oof[te] = 1.0 / len(classes)
                continue
            text_oof[te] = _full_proba(text_lr().fit(X_text[tr], y[tr], sample_weight=w_text[tr]), X_text[te], classes)
        text_model = text_lr().fit(X_text, y, sample_weight=w_text)

        X_comb = cls._combiner_matrix(decisions, text_oof, cue_vec)
        w_comb = np.where(stream, 1.0, BASE_WEIGHT_COMBINER if stream.any() else 1.0)

        def comb_lr() -> LogisticRegression:
            return LogisticRegression(C=COMBINER_C, max_iter=5000)

        comb_oof = np.zeros((len(y), len(classes)))
        for tr, te in _folds(y, seed + 1):
            if len(set(y[tr].tolist())) < 2:
                comb_oof[te] = 1.0 / len(classes)
                continue
            comb_oof[te] = _full_proba(comb_lr().fit(X_comb[tr], y[tr], sample_weight=w_comb[tr]), X_comb[te], classes)
        combiner = comb_lr().fit(X_comb, y, sample_weight=w_comb)

        right = (np.asarray(classes)[comb_oof.argmax(1)] == y).astype(int)
        F = cls._confidence_matrix(comb_oof, decisions, classes, text_oof, CONFIDENCE_FEATURES)
        n_stream, n_base = int(stream.sum()), int((~stream).sum())
        w_conf = np.where(stream, 1.0, (BASE_MASS_CALIBRATION / n_base) if (n_base and n_stream) else 1.0)
        confidence, constant = None, float(np.average(right, weights=w_conf))
        if 0 < right.sum() < len(right):
            confidence = LogisticRegression(C=1.0, max_iter=5000).fit(F, right, sample_weight=w_conf)
        return cls(versao=versao, classes=classes, char_vectorizer=char_vec, word_vectorizer=word_vec,
                   cue_vectorizer=cue_vec, text_model=text_model, combiner=combiner, confidence=confidence,
                   constant_confidence=constant, n_base=n_base, n_stream=n_stream,
                   sklearn_version=sklearn.__version__, confidence_features=CONFIDENCE_FEATURES)

    # -- features ----------------------------------------------------------------------------
    @staticmethod
    def _combiner_matrix(decisions: Sequence[Decision], text_proba: np.ndarray, cue_vec: Any) -> np.ndarray:
        signals = np.asarray([_signal_vector(d) for d in decisions], dtype=float)
        cues = cue_vec.transform([_cues(d) for d in decisions]) * 0.5
        # log-probabilities mapped onto [0, 1]: 1 = certain, 0 = below _EPS
        text = np.log(np.clip(text_proba, _EPS, 1.0)) / math.log(1.0 / _EPS) + 1.0
        return np.hstack([signals, cues, text])

    @staticmethod
    def _confidence_matrix(proba: np.ndarray, decisions: Sequence[Decision], classes: list[str],
                           text_proba: np.ndarray, features: int = CONFIDENCE_FEATURES) -> np.ndarray:
        top = np.clip(proba.max(1), 1e-4, 1 - 1e-4)
        ordered = np.sort(proba, 1)
        margin = ordered[:, -1] - (ordered[:, -2] if proba.shape[1] > 1 else 0.0)
        chosen = np.asarray(classes)[proba.argmax(1)]
        agree = np.asarray([d.categoria for d in decisions]) == chosen
        flags = np.asarray([(d.signals.no_rule, d.signals.weak, d.signals.conflict) for d in decisions], dtype=float)
        columns = [np.log(top / (1 - top)), margin, agree, flags]
        if features >= 2:
            text_top = np.clip(text_proba.max(1), 1e-4, 1 - 1e-4)
            columns += [np.log(text_top / (1 - text_top)), text_proba.argmax(1) == proba.argmax(1)]
        return np.column_stack(columns)

    # -- prediction --------------------------------------------------------------------------
    def predict_many(self, texts: Sequence[str], decisions: Sequence[Decision] | None = None,
                     ) -> list[tuple[str, float]]:
        from scipy import sparse

        decisions = list(decisions) if decisions is not None else [decide(analyse(t or "")) for t in texts]
        X_text = sparse.hstack([self.char_vectorizer.transform([t or "" for t in texts]),
                                self.word_vectorizer.transform([d.evidence.norm.canon for d in decisions])]).tocsr()
        text_proba = _full_proba(self.text_model, X_text, self.classes)
        proba = _full_proba(self.combiner, self._combiner_matrix(decisions, text_proba, self.cue_vectorizer),
                            self.classes)
        chosen = [self.classes[i] for i in proba.argmax(1)]
        if self.confidence is None:
            conf = np.full(len(texts), self.constant_confidence)
        else:
            F = self._confidence_matrix(proba, decisions, self.classes, text_proba, self.confidence_features)
            conf = self.confidence.predict_proba(F)[:, 1]
        return [(c, float(min(0.99, max(0.02, p)))) for c, p in zip(chosen, conf, strict=True)]

    def predict_decision(self, texto: str, decision: Decision) -> tuple[str, float]:
        """(categoria, confianca) for ``texto`` whose rules' decision is ``decision``."""
        return self.predict_many([texto], [decision])[0]

    def predict(self, texto: str) -> tuple[str, float]:
        return self.predict_many([texto])[0]

    # -- persistence -------------------------------------------------------------------------
    def to_bytes(self) -> bytes:
        import zipfile

        import skops.io as sio

        return sio.dumps(self, compression=zipfile.ZIP_DEFLATED, compresslevel=6)

    @classmethod
    def from_bytes(cls, data: bytes) -> LearnedLayer:
        """Load an artefact written by ``to_bytes``. Raises ``ArtefactError`` for anything else: a
        pickle, a damaged file, or a skops file holding a type other than the trusted ones (see the
        module docstring). A model saved by another scikit-learn version still loads, with a warning."""
        import sklearn
        import skops.io as sio
        from skops.io.exceptions import UntrustedTypesFoundException

        if not data.startswith(_ZIP_MAGIC):
            raise ArtefactError("artefato não está no formato skops (um pickle não é carregado)")
        try:
            # loads refuses, before building anything, an archive naming a type outside skops'
            # defaults and _TRUSTED (one pass: get_untrusted_types first would parse it twice)
            layer = sio.loads(data, trusted=[_TRUSTED])
        except UntrustedTypesFoundException as exc:
            raise ArtefactError(f"artefato com tipos não confiáveis: {exc}") from exc
        except Exception as exc:  # a damaged or hand-made archive: refuse it, whatever broke
            raise ArtefactError(f"artefato ilegível: {type(exc).__name__}: {exc}") from exc
        if not isinstance(layer, cls):
            raise ArtefactError(f"not a LearnedLayer artefact: {type(layer).__name__}")
        if layer.sklearn_version != sklearn.__version__:
            warnings.warn(f"learned layer {layer.versao} was trained with scikit-learn {layer.sklearn_version}, "
                          f"running {sklearn.__version__}", RuntimeWarning, stacklevel=2)
        return layer
