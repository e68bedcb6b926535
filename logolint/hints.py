"""The lines a command prints for the user to paste into the config: where the config
is, and paths and exclude patterns named as it reads them."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Sequence

from logolint.formats import printable
from logolint.results import relative_from


def config_home(config=None):
    """The config file a hint asks to edit and the folder its paths are named from: the
    config in use (found from here when `config` is None), else a new .logolint.yaml at
    the repository root, where `check` finds it."""
    from logolint.config import find_config
    from logolint.paths import repository_root

    source = config.source if config is not None else find_config(Path.cwd().resolve())
    if source is not None:
        return Path(source), Path(source).parent
    root = repository_root(Path.cwd())
    return root / ".logolint.yaml", root


def shown(path) -> str:
    """`path` as a hint names it: from the current folder."""
    return relative_from(path, os.getcwd())


def yaml_value(path: str, root) -> str | None:
    """`path` as a config at `root` names a file (relative to its folder, `..` included),
    as a YAML scalar (JSON is YAML, whatever the name); None where no config can spell it."""
    named = relative_from(path, root)
    return json.dumps(named, ensure_ascii=False) if spelled(named) else None


def next_steps(model: str, old: Sequence[str], home=None) -> str:
    """The config lines that use the model, and exclude the old examples inside the
    config's folder (they show the old logo, so a check there would flag them)."""
    from logolint.paths import literal_pattern
    from logolint.results import repo_relative

    config, root = home or config_home()
    named = yaml_value(model, root)
    if named is None:
        return f"logolint: name {printable(model)} in {shown(config)} as model: (YAML cannot spell its name)"
    patterns = [literal_pattern(relative) + ("/" if os.path.isdir(path) else "")
                for path in old if (relative := repo_relative(path, root)) is not None and spelled(relative)]
    # Unindented, so that they can be pasted as they are.
    lines = [f"logolint: next, in {shown(config)}"
             + (" (an exclude: list there takes these patterns too):" if patterns else ":"), f"model: {named}"]
    if patterns:
        lines.append(f"exclude: [{', '.join(json.dumps(pattern, ensure_ascii=False) for pattern in patterns)}]  "
                     "# the old examples show the old logo: a check would flag them")
    return "\n".join(printable(line) for line in lines)


def spelled(name: str) -> bool:
    """Whether a UTF-8 config can name `name`: one that is not UTF-8 (its bytes kept as
    surrogate escapes) would be printed as escapes that YAML reads as other characters."""
    return not any("\udc80" <= char <= "\udcff" for char in name)
