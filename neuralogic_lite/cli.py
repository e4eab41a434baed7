"""The ``nlite`` command line: parse the arguments, call one stage function, print."""
from __future__ import annotations

import functools
import json
import signal
import sys
import threading
import time
import warnings
from pathlib import Path

import click

from . import __version__
from .errors import InputError, NeuraLogicLiteError, NeuraLogicLiteWarning, OutputError, SettingError
from .language import load_samples, load_template
from .language.samples import read_statements
from .language.sources import ROLES, role_in_name, standard_files
from .language.summary import summarize_examples, summarize_queries, summarize_template
from .settings import CHOICES, DEFAULT_PROFILE, PROFILES, profile


def _clean_errors(command):
    """Library errors become one message on stderr and exit code 1; warnings print once;
    Ctrl-C and SIGTERM stop the command alike (see ``_Interrupt``); a first compile of the
    kernels is announced on a terminal (as progress is shown: only there)."""
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        from .jit import compiling
        compiling.hook = _announce_compiling if sys.stderr.isatty() else None
        with warnings.catch_warnings(record=True) as caught, _INTERRUPT:
            warnings.simplefilter("always", NeuraLogicLiteWarning)
            try:
                return command(*args, **kwargs)
            except NeuraLogicLiteError as error:
                click.echo(f"error: {error}", err=True)
                sys.exit(1)
            except KeyboardInterrupt:
                click.echo(f"interrupted by {_INTERRUPT.name}", err=True)
                sys.exit(_INTERRUPT.exit_code)
            finally:
                _print_warnings(caught)
    return wrapper


def _announce_compiling() -> None:
    """Say, once, why a first run sits still: numba compiles the kernels it needs."""
    from tqdm import tqdm

    from .jit import compiling
    compiling.hook = None
    tqdm.write(f"compiling kernels for this machine (first run only, about {compiling.FIRST_RUN_S} s) ...",
               file=sys.stderr)


class _Interrupt:
    """While a command runs, SIGINT (Ctrl-C) and SIGTERM both raise KeyboardInterrupt, which
    training catches to keep its best model and write its results; the exit code is 128 plus
    the signal's number (130, 143).  A signal the caller ignores stays ignored."""

    def __init__(self):
        self.signal = signal.SIGINT
        self.previous: dict = {}

    def _stop(self, number, frame):
        self.signal = signal.Signals(number)
        raise KeyboardInterrupt

    def __enter__(self):
        self.signal = signal.SIGINT
        if threading.current_thread() is threading.main_thread():
            for number in (signal.SIGINT, signal.SIGTERM):
                handler = signal.getsignal(number)
                if handler in (signal.default_int_handler, signal.SIG_DFL):
                    self.previous[number] = signal.signal(number, self._stop)
        return self

    def __exit__(self, *exc):
        while self.previous:
            signal.signal(*self.previous.popitem())

    @property
    def name(self) -> str:
        return self.signal.name

    @property
    def exit_code(self) -> int:
        return 128 + self.signal


_INTERRUPT = _Interrupt()


def _print_warnings(caught) -> None:
    for w in caught:
        if issubclass(w.category, NeuraLogicLiteWarning):
            where = "" if str(w.filename).endswith(".py") else f"{w.filename}:{w.lineno}: "
            click.echo(f"warning: {where}{w.message}", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="nlite")
@click.option("--allow-imports-anywhere", is_flag=True,
              help="Let a template's 'import' lines read files outside the template's folder tree.")
def main(allow_imports_anywhere: bool) -> None:
    """Learning with weighted logic programs (NeuraLogic templates)."""


def _load_template(path: Path):
    """``load_template`` with the group's ``--allow-imports-anywhere``."""
    imports_anywhere = click.get_current_context().find_root().params["allow_imports_anywhere"]
    return load_template(path, imports_anywhere=imports_anywhere)


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


def _setting(flag: str, field: str, help: str, **kwargs):
    """An option that changes the setting ``field``: its choices are the library's, and its help
    ends with the default under every profile, so neither can drift from the library."""
    if field in CHOICES:
        kwargs["type"] = click.Choice(CHOICES[field])
    return click.option(flag, field, default=None, help=f"{help} {_defaults(field)}.", **kwargs)


def _defaults(field: str) -> str:
    """``[3000; iclr2021: 1000; pyneuralogic: 100]``: the default profile's value, then the others that differ."""
    def shown(value) -> str:
        return ("on" if value else "off") if isinstance(value, bool) else str(value)
    usual = getattr(PROFILES[DEFAULT_PROFILE], field)
    others = [f"{name}: {shown(getattr(s, field))}" for name, s in PROFILES.items() if getattr(s, field) != usual]
    return "[" + "; ".join([shown(usual), *others]) + "]"


class _Size(click.ParamType):
    """A memory size like 4G or 500M, as bytes (a bad one is a usage error, exit 2)."""

    name = "size"

    def convert(self, value, param, ctx):
        from .memory import parse_size
        try:
            return value if isinstance(value, int) else parse_size(value)
        except NeuraLogicLiteError as error:
            self.fail(str(error), param, ctx)


