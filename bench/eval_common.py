"""Shared parts of the taxonomy-linking evaluations: a throw-away embedded database, corpus
import through the taxonomy service, ranking through the normalisation service, metrics, and
the char n-gram TF-IDF baseline computed in the same run."""

from __future__ import annotations

import csv
import platform
import shutil
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sqlalchemy.orm import Session, sessionmaker

from matching.embeddings.encoder import Encoder
from matching.taxonomy.normalize import normalize
from matching.taxonomy.service import ImportConcept, import_concepts
from models.db import make_engine, make_session_factory, transaction
from runtime.embedded import start_embedded_postgres
from runtime.migrate import upgrade_to_head

SHARED = Path(__file__).resolve().parents[2] / "shared"
Run = dict[str, list[str]]  # query id -> concept ids, best first
Qrels = dict[str, set[str]]  # query id -> relevant concept ids


def read_tsv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        return [row for row in csv.reader(stream, delimiter="\t", quoting=csv.QUOTE_NONE) if row]


@contextmanager
def database() -> Iterator[sessionmaker[Session]]:
    """A fresh embedded PostgreSQL with the schema, removed afterwards."""
    directory = Path(tempfile.mkdtemp(prefix="talentmesh-eval-"))
    postgres = start_embedded_postgres(directory)
    engine = make_engine(postgres.url, pool_size=2)
    try:
        upgrade_to_head(engine)
        yield make_session_factory(engine)
    finally:
        engine.dispose()
        postgres.release()
        shutil.rmtree(directory, ignore_errors=True)


def import_corpus(
    factory: sessionmaker[Session], name: str, lang: str, forms: Mapping[str, Sequence[str]]
) -> None:
    """Each concept with its surface forms as labels, as `talentmesh taxonomy import` would."""
    concepts = (
        ImportConcept(uri=uri, kind="occupation", preferred=texts[0], alt=list(texts[1:]))
        for uri, texts in forms.items()
    )
    with transaction(factory) as session:
        import_concepts(session, name, lang, concepts)


def rank_with_service(
    factory: sessionmaker[Session],
    name: str,
    queries: Mapping[str, str],
    encoder: Encoder | None,
    top: int = 100,
) -> tuple[Run, float]:
    """Rank through the normalisation service; returns the run and seconds per query (the
    first batch also builds the index and embeds the labels, which is included)."""
    ids = list(queries)
    run: Run = {}
    started = time.perf_counter()
    with transaction(factory) as session:
        for start in range(0, len(ids), 256):
            batch = ids[start : start + 256]
            ranked, _ = normalize(
                session, name, "occupation", [queries[q] for q in batch], top, encoder
            )
            for qid, concepts in zip(batch, ranked, strict=True):
                run[qid] = [c.uri for c in concepts]
    return run, (time.perf_counter() - started) / max(1, len(ids))


def char_tfidf_run(
    forms: Mapping[str, Sequence[str]], queries: Mapping[str, str], top: int = 100
) -> Run:
    """The MELO paper's char TF-IDF baseline: char_wb 2-4 grams, a concept scored by its best
    surface form."""
    texts: list[str] = []
    owners: list[str] = []
    for uri, surface in forms.items():
        texts += list(surface)
        owners += [uri] * len(surface)
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4))
    matrix = vectorizer.fit_transform(texts)
    concept_ids = sorted(set(owners))
    column = {uri: i for i, uri in enumerate(concept_ids)}
    owner_index = np.asarray([column[o] for o in owners])
    ids = list(queries)
    run: Run = {}
    for start in range(0, len(ids), 512):
        batch = ids[start : start + 512]
        sims = (vectorizer.transform([queries[q] for q in batch]) @ matrix.T).toarray()
        best = np.zeros((len(batch), len(concept_ids)))
        np.maximum.at(best.T, owner_index, sims.T)
        for row, qid in enumerate(batch):
            order = np.argsort(-best[row], kind="stable")[:top]
            run[qid] = [concept_ids[i] for i in order if best[row, i] > 0]
    return run


@dataclass(frozen=True)
class Metrics:
    mrr: float
    map: float
    accuracy_at_1: float
    recall_at_10: float


def evaluate(run: Run, qrels: Qrels) -> Metrics:
    rr, ap, acc, rec = [], [], [], []
    for qid, relevant in qrels.items():
        ranking = run.get(qid, [])
        hits = [i for i, c in enumerate(ranking) if c in relevant]
        rr.append(1.0 / (hits[0] + 1) if hits else 0.0)
        precisions = [(n + 1) / (i + 1) for n, i in enumerate(hits)]
        ap.append(sum(precisions) / len(relevant) if relevant else 0.0)
        acc.append(1.0 if hits and hits[0] == 0 else 0.0)
        rec.append(len([i for i in hits if i < 10]) / len(relevant) if relevant else 0.0)
    return Metrics(*(float(np.mean(x)) for x in (rr, ap, acc, rec)))


def published(set_name: str) -> dict[str, dict[str, float]]:
    """trec_eval summaries of the MELO authors' runs (surface-form level)."""
    out: dict[str, dict[str, float]] = {}
    root = SHARED / "eval" / "melo_nld" / "published_baselines"
    for path in sorted(root.glob(f"*/{set_name}.tsv")):
        values = {row[0]: float(row[1]) for row in read_tsv(path)[1:]}
        out[path.parent.name] = values
    return out


def machine() -> str:
    import os

    cpus = os.cpu_count()
    return f"{platform.machine()}, {cpus} CPUs, Python {platform.python_version()}"


def group(pairs: Sequence[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for key, value in pairs:
        grouped[key].append(value)
    return dict(grouped)
