import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLES, ROOT, git, run_cli
from logolint.config import _KEYS, load_config
from logolint.scaffold import REPOSITORY, REV




def _snippet(out: str, first_line: str) -> str:
    """The YAML block of the printed output that starts with `first_line`."""
    block = out[out.index(first_line):].split("\n\n", 1)[0]
    return block + "\n"


def test_init_writes_a_config_that_loads_at_the_repository_root(repo: Path, capsys, monkeypatch):
    (repo / "docs").mkdir()
    monkeypatch.chdir(repo / "docs")
    assert run_cli("init") == 0
    out = capsys.readouterr().out
    written = repo / ".logolint.yaml"
    assert written.is_file() and f"wrote {written}: name your model there (model:) once `logolint train`" in out
    config = load_config(cwd=repo / "docs")
    assert config.source == written and config.unreadable == "fail" and config.model is None
    pre_commit = _snippet(out, "repos:")
    assert f"- repo: {REPOSITORY}\n    rev: {REV}\n" in pre_commit and "- id: logolint" in pre_commit
    workflow = _snippet(out, "name: logolint")
    assert "pull_request" in workflow and f"uses: {REPOSITORY.split('github.com/')[1]}@{REV}" in workflow
    (repo / "workflow.yml").write_text(workflow)
    pytest.importorskip("check_jsonschema", reason="check-jsonschema validates the workflow snippet")
    checked = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema",
                              "vendor.github-workflows", str(repo / "workflow.yml")], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_template_documents_every_key_and_each_example_is_valid(repo: Path, monkeypatch):
    monkeypatch.chdir(repo)
    assert run_cli("init") == 0
    text = (repo / ".logolint.yaml").read_text()
    documented = set(re.findall(r"^#? ?(\w+):", text, re.M)) & set(_KEYS)
    assert documented == set(_KEYS)
    # Uncomment every example that carries a value: the result must be a valid config.
    keys = "|".join(_KEYS)
    example = re.compile(rf"^# ((?:{keys}): \S.*|(?:{keys}):$|  +\S.*)$")
    uncommented = "\n".join(example.sub(r"\1", line) for line in text.splitlines())
    assert uncommented.count("\n#") < text.count("\n#")
    (repo / ".logolint-baseline.txt").write_text("")
    (repo / ".logolint.yaml").write_text(uncommented.replace("\nmodel_sha256:\n", "\n"))
    config = load_config(cwd=repo)
    assert config.threshold is not None and config.exclude and config.old_labels and config.model


def test_init_keeps_a_config_without_force_and_still_prints_the_snippets(repo: Path, capsys, monkeypatch):
    """`train` prints the lines for a config first: init after it must not stop there."""
    monkeypatch.chdir(repo)
    (repo / ".logolint.yml").write_text("threshold: 0.9\n")
    assert run_cli("init") == 0
    out = capsys.readouterr().out
    assert f"kept {repo / '.logolint.yml'}, which is there already" in out
    assert "- id: logolint" in out and "GitHub Actions:" in out
    assert "a logolint installed with pip runs as a local hook instead: the `repo: local` entry" in out
    assert (repo / ".logolint.yml").read_text() == "threshold: 0.9\n" and not (repo / ".logolint.yaml").exists()
    (repo / ".logolint.yaml").write_text("threshold: 0.9\n")
    assert run_cli("init", "--force") == 2  # two configs: which one counts would be a guess
    assert ".logolint.yml are both there: keep one" in capsys.readouterr().err
    (repo / ".logolint.yml").unlink()
    assert run_cli("init") == 0
    assert (repo / ".logolint.yaml").read_text() == "threshold: 0.9\n"
    assert run_cli("init", "--force") == 0
    assert "unreadable: fail" in (repo / ".logolint.yaml").read_text()


def test_init_never_writes_through_a_config_that_is_a_link(repo: Path, tmp_path: Path, capsys, monkeypatch):
    monkeypatch.chdir(repo)
    outside = tmp_path / "outside.txt"
    os.symlink(outside, repo / ".logolint.yaml")  # dangling: init would have made the file outside
    assert run_cli("init") == 0
    assert "which is there already" in capsys.readouterr().out and not outside.exists()
    outside.write_text("precious\n")
    assert run_cli("init", "--force") == 0
    assert outside.read_text() == "precious\n"
    assert not (repo / ".logolint.yaml").is_symlink() and "unreadable: fail" in (repo / ".logolint.yaml").read_text()


