"""Command line: parse arguments, call the core, print, return an exit code."""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import sys
from typing import Sequence

from logolint import __version__
from logolint.errors import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, ConfigError, ImageError, LogolintError
from logolint.formats import printable, shown_score, summary

COMMANDS = ("check", "train", "eval", "explain", "init")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse exits 2 itself; keep it one line
        self.exit(EXIT_USAGE, f"{self.prog}: error: {printable(message)}\n")


class _Help(argparse.Action):
    """check's -h/--help, in any spelling argparse takes (--hel, -qh): under the hook it is
    an error, since printing the help exits 0 and every staged file would pass unchecked."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        if getattr(namespace, "hook", False):
            parser.error(f"{option_string} among the hook's args would pass the staged files unchecked; leave it out")
        parser.print_help()
        parser.exit()


def _named(text: str) -> str:
    """A file option's value: an empty one (`--model "$MODEL"` with the variable unset) is
    refused, not read as absent, which silently fell back to the config's model."""
    if not text:
        raise argparse.ArgumentTypeError("an empty file name")
    return text


def _output(text: str) -> str | None:
    """An --output value: a file, or None (standard output) for "-", as most tools read it."""
    return None if text == "-" else text


def _threshold(text: str) -> float:
    from logolint.config import threshold_text

    try:
        return threshold_text(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 0 <= value < 2**63:  # numpy's generators take no negative seed
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


def _shard(text: str):
    from logolint.shard import Shard

    try:
        return Shard.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


@functools.lru_cache(maxsize=1)  # built once: the hook asks it about options, then main parses with it
def _parser() -> argparse.ArgumentParser:
    from logolint.console import COLOR_CHOICES, NORMAL, QUIET, VERBOSE
    from logolint.formats import FORMATS

    parser = _Parser(prog="logolint", description="Catch the old logo in images.")
    parser.add_argument("--version", action="version", version=f"logolint {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    def talk(quiet: str, verbose: str | None = None) -> argparse.ArgumentParser:
        """How loud and colourful a command is, with help saying what that means for it."""
        options = argparse.ArgumentParser(add_help=False)
        loudness = options.add_mutually_exclusive_group()
        loudness.add_argument("-q", "--quiet", dest="verbosity", action="store_const", const=QUIET,
                              default=NORMAL, help=quiet)
        if verbose:
            loudness.add_argument("-v", "--verbose", dest="verbosity", action="store_const", const=VERBOSE,
                                  help=verbose)
        options.add_argument("--color", choices=COLOR_CHOICES, default="auto",
                             help="auto (default): on a terminal unless NO_COLOR is set")
        return options

    check = sub.add_parser("check", help="check images for the old logo (the default)", add_help=False, parents=[talk(
        "print findings (and warnings) only: no progress, no summary", "also print every file's score, the model and cache use")])
    check.add_argument("-h", "--help", action=_Help, help="show this help message and exit")
    check.add_argument("paths", nargs="*", default=["."], help="files or folders (default: .)")
    check.add_argument("--config", type=_named, help="config file (default: .logolint.yaml found upward)")
    check.add_argument("--model", type=_named, help="a .tflite model (default: config, then the demo model)")
    check.add_argument("--threshold", type=_threshold, help="old-logo confidence that fails")
    _localise_flag(check)
    check.add_argument("--format", choices=["auto", *sorted(FORMATS)], default="auto",
                       help="auto (default): github under GitHub Actions, else text")
    check.add_argument("-o", "--output", type=_output, help="write the report to this file instead of stdout (- is stdout)")
    check.add_argument("--cache-dir", type=_named,
                       help="result cache folder (default: $XDG_CACHE_HOME/logolint, or ~/.cache/logolint where "
                            "that is unset or relative)")
    check.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    check.add_argument("--shard", type=_shard, metavar="I/N", help="check only part I of N (for CI matrix jobs)")
    check.add_argument("--revision", metavar="REV",
                       help="check the files as git commit REV (a branch, tag or commit) has them, not the working "
                            "tree; the hook sets it where pre-commit passes the commits being pushed")
    check.add_argument("--write-baseline", metavar="FILE",
                       help="accept every current finding: add their content hashes to FILE (created if missing; "
                            "its entries kept)")
    check.add_argument("--hook", action="store_true", help=argparse.SUPPRESS)  # set by logolint-hook

    train = sub.add_parser("train", help="train a model from old and new examples",
                           parents=[talk("no progress: print the result only")])
    # extend: `--old a.svg --old photos/` gives both (store kept the last one in silence).
    train.add_argument("--old", nargs="+", action="extend", type=_named, required=True,
                       metavar="PATH", help="old-logo files or folders of them (SVG, PNG, photos)")
    train.add_argument("--new", nargs="+", action="extend", type=_named, required=True,
                       metavar="PATH", help="new-logo files or folders of them (SVG, PNG, photos)")
    train.add_argument("--other", nargs="*", action="extend", type=_named, default=[],
                       metavar="PATH", help="files or folders of images with neither logo")
    train.add_argument("--output", type=_named, required=True, metavar="DIR",
                       help="folder for model.tflite and labels.txt")
    train.add_argument("--seed", type=_seed, default=0, help="random seed (default: 0)")

    evaluate = sub.add_parser("eval", help="measure a model on labelled folders",
                              parents=[talk("no progress: print the evaluation only")])
    evaluate.add_argument("data", type=_named,
                          help="a folder with old/, new/ and optionally none/ (or other/ or negatives/) inside")
    evaluate.add_argument("--model", type=_named, help="a .tflite model (default: config, then the demo model)")
    evaluate.add_argument("--old", nargs="+", action="extend", type=_named,
                          metavar="PATH", help="train from these first (with --new)")
    evaluate.add_argument("--new", nargs="+", action="extend", type=_named,
                          metavar="PATH", help="train from these first (with --old)")
    evaluate.add_argument("--config", type=_named, help="config file (default: .logolint.yaml found upward)")
    evaluate.add_argument("--threshold", type=_threshold, help="old-logo confidence that fails")
    _localise_flag(evaluate)
    evaluate.add_argument("--format", choices=("text", "json"), default="text",
                          help="text (default) for people, json for scripts")
    evaluate.add_argument("-o", "--output", type=_output, help="write the evaluation to this file instead of stdout (- is stdout)")
    evaluate.add_argument("--seed", type=_seed, default=0, help="random seed when training (default: 0)")

    explain = sub.add_parser("explain", help="show why one image is or is not flagged", parents=[talk(
        "no hints: print the breakdown only", "list every view, not only those that fired and the best others")])
    explain.add_argument("image", type=_named, help="the image to explain")
    explain.add_argument("-o", "--output", metavar="FILE", help="draw the heat map and box over the image here "
                                                                "(format from the extension: .png, .jpg, ...)")
    explain.add_argument("--config", type=_named, help="config file (default: .logolint.yaml found upward)")
    explain.add_argument("--model", type=_named, help="a .tflite model (default: config, then the demo model)")
    explain.add_argument("--threshold", type=_threshold, help="old-logo confidence that fails")
    explain.add_argument("--revision", metavar="REV", help="explain the image as git commit REV has it, not the "
                                                           "working tree (as `check --revision` read it)")
    _localise_flag(explain)

    init = sub.add_parser("init", help="write .logolint.yaml; print the pre-commit and workflow snippets")
    init.add_argument("--force", action="store_true", help="overwrite an existing config file")
    return parser


def _localise_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--localise", action=argparse.BooleanOptionalAction, default=None,
                        help="also look for the logo in parts of each image (default: config, then on); "
                             "--no-localise classifies each whole image once")


def _load_config(args: argparse.Namespace):
    """The config file's settings, with those given on the command line instead."""
    import dataclasses

    from logolint.config import load_config

    config = load_config(args.config, new_baseline=bool(getattr(args, "write_baseline", None)))
    if args.localise is not None:
        config = dataclasses.replace(config, localise=args.localise)
    return config


def _console(args: argparse.Namespace):
    from logolint.console import Console

    return Console(sys.stdout, sys.stderr, os.environ, args.verbosity, args.color)


def _model(args: argparse.Namespace, config):
    """--model, else the config's model, else the demo model; pinned by model_sha256."""
    from pathlib import Path

    from logolint.model import load_model

    return load_model(Path(args.model) if args.model else config.model, config.model_sha256)


def _cannot_write(option: str, output: str, problem: str) -> LogolintError:
    import shlex

    return LogolintError(f"{option} {shlex.quote(output)}: cannot write there: {problem}")


def refuse_unwritable(output: str | None, option: str = "--output", checked: Sequence[str] = (),
                      inputs: Sequence[tuple[str, object]] = ()) -> None:
    """LogolintError, before minutes of work, for a report or baseline that could not be
    written there, or that would overwrite an image, a file `checked` names, or one of the
    run's own `inputs` ((what, path) pairs: the model, the config): `check --output old.png .`
    wrote its report over the image it had just checked, and `-o` completed to the model's
    name replaced the model with the report."""
    if output is None:
        return
    from logolint.files import write_problem
    from logolint.imaging import is_image_path

    problem = write_problem(output) or (
        "an image's name: logolint checks such files, and this would overwrite one" if is_image_path(output) else
        "it is a file being checked" if any(_same_file(output, path) for path in checked) else
        next((f"it is {what} in use" for what, path in inputs if path is not None and _same_file(output, path)), None))
    if problem:
        raise _cannot_write(option, output, problem)


def run_inputs(model: str | None, config, baseline: bool = True) -> list[tuple[str, object]]:
    """The files a run reads besides its images (`model` as named on the command line),
    for refuse_unwritable."""
    from logolint.model import bundled_model_path

    found = [("the model", model or config.model or bundled_model_path()), ("the config", config.source)]
    return found + [("the baseline", config.baseline)] if baseline else found


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them is not there (yet)
        return False


def _write(text: str, output: str | None, errors: str = "backslashreplace") -> None:
    if output is None:
        sys.stdout.write(text)
        return
    from logolint.files import write_output

    try:
        write_output(output, text.encode("utf-8", errors))
    except OSError as exc:
        raise LogolintError(f"cannot write {output}: {exc.strerror or exc}") from None


class _ReaderMayLeave:
    """A stream whose reader may go away (`logolint . | head -1`): what it no longer reads
    goes to the null device, and the check goes on to its own result and reports. Standard
    output that cannot be written otherwise (a full disk) is a usage error, not a bug."""

    def __init__(self, stream, name: str = "stdout") -> None:
        self._stream = stream
        self._name = name

    def __getattr__(self, name: str):
        return getattr(self._stream, name)

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except OSError as exc:
            self._failed(exc)
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as exc:
            self._failed(exc)

    def _failed(self, exc: OSError) -> None:
        self._to_null()
        if self._name == "stdout" and not isinstance(exc, BrokenPipeError):
            raise LogolintError(f"cannot write to standard output: {exc.strerror or exc}") from None

    def _to_null(self) -> None:
        # Python flushes the stream's buffer again at exit: pointed at the null device, that
        # flush succeeds instead of printing a BrokenPipeError.
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), self._stream.fileno())
        except (AttributeError, OSError, ValueError):  # no file descriptor: nothing to flush at exit
            pass


