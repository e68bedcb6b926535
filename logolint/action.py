"""The GitHub Action's check step, run as `python -m logolint.action` by action.yml.

Inputs arrive as environment variables (`INPUT_PATHS`, `INPUT_CONFIG`, ...) set by the
composite step's `env:`, never spliced into a shell script. It writes annotations to
stdout, the job summary, a SARIF file, and the `findings` and `sarif-file` outputs.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Mapping

from logolint.errors import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, ConfigError, LogolintError
from logolint.shard import Shard

DIFF_EVENTS = ("pull_request", "push")
NO_COMMIT = "0" * 40
SHA = re.compile(r"[0-9a-f]{40}([0-9a-f]{24})?")  # SHA-1 or SHA-256 object names
GITLINK, SYMLINK = "160000", "120000"  # the modes of a submodule's and a link's entry in a tree
SPARSE_BATCH = 200


def _bool(name: str, text: str, default: bool, auto: bool = True) -> bool:
    """An input's true or false; empty (and, where the input has it, auto) is `default`."""
    value = text.strip().lower()
    if value == "" or auto and value == "auto":
        return default
    if value in ("true", "false"):
        return value == "true"
    raise ConfigError(f"input {name} must be {'true, false or auto' if auto else 'true or false'}, got {text!r}")


def _threshold(text: str) -> float | None:
    from logolint.config import threshold_text

    if not text.strip():
        return None
    try:
        return threshold_text(text)
    except ValueError:
        raise ConfigError(f"input threshold must be a number from 0 to 1, got {text!r}") from None


@dataclasses.dataclass(frozen=True)
class Inputs:
    paths: tuple[str, ...]
    config: str | None
    threshold: float | None
    changed_only: bool
    sarif_file: str
    fail_on_findings: bool
    shard: Shard | None
    cache_dir: str | None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Inputs:
        """Read and validate the inputs; ConfigError names a bad one."""
        paths = tuple(line.strip() for line in env.get("INPUT_PATHS", "").splitlines() if line.strip())
        threshold = _threshold(env.get("INPUT_THRESHOLD", ""))
        shard = None
        if env.get("INPUT_SHARD", "").strip():
            try:
                shard = Shard.parse(env["INPUT_SHARD"])
            except ValueError as exc:
                raise ConfigError(f"input shard: {exc}") from None
        sarif_file = env.get("INPUT_SARIF_FILE", "").strip()
        if not sarif_file:
            name = f"logolint-{shard.index}-of-{shard.count}.sarif" if shard else "logolint.sarif"
            sarif_file = os.path.join(env.get("RUNNER_TEMP") or tempfile.gettempdir(), name)
        return cls(
            paths=paths or (".",),
            config=env.get("INPUT_CONFIG", "").strip() or None,
            threshold=threshold,
            # Not on push: code scanning takes each upload as its branch's whole state, so a
            # SARIF of the pushed images alone would close every other image's alert as fixed.
            # On a pull request it compares the upload with the base branch's.
            changed_only=_bool("changed-only", env.get("INPUT_CHANGED_ONLY", ""),
                               env.get("GITHUB_EVENT_NAME") == "pull_request"),
            sarif_file=sarif_file,
            fail_on_findings=_bool("fail-on-findings", env.get("INPUT_FAIL_ON_FINDINGS", ""), True,
                                     auto=False),
            shard=shard,
            cache_dir=env.get("LOGOLINT_CACHE_DIR") or None,
        )


def _git(*args: str, check: bool = True, where: str = ".") -> subprocess.CompletedProcess:
    process = subprocess.run(["git", "-C", where, "--literal-pathspecs", *args], capture_output=True)
    if check and process.returncode != 0:
        raise LogolintError(f"git {args[0]} failed: {_detail(process)}")
    return process


def _detail(process: subprocess.CompletedProcess) -> str:
    """What git said on stderr, all of it on one line: the last line alone is often advice
    without its cause ("dubious ownership" ends in a `git config` line to run)."""
    detail = " ".join(line.strip() for line in process.stderr.decode(errors="replace").splitlines() if line.strip())
    return detail or f"exit code {process.returncode}"


def _have(commit: str, where: str) -> bool:
    return _git("cat-file", "-e", f"{commit}^{{commit}}", check=False, where=where).returncode == 0


def _top(path: str) -> str:
    """The top folder of the git repository holding `path` (or its nearest existing folder)."""
    folder = path if os.path.isdir(path) else os.path.dirname(path) or "."
    while not os.path.isdir(folder):  # a path this change removed
        parent = os.path.dirname(folder)
        folder = parent if parent and parent != folder else "."
    top = os.fsdecode(_git("rev-parse", "--show-toplevel", where=folder).stdout.rstrip(b"\n"))
    above = _git("rev-parse", "--show-superproject-working-tree", where=folder).stdout.strip()
    if above and not above.startswith(b"--"):  # git before 2.13 echoes the option it does not know
        raise LogolintError(f"paths: {path} is in a submodule, whose history does not hold the event's "
                            f"commits: set changed-only: false to check it")
    return top


