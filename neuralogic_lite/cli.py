"""The ``nlite`` command line: parse the arguments, call one stage function, print."""
from __future__ import annotations

import functools
import json
import sys
import time
import warnings
from pathlib import Path

import click

from . import __version__
from .errors import InputError, NeuraLogicLiteError, NeuraLogicLiteWarning
from .language import load_samples, load_template, parse_statements_file
from .language.sources import guess_role, standard_files
from .language.summary import summarize_examples, summarize_queries, summarize_template
from .settings import PROFILES, profile


def _clean_errors(command):
    """Library errors become one message on stderr and exit code 1; warnings print once."""
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", NeuraLogicLiteWarning)
            try:
                return command(*args, **kwargs)
            except NeuraLogicLiteError as error:
                click.echo(f"error: {error}", err=True)
                sys.exit(1)
            finally:
                for w in caught:
                    if issubclass(w.category, NeuraLogicLiteWarning):
                        click.echo(f"warning: {w.message}", err=True)
    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="nlite")
def main() -> None:
    """Learning with weighted logic programs (NeuraLogic templates)."""


# ----------------------------------------------------------------------------- check
@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--as", "role", type=click.Choice(["template", "examples", "queries"]),
              help="Read every FILE in this role (default: guessed from the file name).")
def check(files: tuple[Path, ...], role: str | None) -> None:
    """Parse templates, examples and queries files and summarise them.

    A directory stands for its standard files (template.txt, trainExamples.txt, ...).
    The role of a file is guessed from its name: '*quer*' is a queries file, '*exampl*' an
    examples file, anything else a template.

    \b
    Example:
        nlite check templates/gcn.txt datasets/xor/examples.txt
    """
    failed = 0
    for path, file_role in _expand(files, role):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", NeuraLogicLiteWarning)
                click.echo(f"{path}: ok, {_summary(path, file_role)}")
        except NeuraLogicLiteError as error:
            click.echo(f"error: {error}", err=True)
            failed += 1
    if failed:
        click.echo(f"{failed} of {len(files)} file(s) failed", err=True)
        sys.exit(1)


def _expand(files, role):
    for path in files:
        if path.is_dir():
            found = standard_files(path)
            for file_role, file in (("template", found.template), ("examples", found.train_examples),
                                    ("queries", found.train_queries), ("examples", found.test_examples),
                                    ("queries", found.test_queries)):
                if file is not None:
                    yield file, file_role
        else:
            yield path, role or guess_role(path)


def _summary(path: Path, role: str) -> str:
    if role == "template":
        return str(summarize_template(load_template(path)))
    statements = parse_statements_file(path)
    return summarize_examples(statements) if role == "examples" else summarize_queries(statements)


# ----------------------------------------------------------------------------- shared options
def _inputs(paths: tuple[Path, ...]) -> tuple[Path, Path, Path | None]:
    """TEMPLATE EXAMPLES [QUERIES], or one directory of standard file names."""
    if len(paths) == 1 and paths[0].is_dir():
        found = standard_files(paths[0])
        if found.template is None or found.train_examples is None:
            raise InputError(f"{paths[0]}: no template.txt and trainExamples.txt (or examples.txt) in it")
        return found.template, found.train_examples, found.train_queries
    if len(paths) not in (2, 3):
        raise InputError("give TEMPLATE EXAMPLES [QUERIES], or one directory with template.txt and "
                         "trainExamples.txt")
    return paths[0], paths[1], paths[2] if len(paths) == 3 else None


