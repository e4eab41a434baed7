"""The reference engine (PyNeuraLogic 0.9.2 + Java NeuraLogic), driven in a child process.

``run_cases`` starts this module as a worker (``python -m neuralogic_lite.reference``, with this
interpreter and this copy of the package), hands it a JSON list of cases on stdin and reads one
JSON list of results from its stdout.  The worker is a separate process because the JVM behind
the reference starts once per process and cannot be restarted, and so that the caller never
loads Java: one call is one fresh JVM for the whole list.  ``crosscheck``, the benchmarks and
the oracle tests all drive the reference through it (needs the ``oracle`` extra and Java 17).

A case is a dict (only the first three keys are required)::

    name                  echoed back
    template, examples    absolute paths
    queries               absolute path or None (labelled examples)
    iso, prune            iso value compression, chain pruning (default False, unlike PyNeuraLogic)
    iso_decimals, iso_inits          the Java settings isoDecimals, isoValueInits
    activation            {"atom": "SIGMOID", "rule": "TANH"}: Java TransformationFcn names
                          (default: PyNeuraLogic's, identity)
    init                  {"kind": "uniform"} | {"kind": "constant", "value": 0.1} | {"kind": "glorot"}
    seed                  default 0, set right before model.build
    optimizer             {"kind": "sgd" | "adam", "lr": float}, default sgd 0.1
    loss                  "mse" | "softentropy" | "crossentropy" (no logits), default mse
    java                  {javaFieldName: value}; "Enum.NAME" strings name enums nested in Java Settings
    weights               {index: value} loaded after the build, before evaluating
    batch_size            default 1
    builds                build the model and the dataset this many times (default 1), to time them
    test                  evaluate the built samples (default True)
    epochs                train this many times (calls of ``chunk`` epochs, default 1) after
                          ``warmup`` untimed calls (default 0), recording the outputs after each
                          call unless ``trajectory`` is False

A result is a dict: ``name``; ``error`` (None, or "ExceptionType: message" when the reference refused the
case; then only what was computed before the failure is present); per built sample ``queries`` (the query
literal, e.g. "layer(2, 1)"), ``query_neuron`` (whether the sample has a query neuron), ``targets``,
``neurons`` (the sample network's getNeuronCount(), as the reference reports it), ``outputs``; ``weights``
(the learnable weights by index, as str keys); with ``epochs``: ``trajectory`` and ``final_weights``;
``seconds``: ``template`` (the last model build), ``build`` (each dataset build), ``test``, ``epoch``
(each timed call divided by ``chunk``); ``rss_base_mb`` (resident memory after the imports and the JVM
start) and ``rss_peak_mb`` (the process's peak so far, ``VmHWM``, which includes the JVM's heap since
JPype runs it in-process); None where ``/proc`` is missing.

Every case gets a fresh ``Model`` and optimizer object (PyNeuraLogic's default ``Adam()`` is one shared
instance), the random generator re-seeded right before ``model.build`` (it is process-global, so without
the re-seed a case would continue the previous case's stream), and a clean ``./target`` (the engine writes
exports there).  The working directory is one temporary directory for the whole worker, entered before
the JVM starts: Java caches ``user.dir`` at startup and creates directories against it while it opens
files against the OS working directory, so a ``chdir`` per case makes it fail (NullPointerException in
``TextExporter``).
"""
from __future__ import annotations

import importlib.util
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .errors import ReferenceEngineError

#: the worker's command line; its package root goes first on PYTHONPATH, so it runs this very code
WORKER = (sys.executable, "-m", "neuralogic_lite.reference")
_ROOT = Path(__file__).resolve().parent.parent
_ENUM_TEXT = re.compile(r"^([A-Z]\w*)\.([A-Z][A-Z0-9_]*)$")
_SAMPLE_ID_PREFIX = re.compile(r"^s_\d+:")


def available() -> bool:
    """Whether the reference engine (the ``oracle`` extra) is installed."""
    return importlib.util.find_spec("neuralogic") is not None


def run_cases(cases: list[dict], timeout: float = 1800) -> list[dict]:
    """Run ``cases`` on the reference in one worker process (one JVM); results in case order.
    A case the reference refuses is a result with an ``error``; a worker that fails raises
    ``ReferenceEngineError`` with the end of its stderr."""
    if not available():
        raise ReferenceEngineError("the reference engine is not installed: pip install 'neuralogic_lite[oracle]' "
                                   "(it needs Java 17)")
    path = os.pathsep.join(filter(None, [str(_ROOT), os.environ.get("PYTHONPATH")]))
    with tempfile.TemporaryDirectory(prefix="nlite_ref_") as cwd:
        try:
            proc = subprocess.run(WORKER, input=json.dumps(cases), capture_output=True, text=True, cwd=cwd,
                                  timeout=timeout, env={**os.environ, "PYTHONPATH": path})
        except subprocess.TimeoutExpired as e:
            raise ReferenceEngineError(f"the reference engine timed out after {timeout} s on {len(cases)} "
                                       f"case(s)\n--- stderr tail ---\n{_tail(e.stderr)}") from None
    try:
        results = json.loads(proc.stdout) if proc.returncode == 0 else None
    except json.JSONDecodeError:
        results = None
    if not isinstance(results, list) or len(results) != len(cases):
        raise ReferenceEngineError(f"the reference engine failed (exit code {proc.returncode})"
                                   f"\n--- stderr tail ---\n{_tail(proc.stderr)}")
    return results


def _tail(text: str | bytes | None, size: int = 4000) -> str:
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    return (text or "")[-size:]