def _repository(pathspecs: tuple[str, ...]) -> str:
    """The top folder of the git repository holding the paths, which need not be the
    current folder (actions/checkout with `path:`); all of them must be in that one."""
    top = _top(pathspecs[0] if pathspecs else ".")
    for spec in pathspecs[1:]:
        if os.path.lexists(spec) and os.path.realpath(_top(spec)) != os.path.realpath(top):
            raise LogolintError(f"paths: {spec} is not in the repository of {pathspecs[0]}: changed-only mode "
                                f"compares one repository's commits; set changed-only: false to check both")
    return top


def config_start(paths: tuple[str, ...]) -> Path | None:
    """Where the config is looked up from when the config input is not set: the top of the
    repository holding the first path where the working folder lies outside it
    (actions/checkout with `path:`) and it has a config of its own, else None (the working
    folder, whose config may be a workflow's central one). Its `.logolint.yaml` had been
    passed over: the demo model checked the repository, without its baseline."""
    from logolint.config import find_config
    from logolint.paths import holds_git, repository_root

    first = Path(paths[0] if paths else ".")
    top = repository_root(first if os.path.isdir(first) else first.parent)
    here = Path.cwd().resolve()
    if not holds_git(top) or here == top or top in here.parents:
        return None
    return top if find_config(top) is not None else None


def event_range(env: Mapping[str, str]) -> tuple[str, str, bool] | None:
    """(base, head, from_merge_base) for the event, or None when it has no diff to check
    (another event, or a push that created a branch)."""
    name = env.get("GITHUB_EVENT_NAME", "")
    if name not in DIFF_EVENTS:
        return None
    try:
        event = json.loads(Path(env["GITHUB_EVENT_PATH"]).read_text(encoding="utf-8"))
        if name == "pull_request":
            pull = event["pull_request"]
            base, head = pull["base"]["sha"], pull["head"]["sha"]
        else:
            base, head = event["before"], event["after"]
        for sha in (base, head):
            # Also keeps a value that git would read as an option (--upload-pack=...) out of git.
            if not (isinstance(sha, str) and SHA.fullmatch(sha)):
                raise ValueError(f"not a commit sha: {sha!r:.80}")
    except (KeyError, TypeError, OSError, ValueError) as exc:
        raise LogolintError(f"cannot read the {name} event from GITHUB_EVENT_PATH: {exc}") from None
    if name == "pull_request":
        return base, head, True
    return None if base == NO_COMMIT else (base, head, False)


def changed_files(base: str, head: str, from_merge_base: bool,
                  pathspecs: tuple[str, ...]) -> tuple[list[str], list[str]] | str:
    """Image files added or modified between `base` and `head` under `pathspecs` (and the
    files they name, whatever their extension), relative
    to the current folder, and those of them a sparse checkout left out; where `base`
    cannot be fetched, what git said instead. A rename counts as an addition, a deletion
    not at all, a symbolic link not at all (as when folders are walked: git stores the
    link, not an image, and a link could lead out of the checkout). Changed submodules are
    named in an annotation."""
    from logolint.imaging import is_image_path

    if head == NO_COMMIT:  # a push that deleted the branch
        return [], []
    top = _repository(pathspecs)
    if not _have(head, top):
        _git("fetch", "--no-tags", "--quiet", "origin", head, where=top)
    if not _have(base, top):
        fetched = _git("fetch", "--no-tags", "--quiet", "origin", base, check=False, where=top)
        if fetched.returncode != 0:
            # A force-push's `before` that the server has since dropped: no diff to take.
            return _detail(fetched)
    start = base
    if from_merge_base:
        found = _git("merge-base", base, head, check=False, where=top)
        if found.returncode == 0:
            start = found.stdout.decode().strip()
        else:
            shallow = _git("rev-parse", "--is-shallow-repository", check=False, where=top).stdout.strip() == b"true"
            print(f"::notice title=logolint::no merge base{' in this shallow clone' if shallow else ''}: comparing "
                  "the pull request with its base branch as it is now"
                  + (" (use fetch-depth: 0 for the exact diff)" if shallow else ""))
    within = _within(pathspecs, top, start)
    if not within:
        return [], []
    diff = _git("diff", "-z", "--raw", "--no-abbrev", "--no-renames", "--diff-filter=d", "--no-ext-diff",
                "--ignore-submodules=none", start, head, "--", *within, where=top)
    fields = diff.stdout.split(b"\0")
    files, absent, submodules = [], [], []
    for status, name in zip(fields[0::2], fields[1::2]):
        path = os.path.relpath(os.path.join(top, os.fsdecode(name)))
        mode = status.split(b" ")[1].decode()
        # A file named in `paths` is checked whatever its extension, as the CLI checks it.
        wanted = is_image_path(path) or os.fsdecode(name) in within
        if mode == GITLINK:
            submodules.append(path)
        elif wanted and mode != SYMLINK and not os.path.islink(path):
            if os.path.lexists(path):
                files.append(path)
            else:
                absent.append(os.fsdecode(name))
    left_out = [os.path.relpath(os.path.join(top, name)) for name in _sparse(absent, top)]
    _name(submodules, "changed submodule", "its images are checked only with changed-only: false")
    return files, left_out