def _options(command, options):
    for option in reversed(options):
        command = option(command)
    return command


def settings_options(command):
    """The options that choose a profile and change its settings."""
    return _options(command, [
        click.option("--profile", "profile_name", type=click.Choice(list(PROFILES)), default=DEFAULT_PROFILE,
                     show_default=True, help="Default functions, loss and optimizer (see docs/semantics.md)."),
        _setting("--lift", "lift", "Network compression"),
        _setting("--prune", "prune", "Chain pruning"),
        _setting("--iso-decimals", "iso_decimals", "Value lifting: digits compared", type=int),
        _setting("--iso-inits", "iso_inits", "Value lifting: random draws compared", type=int),
        _setting("--batch-lift/--no-batch-lift", "batch_lift",
                 "Also merge equal neurons across examples, so minibatches compute them once"),
        _setting("--cycles", "cycles", "A cycle in the ground network: an error, or cut its back edges as the "
                 "reference does"),
        click.option("--max-memory", type=_Size(),
                     help="Stop a template whose weights or grounding would take more, like 4G or 500M "
                          "[half the physical memory]."),
    ])


def cluster_options(command):
    """Where to run: here (the default), a local Dask cluster, or a running one."""
    return _options(command, [
        click.option("--workers", type=click.IntRange(min=1),
                     help="Build and run on a local Dask cluster of this many worker processes "
                          "(pip install 'neuralogic_lite[dask]')."),
        click.option("--scheduler", metavar="ADDRESS",
                     help="Build and run on a running Dask cluster, like tcp://host:8786."),
    ])


def _cluster(workers: int | None, scheduler: str | None):
    """The cluster the options ask for, as a context (None: run in this process)."""
    import contextlib
    if workers is not None and scheduler is not None:
        raise click.UsageError("give --workers (a local cluster) or --scheduler (a running one), not both")
    if workers is None and scheduler is None:
        return contextlib.nullcontext()
    from .cluster import Cluster
    return Cluster(workers=workers, scheduler=scheduler)


def _settings(profile_name: str, **changes):
    """The profile with the options given; a value the settings reject is a usage error of its
    option (exit code 2), with what the setting accepts."""
    try:
        return profile(profile_name, **{k: v for k, v in changes.items() if v is not None})
    except SettingError as error:
        context = click.get_current_context()
        option = next((p for p in context.command.params if p.name == error.setting), None)
        raise click.BadParameter(f"{error.value!r} {error.problem}", context, option) from None


def _build(paths, settings, cluster=None):
    """Parse and build: the model, the built samples and the time parsing took."""
    from .model import Model
    template_path, examples, queries = _inputs(paths)
    start = time.perf_counter()
    model = Model(_load_template(template_path), settings)
    template_s = time.perf_counter() - start
    built, parse_s = _built(model, examples, queries, cluster)
    return model, built, template_s + parse_s


def _built(model, examples, queries, cluster=None):
    """``examples`` (and ``queries``) read and built for ``model``, with the load bars; and the
    seconds reading took (on a ``cluster``, the workers read and build: shards, no seconds)."""
    with _LoadProgress(quiet=False) as progress:
        if cluster is not None:
            from .cluster import SampleFiles
            return cluster.build(model, SampleFiles(examples, queries), progress=progress.sharding("samples")), 0.0
        start = time.perf_counter()
        samples = load_samples(examples, queries, progress.reading(examples))
        parse_s = time.perf_counter() - start
        return model.build(samples, lambda stage, done, total: progress.building("samples", stage, done, total)), \
            parse_s


class _LoadProgress:
    """Progress of loading on stderr (on a terminal, without --quiet): a bar per file read, in
    bytes per second, and per sample set built, in examples per second with the stage."""

    def __init__(self, quiet: bool):
        self.quiet = quiet or not sys.stderr.isatty()
        self.bars: dict = {}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for bar in self.bars.values():
            bar.close()

    def reading(self, path):
        def told(done: int, total: int) -> None:
            self._advance(("read", str(path)), done, total, f"read {Path(path).name}", unit="B", unit_scale=True)
        return told

    def building(self, name: str, stage: str, done: int, total: int) -> None:
        self._advance(("build", name), done, total, f"build {name}", stage, unit="example")

    def sharding(self, name: str):
        def told(done: int, total: int) -> None:
            self._advance(("build", name), done, total, f"build {name} on the cluster", unit="shard")
        return told

    def _advance(self, key, done: int, total: int, description: str, stage: str | None = None, **units) -> None:
        if self.quiet:
            return
        bar = self.bars.get(key)
        if bar is None:
            from tqdm import tqdm
            bar = self.bars[key] = tqdm(total=total, desc=description, file=sys.stderr, dynamic_ncols=True, **units)
        elif done < bar.n or bar.total != total:      # the same set built again (the next fold)
            bar.reset(total=total)
        if stage is not None:
            bar.set_postfix_str(stage, refresh=False)
        bar.update(done - bar.n)


# ----------------------------------------------------------------------------- check
@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--as", "role", type=click.Choice(list(ROLES)),
              help="Read every FILE in this role (default: guessed from the file name).")
