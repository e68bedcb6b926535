from pathlib import Path

import pytest

from logolint.config import find_config, load_config, parse_config
from logolint.errors import ConfigError


def test_valid_config_resolves_model_relative_to_file(tmp_path: Path):
    (tmp_path / ".logolint.yaml").write_text(
        "model: models/brand.tflite\nthreshold: 0.7\nold_labels: [old]\nexclude: ['docs/legacy/']\n"
    )
    config = load_config(cwd=tmp_path)
    assert config.model == (tmp_path / "models" / "brand.tflite").resolve()
    assert config.threshold == 0.7
    assert config.old_labels == ("old",)
    assert config.exclude == ("docs/legacy/",)
    assert config.root == tmp_path.resolve()


@pytest.mark.parametrize(
    "text, message",
    [
        ("thresold: 0.5\n", "unknown key 'thresold'"),
        ("threshold: 1.5\n", "key 'threshold' must be a number from 0 to 1"),
        ("threshold: yes\n", "key 'threshold' must be a number"),
        ("exclude: [1, 2]\n", "key 'exclude' must be a list of non-empty strings"),
        ("unreadable: ignore\n", "key 'unreadable' must be one of fail, warn"),
        ("model_sha256: abc\n", "key 'model_sha256' must be 64 hexadecimal digits"),
        ("localise: no-way\n", "key 'localise' must be true or false, got 'no-way'"),
        ("localise: 0\n", "key 'localise' must be true or false, got 0"),
        ("- a\n- b\n", "must be a mapping"),
        ("threshold: [0.5\n", "invalid YAML at line"),
    ],
)
def test_bad_config_names_the_problem(tmp_path: Path, text: str, message: str):
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert message in str(info.value)
    assert str(path) in str(info.value)


def test_config_is_found_upward_but_not_past_the_repository(tmp_path: Path):
    (tmp_path / ".logolint.yaml").write_text("threshold: 0.9\n")
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "a" / "b").mkdir(parents=True)
    assert find_config(repo / "a" / "b") is None
    (repo / ".logolint.yaml").write_text("threshold: 0.6\n")
    assert find_config(repo / "a" / "b") == repo / ".logolint.yaml"
    assert load_config(cwd=repo / "a" / "b").threshold == 0.6


def test_empty_config_gives_defaults(tmp_path: Path):
    config = parse_config(None, tmp_path)
    assert config.threshold is None and config.model is None and config.unreadable == "fail" and config.localise


def test_localise_can_be_switched_off(tmp_path: Path):
    assert parse_config({"localise": False}, tmp_path).localise is False