def test_init_says_a_config_name_that_is_a_folder_is_one_and_writes_nothing(repo: Path, capsys, monkeypatch):
    """It used to say it "kept" the folder, and `check` then failed on it (exit 2)."""
    monkeypatch.chdir(repo)
    (repo / ".logolint.yaml").mkdir()
    for force in ((), ("--force",)):
        assert run_cli("init", *force) == 2
        captured = capsys.readouterr()
        assert f"{repo / '.logolint.yaml'} is a folder, not a config file: rename or remove it" in captured.err
        assert "kept" not in captured.out and "repos:" not in captured.out
    assert (repo / ".logolint.yaml").is_dir() and not any((repo / ".logolint.yaml").iterdir())


def test_init_prints_only_the_entry_when_a_pre_commit_config_has_repos(repo: Path, capsys, monkeypatch):
    monkeypatch.chdir(repo)
    (repo / ".pre-commit-config.yaml").write_text("repos:\n  - repo: local\n    hooks: []\n")
    assert run_cli("init") == 0
    out = capsys.readouterr().out
    assert "under `repos:`" in out and "\nrepos:\n" not in out and f"  - repo: {REPOSITORY}" in out


@pytest.mark.parametrize("text, where", [("", "at the end of"), ("# nothing yet\n", "at the end of"),
                                         ("repos: []  # none yet\n", "in place of the `repos: []` line of")])