def _sturdy_streams() -> None:
    """A file name that is not UTF-8 reaches Python as lone surrogates, which a strict
    UTF-8 stdout refuses: write them as escapes rather than fail the whole report. A
    closed stream (`2>&-`) or one whose reader leaves (see _ReaderMayLeave) is no error."""
    for fd, name in ((1, "stdout"), (2, "stderr")):
        stream = getattr(sys, name)
        if stream is None:  # closed when the process started
            # Onto its own descriptor, which others use too (the model's loader saves and
            # restores descriptor 2): opened plainly, the null device could take descriptor 0.
            null = os.open(os.devnull, os.O_WRONLY)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
            setattr(sys, name, open(fd, "w", encoding="utf-8", errors="backslashreplace", closefd=False))
            continue
        try:
            stream.reconfigure(errors="backslashreplace")
        except (AttributeError, ValueError, OSError):  # not a TextIOWrapper, or already in use
            pass
        if not isinstance(stream, _ReaderMayLeave):
            setattr(sys, name, _ReaderMayLeave(stream, name))


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _M_ARENA_MAX = -1, -3, -8  # mallopt's parameters, from glibc's malloc.h


def _one_blas_thread() -> None:
    """Checking does no linear algebra, but numpy's OpenBLAS starts a worker per core on
    import that busy-waits for work: about 95 ms of CPU per run, taken from the model's
    threads on a busy machine. Effective before numpy's first import only; an explicit
    setting is kept."""
    if "numpy" not in sys.modules:
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def _keep_freed_memory() -> None:
    """Each image allocates and frees arrays of megabytes (pixels, scale spaces, masks).
    glibc's malloc maps such blocks fresh from the kernel and unmaps them when freed (and
    trims freed heap tops), so every image faulted the same pages in again: 2.3 s of
    kernel time in a check of forty 1-MP pictures. Freed memory is kept for reuse
    instead (see the README's Performance), in one heap for all threads: with a heap per
    thread, memory one thread had freed was faulted in afresh by another, and a check of
    forty pictures faulted 130,000 to 540,000 pages in from run to run. glibc only; an
    explicit MALLOC_ setting in the environment is kept."""
    if any(name in os.environ for name in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_ARENA_MAX")):
        return
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError, TypeError):  # not glibc (macOS; Windows has no CDLL(None))
        return
    mallopt(_M_MMAP_THRESHOLD, 64 << 20)  # larger blocks are still mapped and unmapped
    mallopt(_M_TRIM_THRESHOLD, 128 << 20)  # free memory the heap keeps at its top
    mallopt(_M_ARENA_MAX, 1)


