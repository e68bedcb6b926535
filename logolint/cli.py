"""Command line: parse arguments, call the core, print, return an exit code."""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from logolint import __version__
from logolint.errors import LogolintError

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
COMMANDS = ("check", "train")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse exits 2 itself; keep it one line
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _threshold(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be from 0 to 1, got {text}")
    return value


def _parser() -> argparse.ArgumentParser:
    from logolint.formats import FORMATS

    parser = _Parser(prog="logolint", description="Catch the old logo in images.")
    parser.add_argument("--version", action="version", version=f"logolint {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    check = sub.add_parser("check", help="check images for the old logo (the default)")
    check.add_argument("paths", nargs="*", default=["."], help="files or folders (default: .)")
    check.add_argument("--config", help="config file (default: .logolint.yaml found upward)")
    check.add_argument("--model", help="a .tflite model (default: config, then the demo model)")
    check.add_argument("--threshold", type=_threshold, help="old-logo confidence that fails")
    check.add_argument("--format", choices=sorted(FORMATS), default="text")
    check.add_argument("--output", help="write the report to this file instead of stdout")
    check.add_argument("--cache-dir", help="result cache folder (default: $XDG_CACHE_HOME/logolint)")
    check.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")

    train = sub.add_parser("train", help="train a model from old and new examples")
    train.add_argument("--old", nargs="+", required=True, metavar="PATH", help="old-logo images")
    train.add_argument("--new", nargs="+", required=True, metavar="PATH", help="new-logo images")
    train.add_argument("--other", nargs="*", default=[], metavar="PATH", help="images with neither")
    train.add_argument("--output", required=True, metavar="DIR", help="folder for model.tflite")
    train.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    return parser


def _write(text: str, output: str | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    try:
        with open(output, "w", encoding="utf-8") as stream:
            stream.write(text)
    except OSError as exc:
        raise LogolintError(f"cannot write {output}: {exc.strerror or exc}") from None


def _check(args: argparse.Namespace) -> int:
    from pathlib import Path

    from logolint.cache import ResultCache, default_cache_dir
    from logolint.check import check_paths
    from logolint.config import load_config
    from logolint.formats import FORMATS
    from logolint.model import load_model

    config = load_config(args.config)
    model = load_model(Path(args.model) if args.model else config.model, config.model_sha256)
    cache = None if args.no_cache else ResultCache(Path(args.cache_dir or default_cache_dir()))
    report = check_paths(args.paths, config, model, args.threshold, cache)
    _write(FORMATS[args.format](report), args.output)
    return EXIT_FINDINGS if report.failed else EXIT_OK


def _train(args: argparse.Namespace) -> int:
    from logolint.train import train

    def progress(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    summary = train(args.old, args.new, args.other, args.output, seed=args.seed, progress=progress)
    print(summary)
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0] not in COMMANDS and argv[0] not in ("-h", "--help", "--version")):
        argv.insert(0, "check")
    args = _parser().parse_args(argv)
    try:
        return {"check": _check, "train": _train}[args.command](args)
    except LogolintError as exc:
        print(f"logolint: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("logolint: interrupted", file=sys.stderr)
        return 130