def settings_options(command):
    """The options that choose a profile and change its settings."""
    options = [
        click.option("--profile", "profile_name", type=click.Choice(sorted(PROFILES)), default="neuralogic",
                     show_default=True, help="Default functions, loss and optimizer (see docs/semantics.md)."),
        click.option("--lift", type=click.Choice(["none", "structural", "value"]),
                     help="Network compression [structural]."),
        click.option("--prune", type=click.Choice(["off", "lossless", "reference"]), help="Chain pruning [lossless]."),
        click.option("--iso-decimals", type=int, help="Value lifting: digits compared [12]."),
        click.option("--iso-inits", type=int, help="Value lifting: random draws compared [1]."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _settings(profile_name: str, **changes):
    return profile(profile_name, **{k: v for k, v in changes.items() if v is not None})


def _build(paths, settings):
    """Parse and build: the model, the built samples and the time parsing took."""
    from .model import Model
    template_path, examples, queries = _inputs(paths)
    start = time.perf_counter()
    model = Model(load_template(template_path), settings)
    samples = load_samples(examples, queries)
    parse_s = time.perf_counter() - start
    built = model.build(samples)
    return model, built, parse_s


# ----------------------------------------------------------------------------- ground
@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@settings_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@_clean_errors
def ground(inputs, profile_name, as_json, **options) -> None:
    """Ground and neuralize: the size of every sample's network.

    \b
    Example:
        nlite ground templates/gcn.txt datasets/molecules/examples.txt --json
    """
    settings = _settings(profile_name, **options)
    _, built, parse_s = _build(inputs, settings)
    graph = built.graph
    neurons, edges = graph.sample_sizes(), graph.sample_edge_counts()
    queries = built.queries()
    report = {
        "samples": [{"query": q, "neurons": int(n), "edges": int(e)} for q, n, e in zip(queries, neurons, edges)],
        "total": {"neurons": int(neurons.sum()), "edges": int(edges.sum()),
                  "graph_neurons": graph.neuron_count, "graph_edges": graph.edge_count},
        "timings_s": {"parse": round(parse_s, 4), **{k[:-2] if k.endswith("_s") else k: round(v, 4)
                                                      for k, v in built.timings.items() if isinstance(v, float)}},
    }
    if "lift" in built.timings and built.timings["lift"]:
        report["lifting"] = built.timings["lift"]
    if as_json:
        click.echo(json.dumps(report))
        return
    width = max((len(q) for q in queries), default=5)
    click.echo(f"{'sample':>6}  {'query':<{width}}  {'neurons':>8}  {'edges':>8}")
    for i, row in enumerate(report["samples"]):
        click.echo(f"{i:>6}  {row['query']:<{width}}  {row['neurons']:>8}  {row['edges']:>8}")
    total = report["total"]
    click.echo(f"{'total':>6}  {'':<{width}}  {total['neurons']:>8}  {total['edges']:>8}")
    click.echo("time: " + ", ".join(f"{k} {v:.3f} s" for k, v in report["timings_s"].items()))


# ----------------------------------------------------------------------------- eval
@main.command("eval")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@settings_options
@click.option("--weights", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A PyNeuraLogic state_dict saved as JSON: {\"weights\": {\"0\": value, ...}}.")
@click.option("--seed", type=int, help="Seed of the random initial weights [0].")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: {\"outputs\": [...], \"targets\": [...]}.")
@_clean_errors
def evaluate(inputs, profile_name, weights, seed, as_json, **options) -> None:
    """Outputs of every sample at given (or freshly drawn) weights.

    \b
    Example:
        nlite eval template.txt examples.txt queries.txt --weights w.json --profile pyneuralogic
    """
    settings = _settings(profile_name, seed=seed, **options)
    model, built, _ = _build(inputs, settings)
    if weights is not None:
        model.load_state_dict(_read_weights(weights))
    evaluation = model.evaluate(built)
    outputs = [_plain(o) for o in evaluation.outputs]
    targets = [None if t != t else t for t in (_plain(t) for t in built.targets)]
    if as_json:
        click.echo(json.dumps({"outputs": outputs, "targets": targets, "queries": built.queries()}))
        return
    for query, output, target in zip(built.queries(), outputs, targets):
        click.echo(f"{query}\toutput {output}\ttarget {target}")
    click.echo(", ".join(f"{k} {v:.6g}" for k, v in evaluation.metrics.items()))


def _read_weights(path: Path) -> dict:
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise InputError(f"{path}: not a JSON weights file ({e})") from None
    if isinstance(data, dict) and "weights" in data:
        data = data["weights"]
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected {{\"weights\": {{\"0\": value, ...}}}}")
    return data


def _plain(array):
    """A numpy output as JSON: a float for one element, else a (nested) list."""
    import numpy as np
    array = np.asarray(array)
    if array.size == 1:
        return float(array.ravel()[0])
    return array.tolist()


if __name__ == "__main__":
    main()
