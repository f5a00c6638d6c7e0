"""Job-title similarity (English): rank 2,619 job titles for 105 query titles through
TalentMesh's normalisation path, each corpus title its own concept. Prints MAP and MRR beside
a char n-gram TF-IDF baseline computed in the same run.

    .venv/bin/python -m bench.eval_jobtitles [--model NAME]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.eval_common import (
    SHARED,
    char_tfidf_run,
    database,
    evaluate,
    import_corpus,
    machine,
    rank_with_service,
    read_tsv,
)
from matching.embeddings.encoder import load_encoder
from runtime.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=Settings.model_fields["embedding_model"].default)
    parser.add_argument("--lang", default="en", choices=["en", "nl"])
    args = parser.parse_args()
    root = SHARED / "eval" / "jobtitle_similarity" / args.lang
    forms = {row[0]: [row[1]] for row in read_tsv(root / "corpus_documents.tsv")}
    queries = {row[0]: row[1] for row in read_tsv(root / "queries.tsv")}
    qrels: dict[str, set[str]] = {}
    for qid, _, doc, relevance in read_tsv(root / "annotations.tsv"):
        if int(relevance) > 0:
            qrels.setdefault(qid, set()).add(doc)
    encoder = load_encoder(args.model)
    print(
        f"# Job-title similarity ({args.lang}), {dt.date.today()}, {machine()}, model {args.model}"
    )
    with database() as factory:
        import_corpus(factory, f"jobtitles-{args.lang}", args.lang, forms)
        run, seconds = rank_with_service(
            factory, f"jobtitles-{args.lang}", queries, encoder, top=len(forms)
        )
    ours = evaluate(run, qrels)
    baseline = evaluate(char_tfidf_run(forms, queries, top=len(forms)), qrels)
    print(f"{len(queries)} queries, {len(forms)} titles")
    print("| system | MAP | MRR |")
    print("| --- | --- | --- |")
    print(f"| TalentMesh | {ours.map:.3f} | {ours.mrr:.3f} |")
    print(f"| char TF-IDF (this run) | {baseline.map:.3f} | {baseline.mrr:.3f} |")
    print(
        f"ratio to char TF-IDF (MAP): {ours.map / baseline.map:.2f}x; {seconds * 1000:.1f} ms/query"
    )


if __name__ == "__main__":
    main()
