"""MELO (Dutch subsets): link 2,605 Dutch job titles to ESCO occupations, in Dutch (nl->nl)
and English (nl->en), through TalentMesh's normalisation path.

Each corpus is imported as its own taxonomy (surface forms grouped into concepts by
concept_mapping.tsv); nothing else (no bundled ESCO labels, no URIs) helps a query. Prints
concept-level MRR (= MAP here: one relevant concept per query), Accuracy@1 and Recall@10,
beside a char n-gram TF-IDF baseline computed in the same run and the published MRR of the
MELO authors' runs (measured on surface forms, where MRR is nearly the same figure).

    .venv/bin/python -m bench.eval_melo [--model NAME] [--sets nld_q_nl_c_nl,nld_q_nl_c_en]
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
    group,
    import_corpus,
    machine,
    published,
    rank_with_service,
    read_tsv,
)
from matching.embeddings.encoder import load_encoder
from runtime.settings import Settings

SETS = ("nld_q_nl_c_nl", "nld_q_nl_c_en")
SHOWN_BASELINES = ("char_tf_idf", "bm25", "muse_cnn", "me5", "bge_m3", "e5", "openai")


def load_set(name: str) -> tuple[dict[str, list[str]], dict[str, str], dict[str, set[str]]]:
    root = SHARED / "eval" / "melo_nld" / name
    concept_of = {row[0]: row[1] for row in read_tsv(root / "concept_mapping.tsv")}
    forms = group([(concept_of[row[0]], row[1]) for row in read_tsv(root / "corpus_elements.tsv")])
    queries = {row[0]: row[1] for row in read_tsv(root / "queries.tsv")}
    qrels: dict[str, set[str]] = {}
    for qid, _, form, relevance in read_tsv(root / "annotations.tsv"):
        if int(relevance) > 0:
            qrels.setdefault(qid, set()).add(concept_of[form])
    return forms, queries, qrels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=Settings.model_fields["embedding_model"].default)
    parser.add_argument("--sets", default=",".join(SETS))
    args = parser.parse_args()
    encoder = load_encoder(args.model)
    print(f"# MELO concept-level evaluation, {dt.date.today()}, {machine()}, model {args.model}")
    with database() as factory:
        for name in args.sets.split(","):
            forms, queries, qrels = load_set(name)
            lang = name.rsplit("_", 1)[-1]
            import_corpus(factory, f"melo-{name}", lang, forms)
            run, seconds = rank_with_service(factory, f"melo-{name}", queries, encoder)
            ours = evaluate(run, qrels)
            baseline = evaluate(char_tfidf_run(forms, queries), qrels)
            print(f"\n## {name}: {len(queries)} queries, {len(forms)} concepts")
            print("| system | MRR | Acc@1 | R@10 |")
            print("| --- | --- | --- | --- |")
            print(
                f"| TalentMesh | {ours.mrr:.3f} | {ours.accuracy_at_1:.3f} "
                f"| {ours.recall_at_10:.3f} |"
            )
            print(
                f"| char TF-IDF (this run) | {baseline.mrr:.3f} | {baseline.accuracy_at_1:.3f} "
                f"| {baseline.recall_at_10:.3f} |"
            )
            print(
                f"ratio to char TF-IDF: {ours.mrr / baseline.mrr:.2f}x; "
                f"{seconds * 1000:.1f} ms/query including the index build"
            )
            print(
                "published MRR (surface forms):",
                ", ".join(
                    f"{model} {values['recip_rank']:.3f}"
                    for model, values in published(name).items()
                    if model in SHOWN_BASELINES
                ),
            )


if __name__ == "__main__":
    main()