def _within(pathspecs: tuple[str, ...], top: str, start: str) -> list[str]:
    """The pathspecs relative to `top`. One that is not in the working tree is kept where a
    sparse checkout left it out (its changed images are named `not checked`), and is an error
    unless this change removed it (a typo or a glob would match nothing, and pass every
    change)."""
    from logolint.github import escape_message

    within = []
    for spec in pathspecs:
        # Resolved as git resolves `top`: a path through a linked folder would lead out of it.
        relative = os.path.relpath(os.path.realpath(spec), top)
        if not os.path.lexists(spec):
            if relative.startswith(".."):
                raise ConfigError(f"no such file or directory: {spec}")
            if _left_out_by_sparse_checkout(relative, top):
                within.append(relative)
                continue
            try:
                os.lstat(spec)
            except FileNotFoundError:
                pass
            except OSError as exc:  # a file named as a folder (`logo.png/`): said as the CLI says it
                raise ConfigError(f"cannot use {spec}: {exc.strerror or exc}") from None
            # The checked-out commit (the event's, or a pull request's merge) holds it: the files
            # were deleted from the working tree, and their changes would pass unseen.
            if _holds("HEAD", relative, top):
                raise ConfigError(f"{spec} is in the checked-out commit but not in the working tree")
            if not _holds(start, relative, top):
                raise ConfigError(f"no such file or directory: {spec}")
            print(f"::notice title=logolint::{escape_message(spec)} was removed by this change: nothing to check there")
            continue
        within.append(relative)
    return within


def _holds(commit: str, relative: str, top: str) -> bool:
    return _git("cat-file", "-e", f"{commit}:{relative}", check=False, where=top).returncode == 0


def _left_out_by_sparse_checkout(relative: str, top: str) -> bool:
    """Whether the index holds `relative`, or files under it, that a sparse checkout left out."""
    return bool(_skipped([relative], top))


def _sparse(names: list[str], top: str) -> list[str]:
    """Those of `names` (as git gives them, missing from the working tree) that a sparse
    checkout left out, as opposed to ones not in the checked-out commit (removed again on
    the base branch)."""
    left_out = _skipped(names, top)
    return [name for name in names if name in left_out]


def _skipped(pathspecs: list[str], top: str) -> set[str]:
    """The index's files under `pathspecs` that a sparse checkout left out."""
    left_out = set()
    for i in range(0, len(pathspecs), SPARSE_BATCH):  # within any system's command-line limit
        listed = _git("ls-files", "-z", "-t", "--", *pathspecs[i:i + SPARSE_BATCH], where=top).stdout.split(b"\0")
        left_out |= {os.fsdecode(entry[2:]) for entry in listed if entry[:2] == b"S "}
    return left_out


def _name(paths: list[str], what: str, why: str) -> None:
    from logolint.github import escape_message

    if paths:
        shown = ", ".join(paths[:10]) + (f" and {len(paths) - 10} more" if len(paths) > 10 else "")
        print(f"::warning title=logolint::{len(paths)} {what}{'s' if len(paths) != 1 else ''} ({why}): "
              f"{escape_message(shown)}")


def _left_out(paths: list[str], config, shard: Shard | None, root: str | None) -> tuple:
    """Results for changed images a sparse checkout left out, those the config excludes (or
    another shard has, naming files from `root` as check_paths does) aside."""
    from logolint.paths import Excluder
    from logolint.results import Result, repo_relative

    excluder = Excluder(config.exclude, config.root)
    kept = [path for path in paths if not excluder.excluded(Path(path))]
    if shard is not None:
        kept = shard.select(kept, lambda path: (root and repo_relative(path, root)) or os.path.abspath(path))
    return tuple(Result(path, None, False, error="not in this sparse checkout, so not checked (check it out, "
                                                 "or set changed-only: false)") for path in kept)