def _check(args: argparse.Namespace) -> int:
    from logolint.cache import DAY, MAX_AGE, result_cache
    from logolint.check import check_paths, resolve_threshold

    _one_blas_thread()
    _keep_freed_memory()
    console = _console(args)
    if args.write_baseline and (args.format != "auto" or args.output):
        # The findings it accepts would be reported as failures: one job or the other.
        raise LogolintError("--write-baseline writes the baseline only: leave out --format and --output, "
                            "and run the report on its own once the baseline is written")
    config = _load_config(args)
    refuse_unwritable(args.output, checked=args.paths, inputs=run_inputs(args.model, config))
    # --write-baseline may name the baseline in use: it is updated, its notes kept.
    refuse_unwritable(args.write_baseline, "--write-baseline", checked=args.paths,
                      inputs=run_inputs(args.model, config, baseline=False))
    if args.hook and (args.write_baseline or args.shard):
        # Each passes the staged files with exit 0: all of them accepted, or some left to other shards.
        raise LogolintError(f"{'--write-baseline' if args.write_baseline else '--shard'} among the hook's args would "
                            "pass staged files unchecked; leave it out")
    if args.hook and not _model_chosen(args, config):
        from logolint.hints import config_home, shown

        # pre-commit shows a passing hook's output to no one: a warning there would be lost.
        raise LogolintError("no model is configured: the bundled demo model knows only logolint's fictional demo "
                            "brand, so this hook would pass your old logo. Train yours with `logolint train` and "
                            f"name it in {shown(config_home(config)[0])} (model: ...)")
    kept = _kept_entries(args.write_baseline) if args.write_baseline else {}  # a broken one refused before the work
    revision = None
    if args.revision is not None:
        from logolint.revision import Revision

        # The hook's files include those the pushed commits delete: they do not land.
        revision = Revision(args.revision, args.paths[0] if args.paths else ".", missing_ok=args.hook)
    model = _model(args, config)
    console.detail(f"model {printable(str(model.path))} (sha256 {model.sha256[:12]})")
    if revision:
        console.detail(f"files as {printable(revision.name)} has them (commit {revision.commit[:12]})")
    cache, unusable = (None, None) if args.no_cache else result_cache(args.cache_dir)
    if unusable:
        console.warn(f"logolint: warning: {unusable}")
    with console.progress() as line:
        report = check_paths(args.paths, config, model, args.threshold, cache, shard=args.shard, revision=revision,
                             on_result=_follow(console, line, resolve_threshold(config, model, args.threshold)))
    if cache:
        pruned = cache.prune()
        console.detail(f"cache {printable(str(cache.directory))}: {cache.hits} hits, {cache.misses} misses"
                       + (f", {pruned} {'entry' if pruned == 1 else 'entries'} unused for {MAX_AGE // DAY} days removed"
                          if pruned else ""))
        if cache.unwritable:
            print(f"logolint: warning: results not cached: cannot write to {printable(str(cache.directory))}: "
                  f"{cache.unwritable}", file=sys.stderr)
    if args.write_baseline:
        code = _write_baseline(report, args.write_baseline, kept, console)
        from logolint.hints import config_home, shown, yaml_value

        home, root = config_home(config)
        value = yaml_value(args.write_baseline, root)
        if value is None:
            console.warn(f"logolint: warning: a YAML config cannot spell the baseline's name "
                         f"{printable(args.write_baseline)}: rename it to use it")
        elif config.baseline is None:
            console.info(printable(f"logolint: so that checks accept them, add to {shown(home)}: baseline: {value}"))
        elif not _same_file(config.baseline, args.write_baseline):
            console.info(printable(f"logolint: checks read the baseline {shown(config.baseline)}; to use this one, "
                                   f"set baseline: {value} in {shown(home)}"))
        _warn_if_demo(console, report.results, args, config)
        return code
    name = args.format
    if name == "auto":
        name = "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    _write(_render(report, name, console, args.output), args.output)
    if args.output:  # stdout is silent then: say where the report went
        console.info(f"logolint: wrote {printable(args.output)}: {summary(report)}")
    _warn_if_demo(console, report.results, args, config)
    if args.hook and report.findings:  # a blocked commit: what to do next
        import shlex

        first = printable(report.findings[0].path)
        first = shlex.quote(f"./{first}" if first.startswith("-") else first)  # not read as an option
        as_pushed = f"--revision {revision.commit[:12]} " if revision else ""
        console.info(f"logolint: see why with `logolint explain {as_pushed}{first}`; "
                     "a file kept on purpose (a press kit, a legacy page) is accepted by a baseline "
                     "(`logolint check --write-baseline .logolint-baseline.txt`) or the config's `allow:`")
    if name == "github" and (problem := write_step_summary(report)):
        print(f"logolint: warning: {problem}", file=sys.stderr)
    return EXIT_FINDINGS if report.failed else EXIT_OK