@settings_options
@_clean_errors
def check(files: tuple[Path, ...], role: str | None, profile_name: str, **options) -> None:
    """Parse templates, examples and queries files and summarise them; given a template and
    its examples (and queries), also ground and build them as `train` would, without training.

    A directory stands for its standard files (template.txt, trainExamples.txt, ...).
    The role of a file is guessed from its name: '*quer*' is a queries file, '*exampl*' an
    examples file, '*templ*' a template; a name that says none is read as a template (and
    check says so: use --as).

    \b
    Examples:
        nlite check templates/gcn.txt datasets/molecules/examples.txt
        nlite check data/molecules/
    """
    settings = _settings(profile_name, **options)
    read: dict[str, list[Path]] = {name: [] for name in ROLES}
    ok = []
    for path, file_role, guessed in _expand(files, role):
        note = f"\n  read as {_article(file_role)} (guessed from the name; use --as)" if guessed else ""
        ok.append(_checked(path, lambda path=path, file_role=file_role, note=note:
                           _summary(path, file_role, settings) + note))
        if ok[-1]:
            read[file_role].append(path)
    if not all(ok):
        click.echo(f"{ok.count(False)} of {len(ok)} file(s) failed", err=True)
        sys.exit(1)
    together = _together(read)
    if together is not None and not _checked("build", lambda: _built_summary(together, settings)):
        sys.exit(1)


def _checked(what, summary) -> bool:
    """Print ``what: ok, summary()``, or its error; whether it was ok."""
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", NeuraLogicLiteWarning)
            click.echo(f"{what}: ok, {summary()}")
        _print_warnings(caught)
        return True
    except NeuraLogicLiteError as error:
        _print_warnings(caught)
        click.echo(f"error: {error}", err=True)
        return False


def _article(role: str) -> str:
    return {"template": "a template", "examples": "an examples file", "queries": "a queries file"}[role]


def _expand(files, role):
    """Each file to check, its role, and whether that role is a guess (the name does not say it)."""
    for path in files:
        if not path.is_dir():
            named = role or role_in_name(path)
            yield path, named or "template", named is None
            continue
        found = standard_files(path)
        roles = [(found.template, "template"), (found.train_examples, "examples"), (found.train_queries, "queries"),
                 (found.test_examples, "examples"), (found.test_queries, "queries")]
        if not any(file for file, _ in roles):
            raise InputError(f"{path}: none of the standard files (template.txt, trainExamples.txt or examples.txt, "
                             "trainQueries.txt or queries.txt, testExamples.txt, ...) is in it")
        yield from ((file, file_role, False) for file, file_role in roles if file is not None)


def _together(read: dict[str, list[Path]]) -> tuple[Path, ...] | None:
    """TEMPLATE EXAMPLES [QUERIES] among the files read, when there is one of each (the queries optional)."""
    if len(read["template"]) != 1 or not read["examples"]:
        return None
    if len(read["examples"]) > 1 or len(read["queries"]) > 1:
        return None
    return (read["template"][0], read["examples"][0], *read["queries"])


def _summary(path: Path, role: str, settings) -> str:
    if role == "template":
        from .network.neuralize import check_functions
        template = _load_template(path)
        check_functions(template, settings)     # names train would reject, even without examples
        return str(summarize_template(template))
    statements = read_statements(path, role)
    return summarize_examples(statements) if role == "examples" else summarize_queries(statements)


def _built_summary(paths: tuple[Path, ...], settings) -> str:
    """Ground, neuralize and lift as ``train`` does, and check the targets it would learn from."""
    _, built, _ = _build(paths, settings)
    built.require_targets()
    return (f"{' + '.join(p.name for p in paths)}: {built.graph.sample_count} samples, "
            f"{built.graph.neuron_count} neurons, {built.graph.edge_count} edges")


# ----------------------------------------------------------------------------- ground
@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@settings_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@cluster_options
@click.option("--save", type=click.Path(file_okay=False, path_type=Path),
              help="With --workers or --scheduler: save the built shards into this folder (one the workers "
                   "share); give it in place of EXAMPLES to train, eval or predict without building again.")