def _set_outputs(env: Mapping[str, str], **values: str) -> None:
    path = env.get("GITHUB_OUTPUT")
    if not path:
        return
    try:
        with open(path, "a", encoding="utf-8") as stream:
            for name, value in values.items():
                delimiter = f"logolint-{uuid.uuid4().hex}"  # a value cannot forge the end marker
                stream.write(f"{name.replace('_', '-')}<<{delimiter}\n{value}\n{delimiter}\n")
    except OSError as exc:
        raise LogolintError(f"GITHUB_OUTPUT {path}: cannot write there: {exc.strerror or exc}") from None


def run(env: Mapping[str, str]) -> int:
    from logolint.cache import result_cache
    from logolint.check import check_paths
    from logolint.cli import refuse_unwritable, run_inputs, write_step_summary
    from logolint.config import load_config
    from logolint.files import write_output
    from logolint.formats import FORMATS
    from logolint.github import escape_message
    from logolint.model import DEMO_MODEL, judged_by_demo, load_model

    inputs = Inputs.from_env(env)
    paths, left_out = list(inputs.paths), []
    if inputs.changed_only:
        span = event_range(env)
        if span is None:
            print("::notice title=logolint::no diff for this event: checking every image under the paths")
        elif isinstance(changed := changed_files(*span, inputs.paths), str):
            print(f"::notice title=logolint::the event's base commit {span[0][:12]} cannot be fetched (a force-push "
                  f"may have replaced it): checking every image under the paths. git: {escape_message(changed)}")
        else:
            paths, left_out = changed
            print(f"logolint: {len(paths) + len(left_out)} changed image{'s' if len(paths) + len(left_out) != 1 else ''} "
                  f"between {span[0][:12]} and {span[1][:12]}")
    config = load_config(inputs.config, cwd=None if inputs.config else config_start(inputs.paths))
    try:  # a report that cannot be written is said before the work, not after it
        Path(inputs.sarif_file).parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LogolintError(f"sarif-file {inputs.sarif_file}: cannot write there: {exc.strerror or exc}") from None
    refuse_unwritable(inputs.sarif_file, "sarif-file", checked=paths,
                      inputs=run_inputs(None, config))
    model = load_model(config.model, config.model_sha256)
    cache, unusable = result_cache(inputs.cache_dir)
    if unusable:
        print(f"::warning title=logolint::{unusable}")
    report = check_paths(paths, config, model, inputs.threshold, cache, shard=inputs.shard)
    if left_out:  # changed images that cannot be checked here are reported, never passed over
        report = dataclasses.replace(report, results=report.results + _left_out(left_out, config, inputs.shard,
                                                                                report.root))
    if cache:
        cache.prune()  # before actions/cache saves it
    sys.stdout.write(FORMATS["github"](report))
    if judged_by_demo(report.results, config.model is not None):
        print(f"::warning title=logolint::{escape_message(DEMO_MODEL)}")
    if problem := write_step_summary(report):
        print(f"::warning title=logolint::{escape_message(problem)}")
    try:
        write_output(inputs.sarif_file, FORMATS["sarif"](report).encode("utf-8"))
    except OSError as exc:
        raise LogolintError(f"cannot write {inputs.sarif_file}: {exc.strerror or exc}") from None
    _set_outputs(env, findings=str(len(report.findings)), sarif_file=inputs.sarif_file)
    if cache:
        print(f"logolint: {cache.hits} result{'s' if cache.hits != 1 else ''} from the cache")
    if cache and cache.unwritable:
        print(f"::warning title=logolint::results not cached: cannot write to "
              f"{escape_message(str(cache.directory))}: {escape_message(cache.unwritable)}")
    return EXIT_FINDINGS if report.failed and inputs.fail_on_findings else EXIT_OK


def main(env: Mapping[str, str] | None = None) -> int:
    from logolint.github import escape_message

    sys.stdout.reconfigure(errors="backslashreplace")  # a file name need not be UTF-8
    try:
        return run(os.environ if env is None else env)
    except LogolintError as exc:
        print(f"::error title=logolint::{escape_message(str(exc))}")
        return EXIT_USAGE
    except KeyboardInterrupt as exc:  # a cancelled run: SIGINT, then SIGTERM (start.Terminated)
        from logolint.start import why_stopped

        why, code = why_stopped(exc)
        print(f"::error title=logolint::{why}")
        return code
    except Exception as exc:  # a bug: one line that can be reported, not a traceback
        print(f"::error title=logolint::internal error: {type(exc).__name__}: {escape_message(str(exc))}")
        return EXIT_USAGE


if __name__ == "__main__":
    from logolint import start

    sys.exit(start.run(main))