def _model_chosen(args: argparse.Namespace, config) -> bool:
    """Whether --model or the config names a model (else the demo model is used)."""
    return bool(args.model) or config.model is not None


def _warn_if_demo(console, results, args: argparse.Namespace, config) -> None:
    """The demo model's warning, where it judged any of `results` because no model was chosen."""
    from logolint.model import DEMO_MODEL, judged_by_demo

    if judged_by_demo(results, _model_chosen(args, config)):
        console.warn(f"logolint: warning: {DEMO_MODEL}")


def _follow(console, line, threshold: float):
    """The on_result callback: advance the progress line; with -v, one line per file."""

    def on_result(result, done: int, total: int) -> None:
        shown = printable(result.path)
        if line:
            line.update(done, total, shown)
        if result.error is not None:
            console.detail(f"{shown}: not checked: {printable(result.error)}")
        else:
            verdict = (console.paint_err("old logo", "bad") if result.flagged else
                       f"accepted: {printable(result.accepted)}" if result.accepted is not None else "ok")
            console.detail(f"{shown}: {shown_score(result.score, threshold)} {printable(result.label)} ({verdict})")

    return on_result


def _render(report, name: str, console, output: str | None) -> str:
    from logolint import formats
    from logolint.console import QUIET, painter

    if name != "text":
        return formats.FORMATS[name](report)
    paint = console.paint_out if output is None else painter(console.color == "always")
    return formats.text(report, paint=paint, with_summary=console.verbosity > QUIET)


