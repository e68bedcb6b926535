"""`logolint init`: the commented config it writes and the snippets it prints."""

from __future__ import annotations

import os
from pathlib import Path

from logolint import __version__
from logolint.config import CONFIG_NAMES
from logolint.errors import ConfigError

REPOSITORY = "https://github.com/OWNER/logolint"
ACTION = "OWNER/logolint"
REV = f"v{__version__}"

CONFIG_TEMPLATE = """\
# logolint settings. Every key is optional; a commented line shows a key and an example.
# Paths are relative to this file. Docs: {repository}#configure

# The model that knows your old logo (logolint train writes it). Without it, logolint uses
# its bundled demo model, which knows only a fictional brand, and the hook refuses to run.
# Train one with: logolint train --old brand/old-logo.svg --new brand/new-logo.svg --output brand/
# model: brand/model.tflite

# Refuse any model file but this one (sha256sum brand/model.tflite prints it).
# model_sha256:

# Old-logo confidence from 0 to 1 that fails a file; default: what the model recommends.
# threshold: 0.8

# Which of the model's labels count as the old logo.
# old_labels: [old]

# gitignore-style patterns never checked, even when named on the command line.
# exclude:
#   - docs/brand-history/
#   - "*.ico"

# Images accepted as they are, by content: an edited image is checked again.
# `logolint check --write-baseline .logolint-baseline.txt` writes this file.
# baseline: .logolint-baseline.txt

# Single images accepted by content sha256 (sha256sum prints it), each with a reason.
# allow:
#   - sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
#     reason: the 2019 press kit, kept as it was

# Look for the logo in parts of each image too (the default). With false, each image is
# classified once, whole: several times faster, but a small logo in a large page is missed.
# localise: true

# A file that cannot be checked (corrupt, too large, a Git LFS pointer) fails the run,
# because a check that passes what it could not see hides old logos. warn: report only.
unreadable: fail
"""


def write_config(folder: Path, force: bool = False) -> tuple[Path, bool]:
    """Write the commented config into `folder`; an existing one is kept unless `force`.
    The config's path, and whether it was written."""
    from logolint.files import write_atomic

    existing = [folder / name for name in CONFIG_NAMES if os.path.lexists(folder / name)]
    if existing and existing[0].is_dir():  # neither kept (check cannot read it) nor replaceable
        raise ConfigError(f"{existing[0]} is a folder, not a config file: rename or remove it, then run init again")
    if existing and not force:  # `train` printed lines for it first, say: the hook snippets are still wanted
        return existing[0], False
    path = existing[0] if existing else folder / CONFIG_NAMES[0]  # --force replaces the one in use
    try:
        # Replaced, never written through: a config that is a link (in a repository one did
        # not make) leaves the file it points to, perhaps outside the repository, alone.
        write_atomic(path, CONFIG_TEMPLATE.format(repository=REPOSITORY).encode("utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path, True


def pre_commit_snippet(existing: str | None = None) -> str:
    """The hook's entry: a whole `.pre-commit-config.yaml`, or, given the text of an
    existing one, a `repos:` item indented as that file's items are (`pre-commit
    sample-config` puts their dashes at column 0; an item at another column breaks it)."""
    where = placement(existing)
    if where == "into":  # an item of a flow list is a flow mapping: a block one cannot go there
        return f"{{repo: {REPOSITORY}, rev: {REV}, hooks: [{{id: logolint}}]}}\n"
    import re

    import yaml

    lead = "  "
    repos = _repos(existing)[1] if where == "under" else None
    if isinstance(repos, yaml.SequenceNode) and repos.value:  # the column of the first item's dash
        first = repos.value[0].start_mark
        lines = re.split("\r\n|[\n\r\x85\u2028\u2029]", existing)  # YAML's line breaks
        dash = lines[first.line].rfind("-", 0, first.column) if first.line < len(lines) else -1
        lead = " " * dash if dash >= 0 else lead
    entry = f"""\
{lead}- repo: {REPOSITORY}
{lead}  rev: {REV}
{lead}  hooks:
{lead}    - id: logolint
"""
    return entry if where == "under" else "repos:\n" + entry


def pre_commit_problem(existing: str | None) -> str | None:
    """Why the entry should not be pasted into an existing `.pre-commit-config.yaml` (its
    text): it is no YAML mapping, or it has the logolint hook already; None if it can."""
    if existing is None or not existing.strip():
        return None
    import yaml

    try:
        document = yaml.safe_load(existing)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return f"is not valid YAML{f' at line {mark.line + 1}' if mark else ''}: fix it first"
    except ValueError:  # as config.load_config says them
        return "is not valid YAML (a number too long to read, over 4300 digits): fix it first"
    except RecursionError:
        return "is not valid YAML (nested too deeply): fix it first"
    if document is None:
        return None
    repos = document.get("repos", []) if isinstance(document, dict) else None
    if not isinstance(repos, list):
        return "is not a YAML mapping with a `repos:` list: fix it first"
    hooks = [hook for repo in repos if isinstance(repo, dict) and isinstance(repo.get("hooks"), list)
             for hook in repo["hooks"] if isinstance(hook, dict)]
    if any(hook.get("id") == "logolint" for hook in hooks):
        return "has the logolint hook already"
    return None


def placement(existing: str | None) -> str:
    """Where the entry goes in a `.pre-commit-config.yaml` (its text, or None if there is
    none): "under" a `repos:` block, "into" a flow list (`repos: [...]`, or any list of a
    file written as JSON), "instead" of `repos: []`, at the "end" of a file without `repos:`
    (or that YAML cannot read: see pre_commit_problem), or "new" for a file of its own."""
    if existing is None:
        return "new"
    import yaml

    document, repos = _repos(existing)
    if repos is None:
        return "end"
    if isinstance(repos, yaml.SequenceNode) and repos.flow_style:  # a JSON file's lists are all flow lists
        return "into" if repos.value or document.flow_style else "instead"
    return "under"


def _repos(existing: str) -> tuple:
    """The config's YAML document and the node of its `repos:` value (the key written in
    any style, lines ended in any way), as composed nodes; None for either that is not there."""
    import yaml

    try:
        document = yaml.compose(existing, Loader=yaml.SafeLoader)
    except (yaml.YAMLError, ValueError, RecursionError):
        return None, None
    if not isinstance(document, yaml.MappingNode):
        return document, None
    return document, next((value for key, value in document.value
                           if isinstance(key, yaml.ScalarNode) and key.value == "repos"), None)


WORKFLOW = f"""\
name: logolint
on: [pull_request, push]
permissions:
  contents: read
jobs:
  logolint:
    runs-on: ubuntu-latest
    permissions:
      contents: read
      security-events: write  # only for the SARIF upload
    steps:
      - uses: actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8 # v5.0.0
        with:
          fetch-depth: 0  # the exact pull-request diff needs the merge base
          lfs: true  # images kept in Git LFS: pointers would fail as "not checked"
          persist-credentials: false
      - id: logolint
        uses: {ACTION}@{REV}
      - if: ${{{{ !cancelled() && steps.logolint.outputs.sarif-file != '' }}}}  # none after a usage error
        uses: github/codeql-action/upload-sarif@f443b600d91635bebf5b0d9ebc620189c0d6fba5 # v4.30.8
        with:
          sarif_file: ${{{{ steps.logolint.outputs.sarif-file }}}}
          category: logolint
"""
