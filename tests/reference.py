"""The reference engine as a test oracle: ``neuralogic_lite.reference`` runs the cases (their format is
described there), this module memoises the answers and names the shared datasets' pairings.

One ``run_reference`` call is one worker process and one JVM for the whole list: batch the cases of a
test module.
"""
from __future__ import annotations

import copy
import json
from typing import NamedTuple

from neuralogic_lite.reference import run_cases

from support import SHARED

_MEMO: dict[str, list[dict]] = {}


def run_reference(cases: list[dict], timeout: float = 1800) -> list[dict]:
    """Run ``cases`` on the reference in one worker process; results in case order.

    Identical case lists are answered from a per-session memo, so modules that ask the same question
    share one run.  Callers get copies and may modify them.
    """
    key = json.dumps(cases, sort_keys=True)
    if key not in _MEMO:
        _MEMO[key] = run_cases(cases, timeout)
    return copy.deepcopy(_MEMO[key])


class Entry(NamedTuple):
    """A suite case: paths relative to SHARED; ``queries`` None means labelled examples."""

    name: str
    template: str
    examples: str
    queries: str | None


X = "neural/xor/"
M = "relational/molecules/mutagenesis/"

# Every pairing of the shared datasets the reference can be asked about, including the ones it refuses
# (the expected answer is then its error).  Mutagenesis templates take examples.txt + queries.txt,
# template_older_vectorized also diffcheck/allQueries.txt (its head is finalKappa(a)); the diffcheck
# templates use diffcheck/examples2only.txt (b1.. bond facts); split files are labelled.
SUITE: list[Entry] = [
    Entry("debug_activations", "debug/activations/template.txt",
          "debug/activations/examples.txt", "debug/activations/queries.txt"),
    Entry("debug_drawing", "debug/drawing/template.txt",
          "debug/drawing/examples.txt", "debug/drawing/queries.txt"),
    Entry("debug_drawing_noquery", "debug/drawing/noquery/template.txt",
          "debug/drawing/noquery/examples.txt", None),
    Entry("debug_duplicitRules", "debug/duplicitRules/template.txt",
          "debug/duplicitRules/examples.txt", "debug/duplicitRules/queries.txt"),
    Entry("debug_duplicits", "debug/duplicits/template.txt",
          "debug/duplicits/examples.txt", "debug/duplicits/queries.txt"),
    Entry("debug_facts", "debug/facts/template.txt", "debug/facts/examples.txt", "debug/facts/queries.txt"),
    Entry("debug_leaves", "debug/leaves/template.txt", "debug/leaves/examples.txt", "debug/leaves/queries.txt"),
    Entry("debug_leaves_unstratified", "debug/leaves/template_unstratified.txt",
          "debug/leaves/examples.txt", "debug/leaves/queries.txt"),
    Entry("debug_min", "debug/min/template.txt", "debug/min/examples.txt", None),
    Entry("debug_negation_hard", "debug/negation_hard/template.txt", "debug/negation_hard/examples.txt", None),
    Entry("debug_negation_soft", "debug/negation_soft/template.txt", "debug/negation_soft/examples.txt", None),
    Entry("debug_pruning", "debug/pruning/template.txt",
          "debug/pruning/examples.txt", "debug/pruning/queries.txt"),
    Entry("debug_self_loops", "debug/self_loops/template.txt", "debug/self_loops/examples.txt", None),
    Entry("debug_transpose", "debug/transpose/template.txt",
          "debug/transpose/examples.txt", "debug/transpose/queries.txt"),
    Entry("debug_transpose2", "debug/transpose2/template.txt",
          "debug/transpose2/examples.txt", "debug/transpose2/queries.txt"),
    Entry("debug_typing", "debug/typing/template.txt", "debug/typing/examples.txt", "debug/typing/queries.txt"),
    Entry("simple_family", "simple/family/template.txt",
          "simple/family/trainExamples.txt", "simple/family/trainQueries.txt"),
    Entry("simple_mixed_weights", "simple/parsing/mixed_weights/template.txt",
          "simple/parsing/mixed_weights/trainExamples.txt", None),
    Entry("simple_parsing_queries_as_examples", "simple/parsing/template.txt",
          "simple/parsing/queries.txt", None),
    Entry("xor_naive", X + "naive/template.txt", X + "naive/trainExamples.txt", None),
    Entry("xor_vectorized", X + "vectorized/template.txt", X + "vectorized/trainExamples.txt", None),
    Entry("xor_sparse", X + "sparse/template.txt", X + "sparse/trainExamples.txt", None),
    Entry("xor_solution", X + "solution/template.txt", X + "solution/testExamples.txt", None),
    Entry("xor_multiclass", X + "multiclass/template.txt", X + "multiclass/trainExamples.txt", None),
    Entry("xor_multiclass3", X + "multiclass/template3.txt", X + "multiclass/trainExamples3.txt", None),
    Entry("xor_multiclass_template_vs_examples3", X + "multiclass/template.txt",
          X + "multiclass/trainExamples3.txt", None),
    Entry("xor_relational_debug", X + "relational_debug/template.txt",
          X + "relational_debug/examples.txt", X + "relational_debug/queries.txt"),
    Entry("xor_relational_debug2", X + "relational_debug2/template.txt",
          X + "relational_debug2/examples.txt", None),
    Entry("xor_relational_debug2_test", X + "relational_debug2/template.txt",
          X + "relational_debug2/testExamples.txt", None),
    Entry("trains", "relational/trains/template.txt",
          "relational/trains/examples.txt", "relational/trains/queries.txt"),
    Entry("trains_embeddings_only", "relational/trains/embeddings.txt",
          "relational/trains/examples.txt", "relational/trains/queries.txt"),
    Entry("mutagenesis_template", M + "templates/template.txt", M + "examples.txt", M + "queries.txt"),
    Entry("mutagenesis_template_gnn", M + "templates/template_gnn.txt", M + "examples.txt", M + "queries.txt"),
    Entry("mutagenesis_template_gnn2", M + "templates/template_gnn2.txt",
          M + "examples.txt", M + "queries.txt"),
    Entry("mutagenesis_template_graphlets", M + "templates/template_graphlets.txt",
          M + "examples.txt", M + "queries.txt"),
    Entry("mutagenesis_template_elementProduct", M + "templates/template_elementProduct.txt",
          M + "examples.txt", M + "queries.txt"),
    Entry("mutagenesis_template_product", M + "templates/template_product.txt",
          M + "examples.txt", M + "queries.txt"),
    Entry("mutagenesis_template_gnn_attention", M + "templates/template_gnn_attention.txt",
          M + "examples.txt", M + "queries.txt"),
    Entry("mutagenesis_template_cycle", M + "templates/template_cycle.txt",
          M + "examples.txt", M + "queries.txt"),
    Entry("mutagenesis_template_gnnW10", M + "templates/template_gnnW10.txt",
          M + "examples.txt", M + "queries.txt"),
    Entry("mutagenesis_template_older_vectorized", M + "templates/template_older_vectorized.txt",
          M + "examples.txt", M + "queries.txt"),
    Entry("mutagenesis_template_partial", M + "templates/template_partial.txt",
          M + "examples.txt", M + "queries.txt"),
    Entry("mutagenesis_embeddings", M + "templates/embeddings.txt", M + "examples.txt", M + "queries.txt"),
    Entry("mutagenesis_template_rings_gnn", M + "templates/template_rings_gnn.txt",
          M + "examples.txt", M + "queries.txt"),
    Entry("mutagenesis_template_gnn_splits_train", M + "templates/template_gnn.txt",
          M + "splits/trainExamples.txt", None),
    Entry("mutagenesis_template_gnn_splits_test", M + "templates/template_gnn.txt",
          M + "splits/testExamples.txt", None),
    Entry("mutagenesis_template_splits_train", M + "templates/template.txt",
          M + "splits/trainExamples.txt", None),
    Entry("diffcheck_template_examples2only", M + "diffcheck/template.txt",
          M + "diffcheck/examples2only.txt", None),
    Entry("diffcheck_template_vectorized_examples2only", M + "diffcheck/template_vectorized.txt",
          M + "diffcheck/examples2only.txt", None),
    Entry("diffcheck_template_allQueries", M + "diffcheck/template.txt",
          M + "examples.txt", M + "diffcheck/allQueries.txt"),
    Entry("diffcheck_template_vectorized_allQueries", M + "diffcheck/template_vectorized.txt",
          M + "examples.txt", M + "diffcheck/allQueries.txt"),
    Entry("molecules_atomEmbeddings3", "relational/molecules/atomEmbeddings3.txt",
          M + "examples.txt", M + "queries.txt"),
    Entry("mutagenesis_template_older_vectorized_allQueries", M + "templates/template_older_vectorized.txt",
          M + "examples.txt", M + "diffcheck/allQueries.txt"),
    Entry("simple_parsing_queries_as_examples_and_queries", "simple/parsing/template.txt",
          "simple/parsing/queries.txt", "simple/parsing/queries.txt"),
]
_BY_NAME = {entry.name: entry for entry in SUITE}


