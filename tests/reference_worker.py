"""Run cases on the reference engine (PyNeuraLogic 0.9.2 + Java NeuraLogic) and print the results as JSON.

Started by ``reference.run_reference`` as ``python reference_worker.py`` with a JSON list of cases on stdin;
writes one JSON list of results to stdout.  It is a separate process because the JVM behind the reference
can be started only once per process and never restarted: one worker runs a whole batch of cases in one
JVM, and the test process never loads Java at all.

Every case gets a fresh ``Model``, a fresh optimizer object (PyNeuraLogic's default ``Adam()`` is one shared
instance), the random generator re-seeded right before ``model.build`` (the generator is process-global,
so without the re-seed a case would continue the previous case's stream), and a clean ``./target`` (the
engine writes exports there).  The working directory itself is one temporary directory for the whole
process, entered before the JVM starts: Java caches ``user.dir`` at startup and creates directories
against it while it opens files against the OS working directory, so a ``chdir`` per case makes it fail
(NullPointerException in ``TextExporter``).  A case the reference refuses gets an ``"error"`` and keeps
whatever was computed before the failure.  The case format is described in ``reference.py``.
"""
from __future__ import annotations

import io
import json
import os
import re
import shutil
import sys
import tempfile
import time

# The JSON answer is the only thing allowed on stdout, so keep the real stdout aside and point fd 1 (the
# JVM's System.out, stray prints) at stderr.  The Java log is silenced too, before anything else loads.
_ANSWER = os.fdopen(os.dup(1), "w")
os.dup2(2, 1)
sys.stdout = sys.stderr
WORKDIR = tempfile.mkdtemp(prefix="nlite_ref_")
os.chdir(WORKDIR)

from neuralogic.logging import Level, add_handler  # noqa: E402

add_handler(io.StringIO(), Level.OFF)

import jpype  # noqa: E402
import neuralogic  # noqa: E402
from neuralogic.core import Model, Settings  # noqa: E402
from neuralogic.dataset import FileDataset  # noqa: E402
from neuralogic.nn.init import Constant, Glorot, Uniform  # noqa: E402
from neuralogic.nn.loss import MSE, CrossEntropy, SoftEntropy  # noqa: E402
from neuralogic.nn.optim import SGD, Adam  # noqa: E402

if not neuralogic.is_initialized():
    neuralogic.initialize()
JAVA_SETTINGS = jpype.JClass("cz.cvut.fel.ida.setup.Settings")
ENUM_TEXT = re.compile(r"^([A-Z]\w*)\.([A-Z][A-Z0-9_]*)$")
SAMPLE_ID_PREFIX = re.compile(r"^s_\d+:")


def plain(value):
    """JSON-able form of a reference value (floats, lists, numpy arrays)."""
    return value.tolist() if hasattr(value, "tolist") else value


def java_value(value):
    """``"TransformationFcn.SIGMOID"`` -> the enum constant nested in the Java Settings class; else as is."""
    match = ENUM_TEXT.match(value) if isinstance(value, str) else None
    if match and hasattr(JAVA_SETTINGS, match.group(1)):
        return getattr(getattr(JAVA_SETTINGS, match.group(1)), match.group(2))
    return value


def make_settings(case: dict) -> Settings:
    opt = case.get("optimizer", {})
    kind, lr = opt.get("kind", "sgd"), opt.get("lr", 0.1)
    optimizer = {"sgd": SGD, "adam": Adam}[kind](lr=lr)
    init = case.get("init", {})
    initializer = {
        "uniform": Uniform,
        "glorot": Glorot,
        "constant": lambda: Constant(init.get("value", 0.1)),
    }[init.get("kind", "uniform")]()
    loss = {
        "mse": MSE,
        "softentropy": SoftEntropy,
        "crossentropy": lambda: CrossEntropy(with_logits=False),
    }[case.get("loss", "mse")]()
    settings = Settings(optimizer=optimizer, initializer=initializer, error_function=loss,
                        iso_value_compression=bool(case.get("iso", False)),
                        chain_pruning=bool(case.get("prune", False)))
    java = {}
    if "iso_decimals" in case:
        java["isoDecimals"] = case["iso_decimals"]
    if "iso_inits" in case:
        java["isoValueInits"] = case["iso_inits"]
    activation = case.get("activation") or {}
    if "atom" in activation:
        java["atomNeuronTransformation"] = "TransformationFcn." + activation["atom"]
    if "rule" in activation:
        java["ruleNeuronTransformation"] = "TransformationFcn." + activation["rule"]
    java.update(case.get("java") or {})
    for field, value in java.items():
        settings[field] = java_value(value)
    return settings