def test_a_pre_commit_config_without_a_repos_list_gets_the_whole_snippet(repo: Path, capsys, monkeypatch,
                                                                          text: str, where: str):
    monkeypatch.chdir(repo)
    (repo / ".pre-commit-config.yaml").write_text(text)
    assert run_cli("init") == 0
    out = capsys.readouterr().out
    assert f"save this {where}" in out
    snippet = _snippet(out, "repos:\n  - repo:")
    fixed = text.replace("repos: []  # none yet\n", "") + snippet  # as the message says
    (repo / ".pre-commit-config.yaml").write_text(fixed)
    checked = subprocess.run([sys.executable, "-m", "pre_commit", "validate-config", ".pre-commit-config.yaml"],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.parametrize("make, problem", [
    (lambda path: path.write_text("repos:\n  " + "- " * 3000 + "x\n"), "is not valid YAML (nested too deeply)"),
    (lambda path: path.write_text("max: " + "9" * 4301 + "\n"), "is not valid YAML (a number too long"),
    (lambda path: path.write_bytes(b"# caf\xe9\nrepos:\n  - repo: local\n"), "cannot be read (it is not UTF-8 text)"),
    (lambda path: path.mkdir(), "cannot be read ("),
])
def test_a_pre_commit_config_that_cannot_be_read_is_said_and_gets_no_snippet(repo: Path, capsys, monkeypatch, make,
                                                                             problem: str):
    monkeypatch.chdir(repo)
    make(repo / ".pre-commit-config.yaml")
    assert run_cli("init") == 0  # it was an internal error, or the file was taken for empty
    out = capsys.readouterr().out
    assert f"pre-commit: {repo / '.pre-commit-config.yaml'} {problem}" in out and "save this" not in out.split(
        "GitHub Actions")[0]
    assert (repo / ".logolint.yaml").is_file()


def test_init_force_replaces_the_config_in_use(repo: Path, capsys, monkeypatch):
    monkeypatch.chdir(repo)
    (repo / ".logolint.yml").write_text("threshold: 0.9\n")
    assert run_cli("init", "--force") == 0
    assert "unreadable: fail" in (repo / ".logolint.yml").read_text()
    assert not (repo / ".logolint.yaml").exists()  # a second file beside it would take over silently


def test_the_printed_entry_fits_a_pre_commit_sample_config(repo: Path, capsys, monkeypatch):
    monkeypatch.chdir(repo)
    sample = subprocess.run([sys.executable, "-m", "pre_commit", "sample-config"], capture_output=True, text=True,
                            check=True).stdout
    assert "\n-   repo:" in sample  # its items start at column 0
    (repo / ".pre-commit-config.yaml").write_text(sample)
    assert run_cli("init") == 0
    entry = _snippet(capsys.readouterr().out, f"- repo: {REPOSITORY}")
    (repo / ".pre-commit-config.yaml").write_text(sample + entry)  # pasted under `repos:`, at the end
    checked = subprocess.run([sys.executable, "-m", "pre_commit", "validate-config", ".pre-commit-config.yaml"],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    import yaml

    assert yaml.safe_load((repo / ".pre-commit-config.yaml").read_text())["repos"][-1]["repo"] == REPOSITORY


def _snapshot_of_this_checkout(target: Path) -> None:
    """This working tree, uncommitted work included, as a git repository tagged REV."""
    files = git(ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard").split("\0")
    for name in filter(None, files):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    git(target, "init", "-q")
    git(target, "add", "-A")
    git(target, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-q", "-m", "snapshot")
    git(target, "tag", REV)


def test_init_then_the_printed_snippet_gives_a_working_hook(repo: Path, tmp_path: Path):
    source = tmp_path / "logolint"
    source.mkdir()
    _snapshot_of_this_checkout(source)
    env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_ACTIONS", "PRE_COMMIT")}
    env["PRE_COMMIT_HOME"] = str(tmp_path / "pre-commit-home")

    def run(*argv: str) -> subprocess.CompletedProcess:
        return subprocess.run(argv, cwd=repo, env=env, capture_output=True, text=True, timeout=900)

    init = run(sys.executable, "-m", "logolint", "init")
    assert init.returncode == 0, init.stderr
    snippet = _snippet(init.stdout, "repos:")
    assert REPOSITORY in snippet
    # The only change: the published repository is this checkout's snapshot, at the printed rev.
    (repo / ".pre-commit-config.yaml").write_text(snippet.replace(REPOSITORY, str(source)))
    assert run(sys.executable, "-m", "pre_commit", "install").returncode == 0

    shutil.copyfile(EXAMPLES / "new-logo.png", repo / "new-logo.png")
    git(repo, "add", "-A")
    # The config init wrote names no model yet: the hook refuses the demo model's pass.
    refused = run("git", "commit", "-m", "config and the new logo")
    assert refused.returncode != 0 and "no model is configured" in refused.stdout + refused.stderr
    # Then the model, as `logolint train` would write it, named as init's comment says.
    from logolint.model import bundled_model_path

    (repo / "brand").mkdir()
    shutil.copyfile(bundled_model_path(), repo / "brand" / "model.tflite")
    config = (repo / ".logolint.yaml").read_text()
    (repo / ".logolint.yaml").write_text(config + "model: brand/model.tflite\n")
    git(repo, "add", "-A")
    passed = run("git", "commit", "-m", "config and the new logo")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert re.search(r"logolint \(old logo\)\.+Passed", passed.stdout + passed.stderr)

    (repo / "assets").mkdir()
    shutil.copyfile(EXAMPLES / "old-logo.png", repo / "assets" / "old-logo.png")
    git(repo, "add", "-A")
    blocked = run("git", "commit", "-m", "the old logo")
    output = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, output
    assert re.search(r"logolint \(old logo\)\.+Failed", output)
    assert "assets/old-logo.png: old logo (" in output
    assert git(repo, "rev-list", "--count", "HEAD").strip() == "1"


def test_an_indented_repos_block_gets_an_item_and_a_flow_list_is_not_replaced(repo: Path, capsys, monkeypatch):
    monkeypatch.chdir(repo)
    indented = "  repos:\n  - repo: local\n    hooks: []\n"
    (repo / ".pre-commit-config.yaml").write_text(indented)
    assert run_cli("init", "--force") == 0
    out = capsys.readouterr().out
    assert "save this under `repos:` in" in out
    (repo / ".pre-commit-config.yaml").write_text(indented + _snippet(out, f"  - repo: {REPOSITORY}"))
    checked = subprocess.run([sys.executable, "-m", "pre_commit", "validate-config", ".pre-commit-config.yaml"],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    flow = "repos: [{repo: local, hooks: []}]\n"
    (repo / ".pre-commit-config.yaml").write_text(flow)
    assert run_cli("init", "--force") == 0
    out = capsys.readouterr().out
    assert "as an item of the `repos:` list of" in out and "in place of" not in out and "\nrepos:\n" not in out
    item = _snippet(out, "{repo: ").strip()  # a flow mapping: a block item cannot go inside [...]
    end = flow.rindex("]")
    (repo / ".pre-commit-config.yaml").write_text(f"{flow[:end]}, {item}{flow[end:]}")
    checked = subprocess.run([sys.executable, "-m", "pre_commit", "validate-config", ".pre-commit-config.yaml"],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.parametrize("text", [
    '"repos":\n  - repo: local\n    hooks: []\n',  # a quoted key: "at the end" added a second repos: that won
    "repos:\r\n  - repo: local\r\n    hooks: []\r\n",  # saved on Windows: it was told to take a flow item
    "repos:\n- {repo: local, hooks: []}\n",  # flow items at column 0: the entry came indented
    '{"repos": [{"repo": "local", "hooks": []}]}\n',  # JSON, which YAML reads
])
def test_the_entry_pasted_as_told_keeps_the_files_own_hooks(repo: Path, capsys, monkeypatch, text: str):
    import yaml

    monkeypatch.chdir(repo)
    (repo / ".pre-commit-config.yaml").write_bytes(text.encode())
    assert run_cli("init", "--force") == 0
    out = capsys.readouterr().out
    if "as an item of the `repos:` list of" in out:
        end = text.rindex("]", 0, text.rindex("}"))
        fixed = f"{text[:end]}, {_snippet(out, '{repo: ').strip()}{text[end:]}"
    else:
        assert "save this under `repos:` in" in out, out
        fixed = text + _snippet(out, f"- repo: {REPOSITORY}" if text.startswith("repos:\n-") else f"  - repo: {REPOSITORY}")
    (repo / ".pre-commit-config.yaml").write_bytes(fixed.encode())
    checked = subprocess.run([sys.executable, "-m", "pre_commit", "validate-config", ".pre-commit-config.yaml"],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert [entry["repo"] for entry in yaml.safe_load(fixed)["repos"]] == ["local", REPOSITORY]


@pytest.mark.parametrize("text, said", [
    ("repos:\n  - repo: local\n  hooks: [\n", "is not valid YAML at line"),
    ("- just\n- a list\n", "is not a YAML mapping with a `repos:` list"),
    (f"repos:\n  - repo: {REPOSITORY}\n    rev: {REV}\n    hooks:\n      - id: logolint\n", "has the logolint hook already"),
    ("repos: 5\n", "is not a YAML mapping with a `repos:` list"),
    ("repos:\n  - repo: local\n    hooks: 5\n", None),  # pre-commit's to refuse; init must not crash on it
])
def test_a_pre_commit_config_the_entry_cannot_be_pasted_into_is_said_and_no_entry_printed(
        repo: Path, capsys, monkeypatch, text: str, said: str):
    monkeypatch.chdir(repo)
    (repo / ".pre-commit-config.yaml").write_text(text)
    assert run_cli("init") == 0
    out = capsys.readouterr().out
    if said is None:
        assert "save this under `repos:` in" in out
        return
    assert f"pre-commit: {repo / '.pre-commit-config.yaml'} {said}" in out
    assert "- id: logolint" not in out.split("GitHub Actions:")[0].split(said)[1]


def test_init_from_a_subfolder_keeps_to_the_config_in_use_there(repo: Path, capsys, monkeypatch):
    """`init --force` from a subfolder with a config of its own replaced the root's, and left
    the one in use alone."""
    (repo / "sub").mkdir()
    (repo / "sub" / ".logolint.yaml").write_text("threshold: 0.9\n")
    monkeypatch.chdir(repo / "sub")
    assert run_cli("init") == 0
    assert f"kept {repo / 'sub' / '.logolint.yaml'}, which is there already" in capsys.readouterr().out
    assert run_cli("init", "--force") == 0
    assert "unreadable: fail" in (repo / "sub" / ".logolint.yaml").read_text()
    assert not (repo / ".logolint.yaml").exists()


def test_init_outside_a_repository_writes_here_not_over_an_ancestors_config(tmp_path: Path, capsys, monkeypatch):
    (tmp_path / ".logolint.yaml").write_text("threshold: 0.9\n")  # as ~/.logolint.yaml would be
    (tmp_path / "project").mkdir()
    monkeypatch.chdir(tmp_path / "project")
    assert run_cli("init", "--force") == 0
    assert (tmp_path / ".logolint.yaml").read_text() == "threshold: 0.9\n"
    assert "unreadable: fail" in (tmp_path / "project" / ".logolint.yaml").read_text()


def test_the_printed_workflow_is_the_readmes():
    import yaml

    from logolint.scaffold import WORKFLOW

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Use it in GitHub Actions\n\n```yaml\n", 1)[1].split("```", 1)[0]
    assert {**yaml.safe_load(block), "name": "logolint"} == yaml.safe_load(WORKFLOW)