def suite_case(name: str, /, **overrides) -> dict:
    """The SUITE case ``name`` with absolute paths, iso and prune off, and ``overrides`` applied.

    ``name`` is positional-only so that a variant can be renamed: ``suite_case("xor_naive", name="x2")``.
    """
    entry = _BY_NAME[name]
    case = {"name": name, "template": str(SHARED / entry.template), "examples": str(SHARED / entry.examples),
            "queries": str(SHARED / entry.queries) if entry.queries else None, "iso": False, "prune": False}
    case.update(overrides)
    return case


def match_samples(ours: list[str], reference: list[str]) -> list[tuple[int, int]]:
    """Pair our samples with the reference's: ``[(our index, reference index), ...]`` in our order.

    The reference orders the samples of a variable query (one per matched head) in an engine-internal
    way, so samples are paired by query literal text (whitespace ignored; repeated literals pair up in
    order of appearance).  Whatever is left unpaired on both sides is paired by position among the
    leftovers; extra samples on either side stay unpaired, so callers should also compare the lengths.
    """
    waiting: dict[str, list[int]] = {}
    for j, text in enumerate(reference):
        waiting.setdefault(_norm(text), []).append(j)
    pairs, left_ours = {}, []
    for i, text in enumerate(ours):
        queue = waiting.get(_norm(text))
        if queue:
            pairs[i] = queue.pop(0)
        else:
            left_ours.append(i)
    left_reference = sorted(j for queue in waiting.values() for j in queue)
    pairs.update(zip(left_ours, left_reference))
    return sorted(pairs.items())


def _norm(text: str) -> str:
    return "".join(text.split())