def write_step_summary(report) -> str | None:
    """Append the job summary to `$GITHUB_STEP_SUMMARY`, when GitHub Actions provides one;
    why it could not be written, or None. The summary repeats the annotations, so a
    failure to write it is a warning, not the run's outcome."""
    from logolint.github import job_summary

    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if not path:
        return None
    try:
        with open(path, "a", encoding="utf-8", errors="backslashreplace") as stream:
            stream.write(job_summary(report))
    except OSError as exc:
        return f"cannot write the job summary {printable(path)}: {exc.strerror or exc}"
    return None


def _kept_entries(output: str) -> dict:
    """The entries of the baseline `--write-baseline` adds to, if it exists."""
    from pathlib import Path

    from logolint.baseline import read_entries

    try:
        return read_entries(Path(output)) if os.path.isfile(output) else {}
    except ValueError as exc:
        raise LogolintError(f"cannot add to the baseline: {exc}") from None


def _write_baseline(report, output: str, kept: dict, console) -> int:
    from logolint.baseline import BASELINE_ERRORS, baseline_entries, baseline_text

    entries = baseline_entries(report.results, kept, os.path.dirname(os.path.abspath(output)))
    _write(baseline_text(entries), output, BASELINE_ERRORS)
    count, added = len(entries), len(entries.keys() - kept.keys())
    # One entry per content: copies of an image are accepted together.
    files = sum(1 for result in report.results if result.sha256 in entries)
    copies = f"; {files} files here show {'it' if count == 1 else 'them'}" if files > count else ""
    console.info(f"logolint: wrote {count} accepted image{'s' if count != 1 else ''} to {printable(output)} "
                 f"({added} new){copies}")
    for result in report.errors:
        print(f"{printable(result.path)}: not checked: {printable(result.error)}", file=sys.stderr)
    return EXIT_FINDINGS if report.fail_on_error and report.errors else EXIT_OK


def _train(args: argparse.Namespace) -> int:
    from logolint.train import train

    _keep_freed_memory()
    console = _console(args)
    from logolint.hints import config_home, next_steps

    home = config_home()  # a config problem said now, not after a minute of training
    # Training reports stages, not counts: a spinner with the elapsed time shows it is alive.
    with console.progress(ticking=True) as line:

        def progress(message: str) -> None:
            console.info(message)
            if line:
                line.update(note=message)

        summary = train(args.old, args.new, args.other, args.output, seed=args.seed, progress=progress)
    first, *warnings = summary.split("\n")
    model = os.path.join(args.output, "model.tflite")
    print("\n".join([f"{first}; wrote {printable(model)}", *warnings]))
    console.info(next_steps(model, args.old, home))
    return EXIT_OK


