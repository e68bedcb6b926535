import os
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
        ("model_sha256: " + "0" * 64 + "\n", "key 'model_sha256' must be a non-empty string, got 0 (YAML reads it as a number: put it in quotes)"),
        ("model: 2024\n", "key 'model' must be a non-empty string, got 2024 (YAML reads it as a number: put it in quotes)"),
        ("localise: no-way\n", "key 'localise' must be true or false, got 'no-way'"),
        ("localise: 0\n", "key 'localise' must be true or false, got 0"),
        ("- a\n- b\n", "must be a mapping"),
        ("threshold: [0.5\n", "invalid YAML at line"),
        ("exclude: [a]\nthreshold: 0.3\nexclude: [b]\n", "invalid YAML at line 3: key 'exclude' is given twice"),
        ('model: "a\\0b"\n', "key 'model' must not contain a NUL character"),
        ('baseline: "a\\0b"\n', "key 'baseline' must not contain a NUL character"),
        ("threshold: 5e-1\n", "got '5e-1' (YAML reads it as text: write it as 0.5, without quotes)"),
        ("threshold: 0.5e0\n", "got '0.5e0' (YAML reads it as text: write it as 0.5, without quotes)"),
        ("threshold: 1e-5\n", "got '1e-5' (YAML reads it as text: write it as 0.00001, without quotes)"),  # not 1e-05
        ('threshold: "0.5"\n', "got '0.5' (YAML reads it as text: write it as 0.5, without quotes)"),
        ("threshold: " + "1" * 5000 + "\n", "invalid YAML: a number too long to read (over 4300 digits)"),
        ("threshold: " + "[" * 100_000 + "]" * 100_000 + "\n", "invalid YAML: nested too deeply"),
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


@pytest.mark.parametrize("make", ["folder", "dangling link"])
def test_something_under_a_config_name_that_is_no_file_is_an_error_not_the_defaults(tmp_path: Path, make: str):
    (tmp_path / ".git").mkdir()
    (tmp_path / "a").mkdir()
    if make == "folder":
        (tmp_path / ".logolint.yaml").mkdir()
    else:
        (tmp_path / ".logolint.yaml").symlink_to("gone.yaml")
    with pytest.raises(ConfigError, match=r"\.logolint\.yaml: cannot read config: (Is a directory|No such file)"):
        load_config(cwd=tmp_path / "a")


def test_two_configs_in_one_folder_are_an_error_not_a_guess(tmp_path: Path):
    (tmp_path / ".git").mkdir()
    (tmp_path / ".logolint.yaml").write_text("threshold: 0.9\n")
    (tmp_path / ".logolint.yml").write_text("threshold: 0.1\n")
    with pytest.raises(ConfigError, match=r"\.logolint\.yaml and \.logolint\.yml are both there: keep one"):
        load_config(cwd=tmp_path)


def test_empty_config_gives_defaults(tmp_path: Path):
    config = parse_config(None, tmp_path)
    assert config.threshold is None and config.model is None and config.unreadable == "fail" and config.localise


def test_localise_can_be_switched_off(tmp_path: Path):
    assert parse_config({"localise": False}, tmp_path).localise is False


def test_a_value_that_expands_without_end_is_quoted_short(tmp_path: Path):
    levels = ["  - &l0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    levels += [f"  - &l{n} [{', '.join([f'*l{n - 1}'] * 10)}]" for n in range(1, 9)]  # 10^9 ones, as aliases
    path = tmp_path / "c.yaml"
    path.write_text("exclude:\n" + "\n".join(levels) + "\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert "key 'exclude' must be a list of non-empty strings, got [[1, 1," in str(info.value)
    assert len(str(info.value)) - len(str(path)) < 400


def test_yaml_merge_keys_are_not_duplicates_and_hints_are_only_given_where_they_help(tmp_path: Path):
    import yaml

    from logolint.config import _unique_keys_loader

    loader = _unique_keys_loader()
    assert yaml.load("a: &a {x: 1}\nb:\n  <<: *a\n  y: 2\n", Loader=loader)["b"] == {"x": 1, "y": 2}
    # A merged mapping overriding a key, itself merged later: flattened before its own turn.
    nested = "b: &B {x: 1}\na:\n  inner: &X {<<: *B, x: 5}\ny: {<<: *X}\n"
    assert yaml.load(nested, Loader=loader) == yaml.safe_load(nested)
    for value in ("'2'", "nan", "'high'"):
        path = tmp_path / "c.yaml"
        path.write_text(f"threshold: {value}\n")
        with pytest.raises(ConfigError) as info:
            load_config(path)
        assert "must be a number from 0 to 1" in str(info.value) and "YAML reads it" not in str(info.value)


def test_a_relative_xdg_cache_home_is_ignored(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    from logolint.cache import default_cache_dir

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", "relcache")
    assert default_cache_dir() == tmp_path / ".cache" / "logolint"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "logolint"


def test_without_a_home_folder_nothing_is_cached_in_the_checked_tree(monkeypatch: pytest.MonkeyPatch,
                                                                     tmp_path: Path, capsys):
    """With HOME unset and no account entry, "~" stays "~": the cache was made as a folder
    named ~ in the working folder, inside the repository being checked."""
    import shutil

    from conftest import EXAMPLES, run_cli

    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr(os.path, "expanduser", lambda path: path)
    monkeypatch.chdir(tmp_path)
    shutil.copy(EXAMPLES / "old-logo.png", tmp_path / "old.png")
    assert run_cli("old.png") == 1
    assert "results not cached: no home folder to keep them in" in capsys.readouterr().err
    assert sorted(path.name for path in tmp_path.iterdir()) == ["old.png"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
@pytest.mark.parametrize("which", ["config", "baseline"])
def test_a_config_or_baseline_that_is_no_regular_file_is_an_error_not_a_hang(tmp_path: Path, which: str):
    import threading

    fifo = tmp_path / "x.fifo"
    os.mkfifo(fifo)
    if which == "config":
        path = fifo
    else:
        path = tmp_path / ".logolint.yaml"
        path.write_text("baseline: x.fifo\n")
    raised = []

    def load():
        try:
            load_config(path)
        except ConfigError as exc:
            raised.append(str(exc))

    worker = threading.Thread(target=load, daemon=True)
    worker.start()
    worker.join(30)
    if worker.is_alive():  # let the blocked reader go, so the test process can end
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    assert raised and "not a regular file" in raised[0]


def test_a_config_too_large_is_refused(tmp_path: Path):
    path = tmp_path / "big.yaml"
    path.write_text("#" * (2 << 20))
    with pytest.raises(ConfigError, match="larger than"):
        load_config(path)


def test_the_readmes_config_loads_as_written_where_its_files_exist(tmp_path: Path):
    import shutil

    from logolint.model import bundled_model_path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Configure\n", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "brand").mkdir()
    shutil.copyfile(bundled_model_path(), tmp_path / "brand" / "model.tflite")
    (tmp_path / ".logolint-baseline.txt").write_text("")
    (tmp_path / ".logolint.yaml").write_text(block)
    config = load_config(cwd=tmp_path)
    assert config.model == tmp_path / "brand" / "model.tflite" and config.threshold == 0.8
    assert config.exclude == ("docs/brand-history/", "*.ico") and config.unreadable == "fail" and config.localise
    assert "2019 press kit, kept for the archive" in config.allowed.values()