# ----------------------------------------------------------------------------- the worker (child process)
def _serve() -> None:
    """Run the cases on stdin, write the results to stdout.  The JSON answer is the only thing
    allowed there, so the real stdout is kept aside and fd 1 (the JVM's System.out, stray
    prints) points at stderr; the Java log is silenced before anything else loads."""
    answer = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    workdir = tempfile.mkdtemp(prefix="nlite_ref_")
    os.chdir(workdir)
    from neuralogic.logging import Level, add_handler
    add_handler(io.StringIO(), Level.OFF)
    import neuralogic
    import neuralogic.core  # noqa: F401 (the engine's modules load before the JVM starts)
    import neuralogic.dataset  # noqa: F401
    if not neuralogic.is_initialized():
        neuralogic.initialize()
    base = _rss_mb()
    cases = json.load(sys.stdin)
    results = []
    try:
        for case in cases:
            out = {"name": case.get("name"), "error": None, "rss_base_mb": base,
                   "seconds": {"template": None, "build": [], "test": None, "epoch": []}}
            try:
                _run(case, out)
            except Exception as e:  # the reference refusing a case is a result, not a crash
                out["error"] = _describe(e)
            finally:
                shutil.rmtree(os.path.join(workdir, "target"), ignore_errors=True)
                out["rss_peak_mb"] = _peak_mb()
            results.append(out)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    json.dump(results, answer)
    answer.flush()


def _run(case: dict, out: dict) -> None:
    """Fill ``out`` step by step, so a failure late in the case keeps what came before it."""
    import neuralogic
    from neuralogic.core import Model
    from neuralogic.dataset import FileDataset
    seconds = out["seconds"]
    for _ in range(int(case.get("builds", 1))):
        t0 = time.perf_counter()
        model = Model(model_file=case["template"])
        neuralogic.manual_seed(int(case.get("seed", 0)))
        model.build(_settings(case))
        seconds["template"] = time.perf_counter() - t0
        if case.get("weights"):
            _load_weights(model, case["weights"])
        if case.get("queries"):
            dataset = FileDataset(examples_file=case["examples"], queries_file=case["queries"])
        else:
            dataset = FileDataset(examples_file=case["examples"])
        t0 = time.perf_counter()
        built = model.build_dataset(dataset, batch_size=int(case.get("batch_size", 1)))
        seconds["build"].append(time.perf_counter() - t0)
    samples = [s._java_sample for s in built]
    out["queries"] = [_query_text(s) for s in samples]
    out["query_neuron"] = [s.query.neuron is not None for s in samples]
    out["targets"] = [_plain(s.target) for s in built]
    out["neurons"] = [_neuron_count(s) for s in samples]
    out["weights"] = {str(k): _plain(v) for k, v in model.state_dict()["weights"].items()}
    if case.get("test", True):
        t0 = time.perf_counter()
        outputs = model.test(built)
        seconds["test"] = time.perf_counter() - t0
        out["outputs"] = [_plain(o) for o in outputs]
    if case.get("epochs") is None:
        return
    chunk, trajectory = int(case.get("chunk", 1)), case.get("trajectory", True)
    for _ in range(int(case.get("warmup", 0))):
        model.train(built, chunk)
    if trajectory:
        out["trajectory"] = []
    try:
        for _ in range(int(case["epochs"])):
            t0 = time.perf_counter()
            model.train(built, chunk)
            seconds["epoch"].append((time.perf_counter() - t0) / chunk)
            if trajectory:
                out["trajectory"].append([_plain(o) for o in model.test(built)])
    finally:
        out["final_weights"] = {str(k): _plain(v) for k, v in model.state_dict()["weights"].items()}


def _settings(case: dict):
    from neuralogic.core import Settings
    from neuralogic.nn.init import Constant, Glorot, Uniform
    from neuralogic.nn.loss import MSE, CrossEntropy, SoftEntropy
    from neuralogic.nn.optim import SGD, Adam
    opt = case.get("optimizer", {})
    optimizer = {"sgd": SGD, "adam": Adam}[opt.get("kind", "sgd")](lr=opt.get("lr", 0.1))
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
        settings[field] = _java_value(value)
    return settings


def _java_value(value):
    """``"TransformationFcn.SIGMOID"`` -> the enum constant nested in the Java Settings class; else as is."""
    import jpype
    java_settings = jpype.JClass("cz.cvut.fel.ida.setup.Settings")
    match = _ENUM_TEXT.match(value) if isinstance(value, str) else None
    if match and hasattr(java_settings, match.group(1)):
        return getattr(getattr(java_settings, match.group(1)), match.group(2))
    return value


def _load_weights(model, weights: dict) -> None:
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


def _plain(value):
    """JSON-able form of a reference value (floats, lists, numpy arrays)."""
    return value.tolist() if hasattr(value, "tolist") else value


def _query_text(java_sample) -> str:
    """The sample's query literal: the query neuron's name, else (no neuron) the query as the sample id holds it."""
    neuron = java_sample.query.neuron
    if neuron is not None:
        return str(neuron.getName())
    return _SAMPLE_ID_PREFIX.sub("", str(java_sample.query.ID))


def _neuron_count(java_sample) -> int:
    evidence = java_sample.query.evidence
    return int(evidence.getNeuronCount()) if evidence is not None else 0


def _describe(error: Exception) -> str:
    """``"ExceptionType: message"``, with a Java exception's short class name and its own message."""
    import jpype
    kind = type(error).__name__.rsplit(".", 1)[-1]
    message = error.getMessage() if isinstance(error, jpype.JException) else None
    return f"{kind}: {str(message if message is not None else error)[:500]}"


def _rss_mb() -> float | None:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return None


def _peak_mb() -> float | None:
    """``VmHWM``, not ``ru_maxrss``: Linux carries the parent's over through fork + exec."""
    try:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration):
        return None


if __name__ == "__main__":
    _serve()
