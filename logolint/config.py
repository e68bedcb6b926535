"""`.logolint.yaml`: found, parsed and validated once, into a frozen Config."""

from __future__ import annotations

import dataclasses
import os
import types
from pathlib import Path
from typing import Any, Callable, Mapping

from logolint.baseline import parse_allow, read_baseline
from logolint.errors import ConfigError, shown
from logolint.files import read_text

CONFIG_NAMES = (".logolint.yaml", ".logolint.yml")
UNREADABLE_POLICIES = ("fail", "warn")
MAX_CONFIG_BYTES = 1 << 20


@dataclasses.dataclass(frozen=True)
class Config:
    """Settings for a run. `root` is where relative paths and `exclude` globs are anchored."""

    root: Path
    source: Path | None = None
    model: Path | None = None
    model_sha256: str | None = None
    threshold: float | None = None
    old_labels: tuple[str, ...] | None = None
    exclude: tuple[str, ...] = ()
    unreadable: str = "fail"
    baseline: Path | None = None
    localise: bool = True  # false: the whole image is classified once, no boxes are proposed
    # content sha256 -> why a finding with that content passes: `allow` and the baseline
    allowed: Mapping[str, str] = dataclasses.field(default_factory=lambda: types.MappingProxyType({}))


def threshold_text(text: str) -> float:
    """A threshold given as text (a flag, an Action input): a number from 0 to 1, else ValueError."""
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"not a number: {text!r}") from None
    if not 0 <= value <= 1:
        raise ValueError(f"must be from 0 to 1, got {text}")
    return value + 0.0  # -0.0 is 0