def load_weights(model, weights: dict) -> None:
    """Set weights by index: learnable ones through ``load_state_dict``, fixed ones through the fixed dict."""
    state = model.state_dict()
    fixed = {}
    for key, value in weights.items():
        if int(key) in state["weights"]:
            state["weights"][int(key)] = value
        else:
            fixed[int(key)] = value
    model.load_state_dict(state)
    if fixed:
        model.load_fixed_state_dict({"weights": fixed})


def query_text(java_sample) -> str:
    """The sample's query literal: the query neuron's name, else (no neuron) the query as the sample id holds it."""
    neuron = java_sample.query.neuron
    if neuron is not None:
        return str(neuron.getName())
    return SAMPLE_ID_PREFIX.sub("", str(java_sample.query.ID))


def neuron_count(java_sample) -> int:
    evidence = java_sample.query.evidence
    return int(evidence.getNeuronCount()) if evidence is not None else 0


def describe(error: Exception) -> str:
    """``"ExceptionType: message"``, with a Java exception's short class name and its own message."""
    kind = type(error).__name__.rsplit(".", 1)[-1]
    message = error.getMessage() if isinstance(error, jpype.JException) else None
    return f"{kind}: {str(message if message is not None else error)[:500]}"


def run(case: dict, out: dict) -> None:
    """Fill ``out`` step by step, so a failure late in the case keeps what came before it."""
    t0 = time.perf_counter()
    settings = make_settings(case)
    model = Model(model_file=case["template"])
    neuralogic.manual_seed(int(case.get("seed", 0)))
    model.build(settings)
    if case.get("weights"):
        load_weights(model, case["weights"])
    if case.get("queries"):
        dataset = FileDataset(examples_file=case["examples"], queries_file=case["queries"])
    else:
        dataset = FileDataset(examples_file=case["examples"])
    built = model.build_dataset(dataset, batch_size=int(case.get("batch_size", 1)))
    out["seconds"]["build"] = time.perf_counter() - t0
    samples = [s._java_sample for s in built]
    out["queries"] = [query_text(s) for s in samples]
    out["query_neuron"] = [s.query.neuron is not None for s in samples]
    out["targets"] = [plain(s.target) for s in built]
    out["neurons"] = [neuron_count(s) for s in samples]
    out["weights"] = {str(k): plain(v) for k, v in model.state_dict()["weights"].items()}
    out["outputs"] = [plain(o) for o in model.test(built)]
    if case.get("epochs") is None:
        return
    t0 = time.perf_counter()
    out["trajectory"] = []
    try:
        for _ in range(int(case["epochs"])):
            model.train(built, 1)
            out["trajectory"].append([plain(o) for o in model.test(built)])
    finally:
        out["seconds"]["train"] = time.perf_counter() - t0
        out["final_weights"] = {str(k): plain(v) for k, v in model.state_dict()["weights"].items()}


def main() -> None:
    cases = json.load(sys.stdin)
    results = []
    try:
        for case in cases:
            out = {"name": case.get("name"), "error": None, "seconds": {"build": None, "train": 0.0}}
            try:
                run(case, out)
            except Exception as e:  # the reference refusing a case is a result, not a crash
                out["error"] = describe(e)
            finally:
                shutil.rmtree(os.path.join(WORKDIR, "target"), ignore_errors=True)
            results.append(out)
    finally:
        shutil.rmtree(WORKDIR, ignore_errors=True)
    json.dump(results, _ANSWER)
    _ANSWER.flush()


if __name__ == "__main__":
    main()
