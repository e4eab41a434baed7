"""Stage 1, parse: NeuraLogic text to the immutable IR (the only package that imports lark)."""
from .ir import (
                 Constant,
                 Example,
                 Fact,
                 Literal,
                 Metadata,
                 Negation,
                 PredicateMetadata,
                 PredicateOffset,
                 Query,
                 Rule,
                 Sample,
                 Template,
                 TemplateMetadata,
                 Value,
                 ValueKind,
                 Variable,
                 Weight,
                 WeightMetadata,
)
from .samples import load_samples, parse_samples
from .sources import StandardFiles, standard_files
from .template import load_template, parse_statements_file, parse_template

__all__ = ["Constant", "Example", "Fact", "Literal", "Metadata", "Negation", "PredicateMetadata", "PredicateOffset",
           "Query", "Rule", "Sample", "StandardFiles", "Template", "TemplateMetadata", "Value", "ValueKind",
           "Variable", "Weight", "WeightMetadata", "load_samples", "load_template", "parse_statements_file",
           "parse_samples",
           "parse_template", "standard_files"]
