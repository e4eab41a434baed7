"""What the lifting tests share: the suite entries our pipeline builds, and their samples."""
from __future__ import annotations

from reference import SUITE

from neuralogic_lite import load_samples

# Suite entries our pipeline refuses (with an error the grounding or parsing tests cover).
REFUSED = {
    "debug_drawing_noquery", "debug_leaves_unstratified", "debug_transpose", "debug_transpose2",
    "simple_parsing_queries_as_examples", "simple_parsing_queries_as_examples_and_queries", "trains_embeddings_only",
    "mutagenesis_template_older_vectorized", "mutagenesis_template_partial", "mutagenesis_embeddings",
    "diffcheck_template_allQueries", "diffcheck_template_vectorized_allQueries", "molecules_atomEmbeddings3",
}
BUILT = [entry for entry in SUITE if entry.name not in REFUSED]
MUTAGENESIS = "relational/molecules/mutagenesis/"


def samples_of(shared, entry):
    return load_samples(shared / entry.examples, shared / entry.queries if entry.queries else None)