def _threshold(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        hint = ""
        if isinstance(value, str):
            try:
                number = float(value)
            except ValueError:
                number = -1.0
            if 0 <= number <= 1:  # `5e-1` or a quoted number: YAML 1.1 reads either as text
                from logolint.formats import plain_number

                hint = f" (YAML reads it as text: write it as {plain_number(number)}, without quotes)"
        raise ValueError(f"must be a number from 0 to 1, got {shown(value)}{hint}")
    return float(value) + 0.0  # -0.0 is 0


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false, got {shown(value)}")
    return value


def _string_list(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ValueError(f"must be a list of non-empty strings, got {shown(value)}")
    return tuple(value)


def _labels(value: Any) -> tuple[str, ...]:
    labels = _string_list(value)
    if not labels:  # no label would be old: nothing could ever be flagged
        raise ValueError("must name at least one label")
    return labels


def _globs(value: Any) -> tuple[str, ...]:
    from logolint.paths import glob_error

    patterns = _string_list(value)
    for pattern in patterns:
        problem = glob_error(pattern)
        if problem:
            raise ValueError(f"has a bad pattern {shown(pattern)}: {problem}")
    return patterns


def _string(value: Any) -> str:
    if not isinstance(value, str) or not value:
        # A digest or a name of digits alone, unquoted, is a number to YAML (leading zeros lost).
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        hint = " (YAML reads it as a number: put it in quotes)" if number else ""
        raise ValueError(f"must be a non-empty string, got {shown(value)}{hint}")
    if "\0" in value:  # no file name holds one
        raise ValueError(f"must not contain a NUL character, got {shown(value)}")
    return value


def _sha256(value: Any) -> str:
    value = _string(value).lower()
    if len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
        raise ValueError("must be 64 hexadecimal digits")
    return value


def _choice(*allowed: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if value not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}, got {shown(value)}")
        return value

    return check


# key -> validator; `model` is then resolved against the config file's folder.
_KEYS: dict[str, Callable[[Any], Any]] = {
    "model": _string,
    "model_sha256": _sha256,
    "threshold": _threshold,
    "old_labels": _labels,
    "exclude": _globs,
    "unreadable": _choice(*UNREADABLE_POLICIES),
    "baseline": _string,
    "allow": parse_allow,
    "localise": _boolean,
}


def parse_config(data: Any, root: Path, source: Path | None = None, new_baseline: bool = False) -> Config:
    """Validate a mapping (parsed YAML) into a Config; raise ConfigError naming the key.
    With `new_baseline` (the run writes a baseline), a baseline file not there yet accepts
    nothing: it is the file about to be written, deleted to start afresh."""
    where = str(source) if source else "config"
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: must be a mapping of keys to values")
    values: dict[str, Any] = {}
    for key, raw in data.items():
        if key not in _KEYS:
            known = ", ".join(sorted(_KEYS))
            raise ConfigError(f"{where}: unknown key {shown(key)} (known keys: {known})")
        try:
            values[key] = _KEYS[key](raw)
        except ValueError as exc:
            raise ConfigError(f"{where}: key {key!r} {exc}") from None
    from logolint.paths import real

    if "model" in values:
        values["model"] = real(root / values["model"])
    allowed = {}
    if "baseline" in values:
        values["baseline"] = real(root / values["baseline"])
        missing = not os.path.lexists(values["baseline"])
        if missing and not new_baseline:
            raise ConfigError(f"{where}: key 'baseline': {values['baseline']} does not exist "
                              "(`logolint check --write-baseline FILE` writes one)")
        try:
            hashes = frozenset() if missing else read_baseline(values["baseline"])
        except ValueError as exc:
            raise ConfigError(f"{where}: key 'baseline' {exc}") from None
        allowed = dict.fromkeys(hashes, f"in the baseline {values['baseline'].name}")
    allowed.update(values.pop("allow", {}))
    return Config(root=root, source=source, allowed=types.MappingProxyType(allowed), **values)


def find_config(start: Path) -> Path | None:
    """The nearest config file from `start` upward, stopping at the repository root. Anything
    under a config's name counts (a folder, a dangling link), so that load_config says it
    cannot be read instead of running with the defaults."""
    from logolint.paths import holds_git

    for folder in (start, *start.parents):
        found = [folder / name for name in CONFIG_NAMES if os.path.lexists(folder / name)]
        if len(found) > 1:  # which one counts would be a guess
            raise ConfigError(f"{found[0]} and {found[1].name} are both there: keep one")
        if found:
            return found[0]
        if holds_git(folder):
            return None
    return None


def load_config(path: str | os.PathLike[str] | None = None, cwd: Path | None = None,
                new_baseline: bool = False) -> Config:
    """Load `path`, or the config found from `cwd` upward, or the defaults (see parse_config
    for `new_baseline`)."""
    from logolint.paths import real

    cwd = (cwd or Path.cwd()).resolve()
    source = real(path) if path is not None else find_config(cwd)
    if source is None:
        return Config(root=cwd)
    import yaml  # 20 ms, for a file that is there

    try:
        text = read_text(source, MAX_CONFIG_BYTES)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{source}: cannot read config: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        data = yaml.load(text, Loader=_unique_keys_loader())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        if isinstance(exc, yaml.reader.ReaderError):  # a character YAML refuses: no mark, no problem
            lines_before = text.count("\n", 0, exc.position)
            line = f" at line {lines_before + 1}"
            problem = f"character {exc.character:#06x} not allowed"
        raise ConfigError(f"{source}: invalid YAML{line}: {problem}") from None
    except ValueError:  # a value PyYAML cannot convert: an integer of over 4,300 digits
        # In our words: Python's own differ between versions.
        raise ConfigError(f"{source}: invalid YAML: a number too long to read (over 4300 digits)") from None
    except RecursionError:  # PyYAML composes nested collections recursively
        raise ConfigError(f"{source}: invalid YAML: nested too deeply") from None
    return parse_config(data, source.parent, source, new_baseline)


def _unique_keys_loader():
    """yaml.SafeLoader, refusing a key given twice in one mapping: PyYAML keeps the last
    silently, and a config's first `exclude:` list would be dropped without a word. Keys
    are compared as written, when the mapping is composed: merge keys (`<<`) are flattened
    into mappings later, and their keys may be overridden."""
    import yaml

    class UniqueKeys(yaml.SafeLoader):
        def compose_mapping_node(self, anchor):
            node = super().compose_mapping_node(anchor)
            seen = set()
            for key_node, _ in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = (key_node.tag, key_node.value)
                if key in seen:
                    raise yaml.composer.ComposerError(
                        "while composing a mapping", node.start_mark,
                        f"key {shown(key_node.value)} is given twice", key_node.start_mark)
                seen.add(key)
            return node

    return UniqueKeys