def _eval(args: argparse.Namespace) -> int:
    import tempfile
    from pathlib import Path

    from logolint.check import check_file, known_old_labels, resolve_threshold, with_old_labels
    from logolint.evaluate import as_json, as_text, evaluate, labelled_files, mislabelled, unlabelled_folders
    from logolint.model import load_model

    _keep_freed_memory()
    console = _console(args)
    if bool(args.old) != bool(args.new):
        raise LogolintError("eval: --old and --new go together")
    if args.old and args.model:
        raise LogolintError("eval: --model or --old/--new (which train a model first), not both")
    config = _load_config(args)
    # The logo files to train from may have any name (oldlogo, logo.png.orig).
    refuse_unwritable(args.output, checked=[*(args.old or ()), *(args.new or ())], inputs=run_inputs(args.model, config))
    pairs = labelled_files(args.data)
    loose = _loose_images(args.data)
    if loose:
        console.warn(f"logolint: warning: {loose} image{'s' if loose != 1 else ''} directly in {printable(args.data)} "
                     "not counted: only those in its old/, new/ and none/ folders are")
    skipped = unlabelled_folders(args.data)
    if skipped:  # negative/ for negatives/: the user believes those were measured
        console.warn(f"logolint: warning: {', '.join(printable(name) + '/' for name in skipped)} in "
                     f"{printable(args.data)} not counted: only old/, new/ and none/ (or other/ or negatives/) are")
    try:  # for the model trained from --old and --new
        scratch = tempfile.TemporaryDirectory() if args.old else contextlib.nullcontext()
    except OSError as exc:
        raise LogolintError(f"no temporary folder to train in: {exc.strerror or exc} (set TMPDIR)") from None
    with scratch as folder:
        model_path = Path(args.model) if args.model else config.model
        if args.old:
            from logolint.train import LABELS, train

            if config.old_labels is not None:  # before minutes of training, as for a model given
                known_old_labels(config.old_labels, LABELS)
            summary, *warnings = train(args.old, args.new, [], folder, seed=args.seed,
                                       progress=console.info).split("\n")
            console.info(summary)
            for warning in warnings:  # the look-alike warning bears on the evaluation: -q keeps it
                console.warn(warning)
            model_path = Path(folder) / "model.tflite"
        model = with_old_labels(load_model(model_path, None if args.old else config.model_sha256), config.old_labels)
        threshold = resolve_threshold(config, model, args.threshold)
        with console.progress() as line:
            results = []
            for path, _ in pairs:
                results.append(check_file(path, model, threshold, localise=config.localise))
                if line:
                    line.update(len(results), len(pairs), printable(path))
    evaluation = evaluate([truth for _, truth in pairs], results, threshold)
    _write((as_json if args.format == "json" else as_text)(evaluation), args.output)
    twins = mislabelled([truth for _, truth in pairs], results)
    for first, second in twins[:5]:
        console.warn(f"logolint: warning: {printable(first)} and {printable(second)} hold the same bytes under "
                     "two labels: one of them is wrong, and the scores count it both ways")
    if len(twins) > 5:
        console.warn(f"logolint: warning: {len(twins) - 5} more such pairs")
    if evaluation.recall is None:  # every old image unreadable: the accuracy is of the rest alone
        console.warn("logolint: warning: no image in old/ could be checked, so the old logo's recall is unknown")
    if not args.old:
        _warn_if_demo(console, results, args, config)
    return EXIT_OK


def _loose_images(folder: str) -> int:
    """How many image files lie in `folder` itself, outside its labelled sub-folders."""
    from logolint.imaging import is_image_path

    try:
        with os.scandir(folder) as entries:
            return sum(1 for entry in entries if is_image_path(entry.name) and not entry.is_dir())
    except OSError:
        return 0


