"""`logolint init`: the commented config it writes and the snippets it prints."""

from __future__ import annotations

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

# The model that knows your old logo; without it, logolint uses its bundled demo model.
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
# `logolint check --write-baseline .logolint-baseline` writes this file.
# baseline: .logolint-baseline

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


def repository_root(start: Path) -> Path:
    """Where the hook runs and looks for the config: the git work tree holding `start`."""
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return start


def write_config(folder: Path, force: bool = False) -> Path:
    """Write the commented config into `folder`; an existing one is kept unless `force`."""
    existing = [folder / name for name in CONFIG_NAMES if (folder / name).exists()]
    if existing and not force:
        raise ConfigError(f"{existing[0]} already exists (use --force to overwrite it)")
    path = existing[0] if existing else folder / CONFIG_NAMES[0]  # --force replaces the one in use
    try:
        path.write_text(CONFIG_TEMPLATE.format(repository=REPOSITORY), encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path


def pre_commit_snippet(existing: str | None = None) -> str:
    """The hook's entry: a whole `.pre-commit-config.yaml`, or, given the text of an
    existing one, a `repos:` item indented as that file's items are (`pre-commit
    sample-config` puts their dashes at column 0; an item at another column breaks it)."""
    import re

    found = re.search(r"^( *)-\s+repo:", existing or "", re.MULTILINE)
    lead = found.group(1) if found else "  "
    entry = f"""\
{lead}- repo: {REPOSITORY}
{lead}  rev: {REV}
{lead}  hooks:
{lead}    - id: logolint
"""
    return entry if repos_block(existing) else "repos:\n" + entry


def repos_block(existing: str | None) -> bool:
    """Whether a `.pre-commit-config.yaml`'s text has a `repos:` list to add an item under
    (not none, and not `repos: []`)."""
    import re

    return existing is not None and re.search(r"^repos:[ \t]*(#.*)?$", existing, re.MULTILINE) is not None


WORKFLOW = f"""\
name: logolint
on: [pull_request, push]
permissions:
  contents: read
jobs:
  logolint:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8 # v5.0.0
        with:
          fetch-depth: 0  # the exact pull-request diff needs the merge base
          lfs: true  # images kept in Git LFS: pointers would fail as "not checked"
          persist-credentials: false
      - uses: {ACTION}@{REV}
"""