@_clean_errors
def ground(inputs, profile_name, as_json, workers, scheduler, save, **options) -> None:
    """Ground and neuralize: the size of every sample's network.

    \b
    Examples:
        nlite ground templates/gcn.txt datasets/molecules/examples.txt --json
        nlite ground templates/gcn.txt big/examples.txt --workers 2 --save big/shards
        nlite train templates/gcn.txt big/shards --workers 2
    """
    settings = _settings(profile_name, **options)
    if save is not None and workers is None and scheduler is None:
        raise click.UsageError("--save keeps shards built on a cluster: give --workers or --scheduler too")
    with _cluster(workers, scheduler) as cluster:
        _, built, parse_s = _build(inputs, settings, cluster)
        if save is not None:
            cluster.save(built, save)
            click.echo(f"saved {len(built.futures)} shards to {save}", err=True)
        neurons, edges = built.sample_sizes()
        queries = built.queries()
        counts = built.graph_sizes()
    report = {
        "samples": [{"query": q, "neurons": int(n), "edges": int(e)} for q, n, e in zip(queries, neurons, edges)],
        "total": {"neurons": int(neurons.sum()), "edges": int(edges.sum()),
                  "graph_neurons": counts[0], "graph_edges": counts[1]},
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
@_setting("--seed", "seed", "Seed of the random initial weights", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print JSON: {\"outputs\": [...], \"targets\": [...]}.")
@cluster_options
@_clean_errors
def evaluate(inputs, profile_name, weights, seed, as_json, workers, scheduler, **options) -> None:
    """Outputs of every sample at given (or freshly drawn) weights.

    \b
    Example:
        nlite eval template.txt examples.txt queries.txt --weights w.json --profile pyneuralogic
    """
    settings = _settings(profile_name, seed=seed, **options)
    with _cluster(workers, scheduler) as cluster:
        model, built, _ = _build(inputs, settings, cluster)
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


# ----------------------------------------------------------------------------- train
def training_options(command):
    """Options that change how a model learns (each default comes from --profile)."""
    return _options(command, [
        _setting("--epochs", "epochs", "Training epochs", type=int),
        _setting("--lr", "learning_rate", "Learning rate", type=float),
        _setting("--optimizer", "optimizer", "Optimizer"),
        _setting("--batch-size", "batch_size", "Samples per update (1: online, as the reference)", type=int),
        _setting("--seed", "seed", "Seed of the initial weights and the shuffling", type=int),
        _setting("--init", "init", "Initial weights (uniform: in [-1, 1))"),
        _setting("--loss", "loss", "Loss (auto: BCE on logits for 0/1 targets, else MSE; softentropy is BCE)"),
        _setting("--atom-activation", "atom_activation", "Activation of atom neurons the template leaves open"),
        _setting("--rule-activation", "rule_activation", "Activation of rule neurons the template leaves open"),
        _setting("--aggregation", "aggregation", "Aggregation of rules the template leaves open"),
        _setting("--select-every", "select_every", "Keep the best model of every k-th epoch (0: the last)",
                 type=int),
        _setting("--shuffle/--no-shuffle", "shuffle", "Shuffle samples every epoch"),
        _setting("--threads", "threads", "Threads for the matrix products of wide models (BLAS; 0: one per core)",
                 type=int),
        _setting("--dtype", "dtype", "Precision of neuron values and weights (float64: as the reference)"),
        _setting("--negatives", "negatives", "Knowledge bases: corruptions per positive triple drawn every epoch "
                 "(a number, or all; 0: the queries as written; docs/kb.md)", type=_Negatives()),
        _setting("--corrupt", "corrupt", "Knowledge bases: which side of a triple a negative replaces"),
        click.option("--eval-ranking", is_flag=True,
                     help="Knowledge bases: rank each validation and test triple's subject and object among every "
                          "entity, the known triples filtered (MRR, Hits@1/3/10; docs/kb.md)."),
    ])


class _Negatives(click.ParamType):
    """A whole number of negatives, or ``all``."""

    name = "K|all"

    def convert(self, value, param, ctx):
        if value == "all" or isinstance(value, int):
            return value
        try:
            return int(value)
        except ValueError:
            self.fail(f"{value!r} is neither a whole number nor all", param, ctx)


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@settings_options
@training_options
@click.option("--xval", type=click.IntRange(min=2), help="Cross-validate with this many stratified folds.")
@click.option("--val-examples", type=click.Path(path_type=Path), help="Validation examples (model selection).")
@click.option("--val-queries", type=click.Path(path_type=Path), help="Validation queries.")
@click.option("--test-examples", type=click.Path(path_type=Path), help="Test examples.")
@click.option("--test-queries", type=click.Path(path_type=Path), help="Test queries.")
@click.option("--out", type=click.Path(path_type=Path),
              help="Write results.json, predictions.csv, learning_curve.png and model.txt into this folder "
                   "(checked before training).")
@click.option("--overwrite", is_flag=True, help="Let --out replace the files of an earlier run.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@cluster_options
@_clean_errors
def train(inputs, profile_name, xval, val_examples, val_queries, test_examples, test_queries, out, overwrite, quiet,
          as_json, workers, scheduler, **options) -> None:
    """Train a template on examples and report train, validation and test metrics.

    INPUTS are TEMPLATE EXAMPLES [QUERIES], or one directory with template.txt and
    trainExamples.txt (and trainQueries.txt, valExamples.txt, testExamples.txt ...).

    \b
    Examples:
        nlite train templates/gcn.txt datasets/molecules/examples.txt --epochs 50 --out runs/gcn
        nlite train mutagenesis/ --profile iclr2021 --xval 5 --quiet
    """
    from .experiment import cross_validate, run
    from .io.results import write_results_somewhere
    eval_ranking = options.pop("eval_ranking")
    settings = _settings(profile_name, **options)
    if settings.negatives != 0 or eval_ranking:
        if workers or scheduler:
            raise click.UsageError("--negatives and --eval-ranking run in this process only; leave out --workers "
                                   "and --scheduler")
        return _train_kb(inputs, settings, eval_ranking, xval, val_examples, val_queries, test_examples, test_queries,
                         out, overwrite, quiet, as_json)
    template, examples, queries, val_examples, val_queries, test_examples, test_queries = _training_inputs(
        inputs, out, overwrite, val_examples, val_queries, test_examples, test_queries)
    if xval and (workers or scheduler):
        raise click.UsageError("--xval runs in this process only; leave out --workers and --scheduler")
    with _LoadProgress(quiet) as loading, _cluster(workers, scheduler) as cluster:
        if cluster is None:
            def read(examples, queries):
                return load_samples(examples, queries, loading.reading(examples))
            build = None
        else:   # the workers read the files
            from .cluster import SampleFiles as read

            def build(model, files, told, cluster=cluster):
                return cluster.build(model, files, progress=lambda done, total: told("shards", done, total))
        samples = read(examples, queries)
        validation = read(val_examples, val_queries) if val_examples else None
        test = read(test_examples, test_queries) if test_examples else None
        with _Progress(settings.epochs * (xval or 1), quiet) as progress:
            if xval:
                reports, summary = cross_validate(template, samples, settings, xval, progress.fold_epoch,
                                                  loading.building)
            else:
                reports, summary = [run(template, samples, settings, validation, test, progress.epoch,
                                        loading.building, build)], None
    notes, failure = [], None
    if out is not None:
        out, notes, failure = write_results_somewhere(out, reports, summary, xval)
    if as_json:
        data = {"runs": [r.as_json() for r in reports]}
        if summary is not None:
            data["summary"] = summary
        from .io.results import _clean
        click.echo(json.dumps(_clean(data)))
    else:
        _print_results(reports, summary)
    for note in notes:
        click.echo(f"note: {note}", err=True)
    if failure is not None:
        raise OutputError(f"could not write the results to the --out folder ({failure}); the model and the "
                          f"results are in {out} instead")
    if reports[-1].stopped is not None or len(reports) < (xval or 1):
        kept = (f"{sum(r.stopped is None for r in reports)} of {xval} folds finished"
                if xval else f"kept the best model so far (epoch {reports[-1].best_epoch})")
        click.echo(f"interrupted by {_INTERRUPT.name}: {kept}" + (f", results written to {out}" if out else ""),
                   err=True)
        sys.exit(_INTERRUPT.exit_code)


def _training_inputs(inputs, out, overwrite, val_examples, val_queries, test_examples, test_queries) -> tuple:
    """``--out`` checked, then the template read and the files of each set named (a directory's
    standard validation and test files unless given): (template, examples, queries, validation
    examples and queries, test examples and queries)."""
    from .io.results import check_directory
    if out is not None:
        try:
            check_directory(out, overwrite)
        except InputError as error:
            raise click.BadParameter(error.message, param_hint="'--out'") from None
    template_path, examples, queries = _inputs(inputs)
    template = _load_template(template_path)
    if len(inputs) == 1:   # a directory: its standard validation and test files
        found = standard_files(inputs[0])
        val_examples, val_queries = val_examples or found.val_examples, val_queries or found.val_queries
        test_examples, test_queries = test_examples or found.test_examples, test_queries or found.test_queries
    return template, examples, queries, val_examples, val_queries, test_examples, test_queries


def _train_kb(inputs, settings, eval_ranking, xval, val_examples, val_queries, test_examples, test_queries, out,
              overwrite, quiet, as_json) -> None:
    """``train`` of a knowledge base with sampled negatives and/or filtered ranking (``kbc.run``,
    docs/kb.md): one model, the same files, outputs and exit codes as ``train``."""
    from .io.results import _clean, write_results_somewhere
    from .kbc import run
    if xval:
        raise click.UsageError("--negatives and --eval-ranking train one model: leave out --xval")
    template, examples, queries, val_examples, val_queries, test_examples, test_queries = _training_inputs(
        inputs, out, overwrite, val_examples, val_queries, test_examples, test_queries)
    with _LoadProgress(quiet) as loading:
        samples = load_samples(examples, queries, loading.reading(examples))
        validation = load_samples(val_examples, val_queries, loading.reading(val_examples)) if val_examples else None
        test = load_samples(test_examples, test_queries, loading.reading(test_examples)) if test_examples else None
    with _Progress(settings.epochs, quiet) as progress:
        report = run(template, samples, settings, validation, test, progress.epoch, eval_ranking)
    notes, failure = [], None
    if out is not None:
        out, notes, failure = write_results_somewhere(out, [report], None, None)
    if as_json:
        click.echo(json.dumps(_clean({"runs": [report.as_json()]})))
    else:
        _print_results([report], None)
    for note in notes:
        click.echo(f"note: {note}", err=True)
    if failure is not None:
        raise OutputError(f"could not write the results to the --out folder ({failure}); the model and the "
                          f"results are in {out} instead")
    if report.stopped is not None:
        click.echo(f"interrupted by {_INTERRUPT.name}: kept the model of epoch {report.best_epoch}"
                   + (f", results written to {out}" if out else ""), err=True)
        sys.exit(_INTERRUPT.exit_code)


class _Progress:
    """A progress bar on stderr (only on a terminal and without --quiet)."""

    def __init__(self, total: int, quiet: bool):
        from tqdm import tqdm
        self.bar = tqdm(total=total, unit="epoch", disable=quiet or not sys.stderr.isatty(), file=sys.stderr,
                        dynamic_ncols=True)
        self.fold = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.bar.close()

    def epoch(self, record: dict) -> None:
        shown = {k: f"{v:.4g}" for k, v in record.items() if k in ("loss", "train_accuracy", "val_loss",
                                                                   "val_accuracy") and v == v}
        if self.fold is not None:
            shown = {"fold": self.fold, **shown}
        if shown:
            self.bar.set_postfix(shown, refresh=False)
        self.bar.update(1)

    def fold_epoch(self, fold: int, record: dict) -> None:
        self.fold = fold
        self.epoch(record)


def _print_results(reports, summary) -> None:
    columns = ["loss", "mse", "accuracy", "best_accuracy", "auc", "dispersion"]
    if any("mrr" in m for r in reports for m in r.metrics.values()):     # knowledge bases: ranking
        columns = ["loss", "mrr", "hits@1", "hits@3", "hits@10"]

    def row(name, metrics):
        cells = [f"{metrics[c]:.4f}" if c in metrics else "-" for c in columns]
        click.echo(f"{name:<12}" + "".join(f"{cell:>14}" for cell in cells))

    click.echo(f"{'':<12}" + "".join(f"{c:>14}" for c in columns))
    if summary is None:
        report = reports[0]
        for split in ("train", "validation", "test"):
            if split in report.metrics:
                row(split, report.metrics[split])
        sizes = report.sizes["train"]
        compile_s = report.timings.get("compile_s", 0)
        network = (f"training network {sizes['neurons']} neurons, {sizes['edges']} edges" if "neurons" in sizes else
                   f"knowledge-base network {sizes['kb_neurons']} neurons, {sizes['query_neurons']} more per triple")
        click.echo(f"best epoch {report.best_epoch}; {network}; training took {report.timings.get('train_s', 0):.2f} s"
                   + (f" (and compiling kernels, once, {compile_s:.1f} s)" if compile_s >= 0.5 else ""))
        return
    for f, report in enumerate(reports):
        row(f"fold {f} test", report.metrics.get("test", {}))
    for split in ("train", "test"):
        means = {m: v[0] for m, v in summary[split].items()}
        row(f"mean {split}", means)
        click.echo(f"{'  ± std':<12}" + "".join(f"{summary[split][c][1]:>14.4f}" if c in summary[split] else
                                                  f"{'-':>14}" for c in columns))


# ----------------------------------------------------------------------------- predict
@main.command()
@click.argument("model_path", metavar="MODEL", type=click.Path(path_type=Path))
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--csv", "as_csv", is_flag=True,
              help="Print CSV: set, sample, query, target, output (the columns of predictions.csv).")
@cluster_options
@_clean_errors
def predict(model_path, inputs, as_json, as_csv, workers, scheduler) -> None:
    """Outputs of a trained model (model.txt from `nlite train --out`) for new data.

    \b
    Example:
        nlite predict runs/gcn/model.txt datasets/molecules/examples.txt --csv > predictions.csv
    """
    from .experiment import _predictions
    from .io.model_file import random_weights
    from .io.results import _clean, predictions_csv
    from .model import Model
    if len(inputs) not in (1, 2):
        raise InputError("give EXAMPLES [QUERIES] after the model")
    model = Model.load(model_path)
    drawn = random_weights(model_path, model.weights)
    if drawn:
        warnings.warn(f"{model_path} is not a trained model (no {model_path.name}.npz beside it, and "
                      f"{len(drawn)} weight(s) without a value, such as {drawn[0]}): those weights are random, "
                      f"so are the outputs", NeuraLogicLiteWarning, stacklevel=2)
    with _cluster(workers, scheduler) as cluster:
        built, _ = _built(model, inputs[0], inputs[1] if len(inputs) == 2 else None, cluster)
        predictions, metrics = _predictions(model, built)
    rows = list(zip(predictions.queries, predictions.targets, predictions.outputs))
    if as_json:
        click.echo(json.dumps(_clean({"queries": predictions.queries,
                                      "outputs": [_plain(o) for o in predictions.outputs],
                                      "targets": [_plain(t) for t in predictions.targets], "metrics": metrics})))
    elif as_csv:
        click.echo(predictions_csv({"predict": predictions}), nl=False)
    else:
        for i, (query, target, output) in enumerate(rows):
            click.echo(f"{i:>6}  {query}  output {_plain(output)}  target {_plain(target)}")
        if metrics:
            click.echo(", ".join(f"{k} {v:.6g}" for k, v in metrics.items()))


# ----------------------------------------------------------------------------- draw
@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@settings_options
@click.option("--sample", type=int, default=0, show_default=True, help="Which sample's network to draw.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write here: .dot, or .svg/.png/.pdf when Graphviz's `dot` is installed [print DOT].")
@_clean_errors
def draw(inputs, profile_name, sample, out, **options) -> None:
    """Draw one sample's neural network: what did my template turn into?

    Neurons are labelled with their atoms, rules and facts; lifted neurons that stand for
    several are drawn bold with their count.  Use --lift none --prune off to see the network
    exactly as neuralized.

    \b
    Example:
        nlite draw templates/gcn.txt datasets/molecules/examples.txt --sample 0 --out molecule0.svg
    """
    from .draw import render, to_dot
    _, built, _ = _build(inputs, _settings(profile_name, **options))
    text = to_dot(built, sample)
    if out is None:
        click.echo(text, nl=False)
    else:
        click.echo(f"wrote {render(text, out)}")


# ----------------------------------------------------------------------------- zoo and datasets
@main.command()
@click.argument("model", metavar="MODEL")
@click.option("--hidden", type=int, help="Width of the hidden layers (GNNs) [10].")
@click.option("--layers", type=int, help="Message-passing layers (GNNs) [3].")
@click.option("--dim", type=int, help="Embedding width (graphlets, distmult, transe, complex).")
@click.option("--activation", help="Activation of the layers.")
@click.option("--aggregation", help="Aggregation over neighbours.")
@click.option("--readout", help="Aggregation over the atoms of a molecule.")
@click.option("--types", "types_from", type=click.Path(path_type=Path),
              help="Read the atom and bond type predicates from this examples file "
                   "[default: the mutagenesis types].")
@click.option("--entities", help="Knowledge-base models: comma-separated entities.")
@click.option("--relations", help="Knowledge-base models: comma-separated relations.")
@_clean_errors
def zoo(model, types_from, entities, relations, **options) -> None:
    """Print a ready template: gcn, graphsage, gin, gatv2, rgcn, graphlets, distmult, transe, complex.

    \b
    Examples:
        nlite zoo gcn --hidden 10 --layers 3 > my_gcn.txt
        nlite zoo gin --types datasets/molecules/examples.txt
        nlite zoo distmult --entities ann,bob --relations parent,sibling
    """
    from . import zoo as models
    from .datasets.molecules import MUTAGENESIS_ATOM_TYPES, MUTAGENESIS_BOND_TYPES
    kwargs = {k: v for k, v in options.items() if v is not None}
    if model in models.KB_MODELS:
        if not entities or not relations:
            raise InputError(f"{model} needs --entities and --relations (comma-separated)")
        kwargs.update(entities=entities.split(","), relations=relations.split(","))
    else:
        atom_types, bond_types = (_types(types_from) if types_from else
                                  (list(MUTAGENESIS_ATOM_TYPES), list(MUTAGENESIS_BOND_TYPES)))
        kwargs.update(atom_types=atom_types, bond_types=bond_types)
    click.echo(models.write(model, **kwargs), nl=False)


def _types(path: Path) -> tuple[list[str], list[str]]:
    """Unary predicates of an examples file: bond types apply to a bond's third argument."""
    from .language.facts import as_statements
    from .language.parser import Clause
    statements = as_statements(read_statements(path, "examples"))
    literals = [lit for s in statements for lit in (s.body if isinstance(s, Clause) else s.literals)]
    bond_ids = {lit.terms[2] for lit in literals if lit.name == "bond" and lit.arity == 3}
    unary = {}
    for lit in literals:
        if lit.arity == 1:
            unary.setdefault(lit.name, set()).add(lit.terms[0] in bond_ids)
    atoms = sorted(name for name, kinds in unary.items() if kinds == {False})
    bonds = sorted(name for name, kinds in unary.items() if kinds == {True})
    if not atoms:
        raise InputError(f"{path}: no unary atom type facts such as c_22(a1) found")
    return atoms, bonds


@main.command()
@click.argument("name", metavar="NAME")
@click.option("--n", type=int, default=1000, show_default=True, help="molecules: how many.")
@click.option("--entities", type=int, help="kb: how many entities [135].")
@click.option("--relations", type=int, help="kb: how many relations [46].")
@click.option("--facts", type=int, help="kb: how many distinct facts [6700].")
@click.option("--seed", type=int, default=0, show_default=True, help="molecules, kb: the random seed.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
              help="Write the files into this directory.")
@_clean_errors
def datasets(name, n, seed, out, **sizes) -> None:
    """Write a built-in dataset: xor, family, molecules (synthetic, any size) or kb (a synthetic
    knowledge base with its DistMult template.txt, ready for nlite train DIR).

    \b
    Examples:
        nlite datasets molecules --n 1000 --seed 0 --out data/molecules
        nlite datasets family --out data/family
        nlite datasets kb --entities 135 --relations 46 --facts 6700 --seed 0 --out data/kb
    """
    from .datasets import write_dataset
    if n < 1:
        raise InputError(f"--n must be at least 1, not {n}")
    sizes = {k: v for k, v in sizes.items() if v is not None}
    if sizes and name != "kb":
        raise InputError(f"{', '.join('--' + k for k in sizes)} apply to kb only")
    paths = write_dataset(f"molecules-{n}" if name == "molecules" else name, out, seed, **sizes)
    click.echo("wrote " + ", ".join(str(p) for p in paths))


@main.command()
@click.argument("source", type=click.Choice(["tu", "csv", "kb"]))
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--name", help="tu: the dataset's name (DS in DS_A.txt), when the directory holds several.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
              help="Write examples.txt and queries.txt into this directory.")
@_clean_errors
def convert(source, paths, name, out) -> None:
    """Convert graph datasets to examples and queries: a TU directory (MUTAG, PTC, NCI1, ...) or
    three CSV files (edges: graph_id,source,target[,edge_type]; nodes: graph_id,node,type;
    labels: graph_id,label); or a knowledge base in the KBC layout (kb: a folder with
    train.txt, valid.txt, test.txt of head<TAB>relation<TAB>tail lines).

    Node type t becomes the fact n_t(node), an edge the facts bond(a, b, id) and e_t(id), and
    each graph one query `predict` with its label as the target: the schema of the zoo's
    templates (nlite zoo gcn --types data/mutag/examples.txt).  From Python,
    neuralogic_lite.datasets also reads PyTorch Geometric Data lists (from_pyg).

    A knowledge base becomes what nlite datasets kb writes: examples.txt, one example of the
    train triples as facts relation(head, tail), and queries.txt, valQueries.txt and
    testQueries.txt asking each triple as 1.0 predict(head, relation, tail) (no negatives).
    Names that are not NeuraLogic names are escaped reversibly as q_... (docs/cli.md).

    \b
    Examples:
        nlite convert tu MUTAG/ --out data/mutag
        nlite convert csv edges.csv nodes.csv labels.csv --out data/mine
        nlite convert kb FB15k-237/ --out data/fb
    """
    from .datasets import read_csv, read_tu
    from .datasets.text import save
    wanted = {"tu": (1, "one TU directory"), "csv": (3, "three CSV files: edges, nodes, labels"),
              "kb": (1, "one folder with train.txt, valid.txt, test.txt")}[source]
    if len(paths) != wanted[0]:
        raise InputError(f"convert {source} takes {wanted[1]}, not {len(paths)} path(s)")
    if name is not None and source != "tu":
        raise InputError("--name applies to TU datasets only")
    if source == "kb":
        from .datasets.kb_tsv import convert_kb
        triples, written = convert_kb(paths[0], out)
        counts = ", ".join(f"{len(t)} {split}" for split, t in triples.splits.items() if t is not None)
        click.echo(f"{counts} triples, {len(triples.entities())} entities, {len(triples.relations())} relations: "
                   "wrote " + ", ".join(str(p) for p in written))
        return
    graphs = read_tu(paths[0], name) if source == "tu" else read_csv(*paths)
    written = save(graphs, out, queries=True)
    click.echo(f"{graphs.graph_count} graphs: wrote " + ", ".join(str(p) for p in written))


# ----------------------------------------------------------------------------- crosscheck
@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@_clean_errors
def crosscheck(inputs, as_json) -> None:
    """Run the reference engine (PyNeuraLogic) and ours on the same input, side by side.

    Needs the oracle extra: pip install 'neuralogic_lite[oracle]' (and Java 17).  Both use
    PyNeuraLogic's default functions; ours is given the reference's initial weights.

    \b
    Example:
        nlite crosscheck template.txt trainExamples.txt trainQueries.txt
    """
    from .crosscheck import crosscheck as run
    result = run(*_inputs(inputs))
    ref, ours = result.reference, result.ours
    if as_json:
        click.echo(json.dumps({"reference": {k: {x: y for x, y in v.items() if x != "weights"}
                                             for k, v in ref.items()},
                               "ours": ours, "max_output_difference": result.max_output_difference,
                               "unmatched": result.unmatched}))
        return
    click.echo(f"{'':<28}{'reference':>14}{'neuralogic_lite':>18}")
    rows = [("neurons, uncompressed", sum(ref["plain"]["neurons"]), sum(ours["plain"]["neurons"])),
            ("neurons, compressed", sum(ref["compressed"]["neurons"]), sum(ours["compressed"]["neurons"])),
            ("build time, s", ref["plain"]["build_s"], ours["parse_s"] + ours["plain"]["build_s"]),
            ("evaluation time, s", ref["plain"]["evaluate_s"], ours["plain"]["evaluate_s"])]
    for name, a, b in rows:
        cells = (f"{a:>14}", f"{b:>18}") if isinstance(a, int) else (f"{a:>14.4f}", f"{b:>18.4f}")
        click.echo(f"{name:<28}" + "".join(cells))
    click.echo("compressed: the reference with iso compression and chain pruning (lossy with ReLU, MAX and "
               "chain neurons); ours with lossless lifting")
    click.echo(f"largest output difference at the same weights: {result.max_output_difference:.3g}")
    if result.unmatched:
        click.echo(f"samples only one engine produced: {', '.join(result.unmatched[:10])}")


if __name__ == "__main__":
    main()