def _explain(args: argparse.Namespace) -> int:
    from logolint.console import VERBOSE
    from logolint.explain import describe, explain

    _one_blas_thread()
    console = _console(args)
    config = _load_config(args)
    from logolint.imaging import read_file
    from logolint.paths import reachable

    read = read_file
    if args.revision is not None:
        from logolint.revision import Revision

        revision = Revision(args.revision, args.image)
        if revision.collect([args.image], (), config.root) != [args.image]:
            raise ConfigError(f"{args.image} is a folder in {args.revision}: explain takes one image "
                              "(check takes folders)")
        read = revision.read
    else:
        reachable(args.image)  # a usage error where `check` has one
        if os.path.isdir(args.image):
            raise ConfigError(f"{args.image} is a folder: explain takes one image (check takes folders)")
    if args.output is not None:
        from logolint.explain import overlay_path_problem

        problem = overlay_path_problem(args.output, args.image)
        if problem:
            raise _cannot_write("-o", args.output, problem)
    from pathlib import Path

    from logolint.paths import Excluder

    if Excluder(config.exclude, config.root).excluded(Path(args.image)):  # never checked, as `check` has it
        console.out.write(f"{printable(args.image)}: not checked: excluded by the config's exclude\n")
        return EXIT_OK
    model = _model(args, config)
    try:
        explanation = explain(args.image, config, model, args.threshold, read)
    except ImageError as exc:  # reported as `check` reports it, and failing as it would
        console.out.write(f"{printable(args.image)}: not checked: {printable(str(exc))}\n")
        return EXIT_FINDINGS if config.unreadable == "fail" else EXIT_OK
    console.out.write(describe(explanation, console.paint_out, every_view=console.verbosity >= VERBOSE))
    console.out.flush()
    _warn_if_demo(console, [explanation.verdict], args, config)
    if args.output:
        from logolint.explain import overlay
        from logolint.files import write_output
        from logolint.overlay_file import encode, kind

        try:
            write_output(args.output, encode(overlay(explanation), kind(args.output)))
        except (OSError, ValueError) as exc:  # ValueError: what a format's writer refuses
            raise LogolintError(f"cannot write {args.output}: {exc}") from None
        console.info(f"wrote {printable(args.output)}")
    else:
        console.info("add -o overlay.png to see the heat map and box drawn over the image")
    return EXIT_FINDINGS if explanation.failed else EXIT_OK


def _init(args: argparse.Namespace) -> int:
    from pathlib import Path

    from logolint.config import find_config
    from logolint.paths import repository_root
    from logolint.scaffold import (ACTION, REPOSITORY, WORKFLOW, placement, pre_commit_problem, pre_commit_snippet,
                                   write_config)

    root = repository_root(Path.cwd())
    in_use = find_config(Path.cwd().resolve())  # one in a subfolder overrides the root's here
    if in_use is not None and not in_use.parent.is_relative_to(root):  # outside any repository: an ancestor's
        in_use = None
    path, written = write_config(in_use.parent if in_use else root, force=args.force)
    hooks = root / ".pre-commit-config.yaml"
    existing, problem = _pre_commit_config(hooks)
    where = {"under": "under `repos:` in", "into": "as an item of the `repos:` list of",
             "instead": "in place of the `repos: []` line of", "end": "at the end of", "new": "as"}[placement(existing)]
    if written:
        print(f"wrote {printable(str(path))}: name your model there (model:) once `logolint train` has made it, "
              "or the hook refuses to run; every other key is optional, and the comments explain each\n")
    else:
        print(f"kept {printable(str(path))}, which is there already (`init --force` replaces it with the "
              "commented template, dropping what it holds)\n")
    owner = f"with {ACTION.split('/')[0]} replaced by the account logolint is published under"
    problem = problem or pre_commit_problem(existing)
    if problem:
        print(f"pre-commit: {printable(str(hooks))} {problem}\n")
    else:
        print(f"pre-commit: save this {where} {printable(str(hooks))}, then run `pre-commit install` "
              f"({owner}):\n")
        print(pre_commit_snippet(existing))
        print(f"(Until logolint is published where `repo:` can point, a logolint installed with pip runs as a "
              f"local hook instead: the `repo: local` entry in {REPOSITORY}#use-it-as-a-pre-commit-hook.)\n")
    print(f"GitHub Actions: save this as {printable(str(root / '.github/workflows/logolint.yml'))} ({owner}; "
          "pin it to a commit, as the checkout step is):\n")
    print(WORKFLOW, end="")
    return EXIT_OK


def _pre_commit_config(path) -> tuple[str | None, str | None]:
    """The text of the `.pre-commit-config.yaml` at `path` (None if there is none), or why
    it cannot be read: taken for empty, it was advised a second `repos:` key."""
    from logolint.config import MAX_CONFIG_BYTES
    from logolint.files import read_text

    if not os.path.lexists(path):
        return None, None
    try:
        return read_text(path, MAX_CONFIG_BYTES, encoding="utf-8-sig"), None
    except UnicodeDecodeError:
        return None, "cannot be read (it is not UTF-8 text): fix it first"
    except OSError as exc:
        return None, f"cannot be read ({exc.strerror or exc}): fix it first"


