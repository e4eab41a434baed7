"""neuralogic_lite: learning with weighted logic programs (NeuraLogic templates) in Python."""
from .errors import NeuraLogicLiteError
from .language import load_samples, load_template, parse_samples, parse_template

__version__ = "0.1.0"

__all__ = ["NeuraLogicLiteError", "load_samples", "load_template", "parse_samples", "parse_template", "__version__"]
