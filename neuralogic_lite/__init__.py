"""neuralogic_lite: learning with weighted logic programs (NeuraLogic templates) in Python.

    import neuralogic_lite as nl
    model = nl.Model.from_file("templates/gcn.txt", nl.profile("neuralogic", epochs=20))
    model.fit(nl.load_samples("datasets/molecules/examples.txt"))
"""
from .builder import C, R, V, template
from .errors import NeuraLogicLiteError
from .language import load_samples, load_template, parse_samples, parse_template
from .settings import Settings, profile

__version__ = "0.1.0"


def __getattr__(name: str):
    # The model pulls in numba and the kernels; load it when first asked for, not on import.
    if name == "Model":
        from .model import Model
        return Model
    raise AttributeError(f"module 'neuralogic_lite' has no attribute {name!r}")


__all__ = ["C", "Model", "NeuraLogicLiteError", "R", "Settings", "V", "load_samples", "load_template",
           "parse_samples", "parse_template", "profile", "template", "__version__"]