def hook(argv: Sequence[str] | None = None) -> int:
    """The pre-commit hook's entry. pre-commit runs `entry args... files...` with no
    separator, so a staged file named like an option (`-logo.png`, or
    `--write-baseline=x.png`, which would write a baseline and pass) must still be read
    as a file: the files are the trailing arguments that name existing files or do not
    look like options (but the value of an option just before them: `--config
    .logolint.yaml`), or everything after a `--`. No file at all is an error, never a pass."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--" in argv:
        cut = argv.index("--")
        options, files = argv[:cut], argv[cut + 1:]
    else:
        cut = len(argv)
        while cut and (os.path.lexists(argv[cut - 1])
                       or not argv[cut - 1].startswith("-") and not (cut > 1 and _takes_value(argv[cut - 2]))):
            cut -= 1
        if 0 < cut < len(argv) and _takes_value(argv[cut - 1]):
            cut += 1
        options, files = argv[:cut], argv[cut:]
    if not files and {"-h", "--help"} & set(options):  # run by hand; with files, see _Help
        return main(["check", "--help"])
    if not files:
        print("logolint-hook: error: no file to check among the arguments (pre-commit passes them last; "
              "with always_run: true or pass_filenames: false it passes none: leave those out)", file=sys.stderr)
        return EXIT_USAGE
    # At pre-push (and `pre-commit run --from-ref --to-ref`), pre-commit names the files the
    # pushed commits change (every file, for a first push) but leaves them as checked out:
    # check what the pushed commit holds. First, so that a --revision in `args:` wins.
    pushed = os.environ.get("PRE_COMMIT_TO_REF") or os.environ.get("PRE_COMMIT_LOCAL_BRANCH")
    if pushed:
        options = ["--revision", pushed, *options]
    return main(["check", "--hook", *options, "--", *files])


def _takes_value(token: str) -> bool:
    """Whether `token` is a `check` option that takes the next argument as its value
    (argparse also takes a long option's unique prefix)."""
    if not token.startswith("-") or "=" in token:
        return False
    parser = _parser()
    commands = next(action for action in parser._actions if isinstance(action, argparse._SubParsersAction))
    actions = commands.choices["check"]._actions
    options = [name for action in actions if action.nargs != 0 for name in action.option_strings]
    if token in options:
        return True
    if not token.startswith("--") and len(token) > 2:  # flags run together, the last may take a value: -qo
        flags = [name for action in actions if action.nargs == 0 for name in action.option_strings]
        for i, letter in enumerate(token[1:], 1):
            if f"-{letter}" in options:
                return i == len(token) - 1  # else the rest of the token is its value
            if f"-{letter}" not in flags:
                return False
        return False
    prefixed = [name for name in options if token.startswith("--") and name.startswith(token)]
    return len(prefixed) == 1


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    _sturdy_streams()  # before argparse, which writes help and usage errors
    try:
        os.getcwd()  # names are read from it, configs found from it
    except OSError as exc:
        problem = ("no longer exists" if isinstance(exc, FileNotFoundError)
                   else f"cannot be used ({exc.strerror or exc})")
        print(f"logolint: error: the current folder {problem}: run logolint from one that does", file=sys.stderr)
        return EXIT_USAGE
    if not argv or (argv[0] not in COMMANDS and argv[0] not in ("-h", "--help", "--version")):
        # `logolint --config c.yaml explain x.png` would check a file named "explain".
        before = argv[:argv.index("--")] if "--" in argv else argv
        late = next((token for token in before if token in COMMANDS and not os.path.lexists(token)), None)
        if late is not None:
            print(f"logolint: error: {late} is a command: name it first, then its options "
                  f"(logolint {late} [options] ...)", file=sys.stderr)
            return EXIT_USAGE
        argv.insert(0, "check")
    try:
        args = _parser().parse_args(argv)  # its help, too, may not be writable (see _ReaderMayLeave)
        commands = {"check": _check, "train": _train, "eval": _eval, "explain": _explain, "init": _init}
        return commands[args.command](args)
    except LogolintError as exc:  # messages name files: escaped as every printed name is
        print(f"logolint: error: {printable(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM under the console scripts (see start)
        from logolint.start import stopped

        return stopped(exc)
    except Exception as exc:  # a bug: one line that can be reported, not a traceback
        print(f"logolint: internal error: {type(exc).__name__}: {printable(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
