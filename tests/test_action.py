"""The GitHub Action's own check step (`python -m logolint.action`, as action.yml runs it)
against a real git repository and synthetic pull_request and push events."""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from conftest import EXAMPLES, ROOT
from logolint.action import Inputs
from logolint.errors import ConfigError
from logolint.model import DEMO_MODEL

OLD = (EXAMPLES / "old-logo.png").read_bytes()
NEW = (EXAMPLES / "new-logo.png").read_bytes()
HOSTILE = "evil::x%41,y\n::warning::pwned.png"
ADDED = ["added old.png", "ünïcode/旧.png", "renamed/old copy.png", HOSTILE]


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false",
         *args], cwd=repo, check=True, capture_output=True, text=True)
    return done.stdout.strip()


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> tuple[Path, str, str]:
    """A repository whose second commit adds, renames, deletes and edits images."""
    repo = tmp_path_factory.mktemp("action") / "project"
    repo.mkdir()
    _git(repo, "init", "--quiet", "--initial-branch=main")
    files = {"legacy/old.png": OLD, "moved/old.png": OLD, "gone.png": OLD, "README.md": b"hello\n"}
    for name, data in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_bytes(data)
    _git(repo, "add", "--all")
    _git(repo, "commit", "--quiet", "-m", "base")
    base = _git(repo, "rev-parse", "HEAD")
    (repo / "renamed").mkdir()
    _git(repo, "mv", "moved/old.png", "renamed/old copy.png")
    _git(repo, "rm", "--quiet", "gone.png")
    for name, data in {"added old.png": OLD, "ünïcode/旧.png": OLD, HOSTILE: OLD, "fine.png": NEW,
                       "README.md": b"changed\n"}.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_bytes(data)
    _git(repo, "add", "--all")
    _git(repo, "commit", "--quiet", "-m", "head")
    return repo, base, _git(repo, "rev-parse", "HEAD")


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(autouse=True, scope="module")
def _steps_run_this_checkout():
    """The step runs `python -I`, which ignores PYTHONPATH: with logolint installed from
    elsewhere, every test here would judge that code, not this checkout's."""
    found = subprocess.run([sys.executable, "-I", "-c", "import logolint; print(logolint.__file__)"],
                           capture_output=True, text=True, cwd="/").stdout.strip()
    assert found and Path(found).resolve().parent == (ROOT / "logolint").resolve(), (
        f"the Action's steps would import logolint from {found or 'nowhere'}, not from {ROOT}: "
        "install this checkout (pip install -e .)")


def _step_command() -> list[str]:
    """The command line of action.yml's check step, with this interpreter for the venv's."""
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    step = next(step for step in action["runs"]["steps"] if step.get("id") == "check")
    line = next(line for line in step["run"].splitlines() if "logolint.action" in line and not line.lstrip().startswith("#"))
    return [sys.executable if word == "$venv_python" else word for word in shlex.split(line)]


def _run(repo: Path, tmp: Path, cache_dir: Path, event_name: str, event: dict, env_extra: dict | None = None,
         **inputs: str):
    """Run the step as action.yml does: a fresh process, inputs only in the environment."""
    (tmp / "event.json").write_text(json.dumps(event))
    for name in ("output", "summary"):
        (tmp / name).write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_", "RUNNER_"))}
    env.update({
        "GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": event_name,
        "GITHUB_EVENT_PATH": str(tmp / "event.json"), "GITHUB_OUTPUT": str(tmp / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp / "summary"), "RUNNER_TEMP": str(tmp),
        "LOGOLINT_CACHE_DIR": str(cache_dir),
    })
    if event_name == "push":  # these runs compare the pushed commits; `auto` checks every image on push
        inputs.setdefault("changed_only", "true")
    env.update({f"INPUT_{name.upper()}": value for name, value in inputs.items()} | (env_extra or {}))
    done = subprocess.run(_step_command(), cwd=repo, env=env,
                          capture_output=True, text=True, timeout=300)
    return done, _outputs((tmp / "output").read_text()), (tmp / "summary").read_text()


def _outputs(text: str) -> dict[str, str]:
    """Parse `name<<DELIMITER` blocks as the runner does."""
    outputs, lines = {}, iter(text.splitlines())
    for line in lines:
        name, delimiter = line.split("<<", 1)
        outputs[name] = "\n".join(iter(lambda: next(lines), delimiter))
    return outputs


def _property(text: str) -> str:
    return (text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
            .replace(":", "%3A").replace(",", "%2C"))


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _check_run(done, outputs: dict, summary: str, tmp: Path):
    assert done.returncode == 1, done.stderr
    commands = [line for line in done.stdout.splitlines() if line.startswith("::")]
    # No model is configured: the demo model checked, and the run says it once, as a warning.
    demo = f"::warning title=logolint::{_data(DEMO_MODEL)}"
    assert commands.count(demo) == 1
    commands.remove(demo)
    # Exactly one annotation per added or renamed old logo: not the deleted one, not the
    # untouched one, not the new logo, not the README.
    assert len(commands) == len(ADDED), done.stdout
    for name in ADDED:
        prefix = f"::error file={_property(name)},title=old logo::{_data(name)}: old logo ("
        line = next((c for c in commands if c.startswith(prefix)), None)
        assert line is not None, (name, commands)
        assert re.fullmatch(r"\d\.\d\d >= \d\.\d\d\) at \[\d+, \d+, \d+, \d+\]", line[len(prefix):]), line
    # The hostile name's newline and `::` stayed inside its own command.
    assert not any(line.startswith("::warning") for line in commands)
    assert "5 images checked, 4 with the old logo" in done.stdout.splitlines()  # and fine.png
    assert "gone.png" not in done.stdout and "legacy" not in done.stdout

    assert outputs["findings"] == "4"
    assert outputs["sarif-file"] == str(tmp / "logolint.sarif")
    sarif = json.loads(Path(outputs["sarif-file"]).read_text())
    uris = sorted(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                  for r in sarif["runs"][0]["results"])
    assert uris == sorted(["added%20old.png", "%C3%BCn%C3%AFcode/%E6%97%A7.png",
                           "renamed/old%20copy.png", "evil%3A%3Ax%2541%2Cy%0A%3A%3Awarning%3A%3Apwned.png"])
    fingerprints = {r["partialFingerprints"]["primaryLocationLineHash"] for r in sarif["runs"][0]["results"]}
    assert fingerprints == {hashlib.sha256(OLD).hexdigest()}

    lines = summary.splitlines()
    assert lines[0] == "### logolint: ❌ 4 of 5 images show the old logo"
    table = lines[lines.index("| File | Score | Box | Verdict |"):]
    assert table[1] == "| --- | --- | --- | --- |"
    rows = [row for row in table[2:] if row]
    assert len(rows) == 4
    for row in rows:
        assert re.fullmatch(r"\| .+ \| \d\.\d\d \| \[\d+, \d+, \d+, \d+\] \| old logo \|", row), row
    assert r"| added old\.png |" in summary
    assert r"| ünïcode\/旧\.png |" in summary
    assert r"| renamed\/old copy\.png |" in summary
    # The hostile name stays in one cell of one row: escaped pipes, no line break.
    assert r"| evil\:\:x\%41\,y\n\:\:warning\:\:pwned\.png |" in summary


def test_pull_request_reports_added_and_renamed_old_logos(repo, cache_dir, tmp_path):
    path, base, head = repo
    event = {"pull_request": {"base": {"sha": base}, "head": {"sha": head}}}
    done, outputs, summary = _run(path, tmp_path, cache_dir, "pull_request", event)
    _check_run(done, outputs, summary, tmp_path)


def test_push_reports_the_pushed_changes(repo, cache_dir, tmp_path):
    path, base, head = repo
    done, outputs, summary = _run(path, tmp_path, cache_dir, "push", {"before": base, "after": head})
    _check_run(done, outputs, summary, tmp_path)


def test_inputs_paths_threshold_and_fail_on_findings(repo, cache_dir, tmp_path):
    path, base, head = repo
    event = {"pull_request": {"base": {"sha": base}, "head": {"sha": head}}}
    sarif = tmp_path / "out" / "x.sarif"
    done, outputs, _ = _run(path, tmp_path, cache_dir, "pull_request", event,
                            paths="renamed\nfine.png", fail_on_findings="false", sarif_file=str(sarif))
    assert done.returncode == 0, done.stderr
    assert outputs["findings"] == "1" and outputs["sarif-file"] == str(sarif) and sarif.is_file()
    assert done.stdout.count("::error ") == 1 and "file=renamed/old copy.png," in done.stdout

    # Threshold 0 flags any image: the input reaches the check.
    done, outputs, _ = _run(path, tmp_path, cache_dir, "pull_request", event, threshold="0", paths="fine.png")
    assert done.returncode == 1 and outputs["findings"] == "1" and "file=fine.png," in done.stdout


@pytest.mark.parametrize("variable, code, said", [
    # The summary is a warning, and the rest is done.
    ("GITHUB_STEP_SUMMARY", 1, "::warning title=logolint::cannot write the job summary "),
    # The outputs are an error annotation: it was "internal error: IsADirectoryError".
    ("GITHUB_OUTPUT", 2, "::error title=logolint::GITHUB_OUTPUT {folder}: cannot write there: "),
])
def test_a_runner_file_that_cannot_be_written_is_one_annotation(repo, cache_dir, tmp_path, variable: str, code: int,
                                                                said: str):
    path, _, _ = repo
    folder = tmp_path / "a-folder"
    folder.mkdir()
    done, outputs, _ = _run(path, tmp_path, cache_dir, "workflow_dispatch", {}, paths="legacy",
                            env_extra={variable: str(folder)})
    assert done.returncode == code, done.stdout + done.stderr
    assert said.format(folder=folder) in done.stdout and "internal error" not in done.stdout
    if variable == "GITHUB_STEP_SUMMARY":
        assert outputs["findings"] == "1" and Path(outputs["sarif-file"]).is_file()


def test_other_events_check_every_image(repo, cache_dir, tmp_path):
    path, _, _ = repo
    done, outputs, _ = _run(path, tmp_path, cache_dir, "workflow_dispatch", {}, paths="legacy")
    assert done.returncode == 1
    assert outputs["findings"] == "1" and "file=legacy/old.png," in done.stdout
    assert done.stdout.count(DEMO_MODEL.split(":")[0]) == 1  # no model configured: said once


def test_no_demo_model_warning_where_no_image_could_be_judged(repo, cache_dir, tmp_path):
    path, _, _ = repo
    (path / "stub").mkdir()
    (path / "stub" / "logo.png").write_text(f"version https://git-lfs.github.com/spec/v1\noid sha256:{'0' * 64}\n")
    done, _, _ = _run(path, tmp_path, cache_dir, "workflow_dispatch", {}, paths="stub")
    assert done.returncode == 1 and "Git LFS pointer" in done.stdout
    assert DEMO_MODEL.split(":")[0] not in done.stdout


def test_the_saved_cache_keeps_what_was_used_and_drops_entries_unused_for_thirty_days(repo, tmp_path):
    """Each run saves the cache it restored: without pruning it would grow with every run."""
    path, _, _ = repo
    cache = tmp_path / "own-cache"
    done, _, _ = _run(path, tmp_path, cache, "workflow_dispatch", {}, paths="legacy")
    assert done.returncode == 1
    used = {entry.name for entry in cache.glob("??/*.json")}
    stale = cache / "ab" / ("ab" + "0" * 62 + ".json")
    stale.parent.mkdir(exist_ok=True)
    stale.write_text("{}")
    old = time.time() - 31 * 24 * 3600
    for entry in [*cache.glob("??/*.json"), cache / "pruned"]:
        os.utime(entry, (old, old))
    done, _, _ = _run(path, tmp_path, cache, "workflow_dispatch", {}, paths="legacy")
    assert done.returncode == 1 and "logolint: 1 result from the cache" in done.stdout
    assert {entry.name for entry in cache.glob("??/*.json")} == used


def test_bad_input_is_one_error_annotation(repo, cache_dir, tmp_path):
    path, _, _ = repo
    done, outputs, _ = _run(path, tmp_path, cache_dir, "push", {}, threshold="high")
    assert done.returncode == 2
    assert done.stdout.startswith("::error title=logolint::input threshold must be a number")
    assert outputs == {}
    # So the README's upload step, which runs after a failed step, is skipped instead of
    # failing a second time on a file that was never written.
    from logolint.scaffold import WORKFLOW

    upload = next(step for step in yaml.safe_load(WORKFLOW)["jobs"]["logolint"]["steps"]
                  if "upload-sarif" in step.get("uses", ""))
    assert upload["if"] == "${{ !cancelled() && steps.logolint.outputs.sarif-file != '' }}"


@pytest.mark.parametrize("target, message", [("link", "it is a symbolic link"), ("image", "an image's name")])
def test_a_sarif_file_that_would_overwrite_another_is_refused_before_the_work(repo, cache_dir, tmp_path, target,
                                                                              message):
    path, _, _ = repo
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    sarif = path / "legacy" / "old.png" if target == "image" else tmp_path / "report.sarif"
    if target == "link":
        sarif.symlink_to(victim)
    before = sarif.read_bytes()
    done, outputs, _ = _run(path, tmp_path, cache_dir, "workflow_dispatch", {}, paths="legacy", sarif_file=str(sarif))
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"::error title=logolint::sarif-file {sarif}: cannot write there: {message}" in done.stdout
    assert "file=legacy/old.png," not in done.stdout and outputs == {}  # refused before any image was checked
    assert sarif.read_bytes() == before and victim.read_text() == "precious\n"


def test_the_actions_own_messages_show_control_characters_escaped(cache_dir, tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    _git(project, "init", "--quiet")
    (project / ".logolint.yaml").write_text('model: "x\\e[31mRED\\u202eelif.tflite"\n')  # YAML's escapes
    done, _, _ = _run(project, tmp_path, cache_dir, "workflow_dispatch", {})
    assert done.returncode == 2, done.stdout + done.stderr
    assert "model file not found: " in done.stdout and "x\\x1b[31mRED\\u202eelif.tflite" in done.stdout
    assert not any(not char.isprintable() for char in done.stdout.replace("\n", ""))


@pytest.mark.parametrize("name, value, message", [
    ("CHANGED_ONLY", "yes", "input changed-only must be true, false or auto"),
    ("FAIL_ON_FINDINGS", "1", "input fail-on-findings must be true or false, got '1'"),
    ("FAIL_ON_FINDINGS", "auto", "input fail-on-findings must be true or false, got 'auto'"),
    ("THRESHOLD", "2", "input threshold must be a number from 0 to 1"),
    ("THRESHOLD", "nan", "input threshold must be a number from 0 to 1"),
    ("SHARD", "3/2", "input shard: expected I/N"),
])
def test_bad_inputs_are_named(name: str, value: str, message: str):
    with pytest.raises(ConfigError, match=message):
        Inputs.from_env({f"INPUT_{name}": value})


def test_a_negative_zero_threshold_is_zero():
    assert math.copysign(1, Inputs.from_env({"INPUT_THRESHOLD": "-0"}).threshold) == 1


def test_input_defaults_follow_the_event():
    pull = Inputs.from_env({"GITHUB_EVENT_NAME": "pull_request", "RUNNER_TEMP": "/tmp/r",
                            "INPUT_PATHS": " docs \n\n my images/\n"})
    assert pull.changed_only and pull.fail_on_findings and pull.threshold is None
    assert pull.paths == ("docs", "my images/") and pull.sarif_file == "/tmp/r/logolint.sarif"
    other = Inputs.from_env({"GITHUB_EVENT_NAME": "schedule", "INPUT_SHARD": "2/4", "RUNNER_TEMP": "/r"})
    assert not other.changed_only and other.paths == (".",) and other.sarif_file == "/r/logolint-2-of-4.sarif"
    forced = Inputs.from_env({"GITHUB_EVENT_NAME": "pull_request", "INPUT_CHANGED_ONLY": "False"})
    assert not forced.changed_only
    push = Inputs.from_env({"GITHUB_EVENT_NAME": "push"})  # see the next test
    assert not push.changed_only and Inputs.from_env({"GITHUB_EVENT_NAME": "push", "INPUT_CHANGED_ONLY": "true"}).changed_only


def test_a_push_uploads_every_images_alert(repo, cache_dir, tmp_path):
    """Code scanning takes an upload as its branch's whole state: a SARIF of the pushed
    images alone closed the alert of every old logo the push did not touch."""
    path, base, head = repo
    done, outputs, _ = _run(path, tmp_path, cache_dir, "push", {"before": base, "after": head}, changed_only="auto")
    assert done.returncode == 1, done.stdout + done.stderr
    sarif = json.loads(Path(outputs["sarif-file"]).read_text())
    uris = {result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for result in sarif["runs"][0]["results"]}
    assert "legacy/old.png" in uris and "added%20old.png" in uris  # untouched by the push, and pushed


def test_action_yml_passes_inputs_only_through_env():
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    steps = action["runs"]["steps"]
    for step in steps:
        assert "${{" not in step.get("run", ""), step["name"]
        if "uses" in step:
            assert re.fullmatch(r"[\w-]+/[\w-]+(/[\w-]+)?@[0-9a-f]{40}", step["uses"]), step["uses"]
    # The result cache is saved after the check whatever it found: actions/cache's own
    # post step saves only after success, and a run with findings fails.
    names = [step.get("uses", "").split("@")[0] or step.get("id") for step in steps]
    assert names.index("actions/cache/restore") < names.index("check") < names.index("actions/cache/save")
    save = steps[names.index("actions/cache/save")]
    assert save["if"] == "${{ !cancelled() }}" and "actions/cache" not in names
    restore = steps[names.index("actions/cache/restore")]
    assert save["with"]["key"] == restore["with"]["key"] and save["with"]["path"] == restore["with"]["path"]
    check = next(step for step in steps if step.get("id") == "check")
    assert check["run"].rstrip().endswith('-m logolint.action')
    for name in action["inputs"]:
        if name != "python-version":
            assert check["env"][f"INPUT_{name.upper().replace('-', '_')}"] == f"${{{{ inputs.{name} }}}}"


def _tool(name: str) -> str:
    found = shutil.which(name, path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    if found is None:
        pytest.fail(f"{name} is not installed: pip install -e '.[test]'")
    return found


def test_action_yml_passes_its_schema():
    done = subprocess.run([_tool("check-jsonschema"), "--builtin-schema", "vendor.github-actions",
                           str(ROOT / "action.yml")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_action_yml_passes_zizmor():
    done = subprocess.run([_tool("zizmor"), "--offline", "--persona", "pedantic", str(ROOT / "action.yml")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No findings" in done.stdout


def test_a_file_name_that_is_not_utf8(tmp_path, cache_dir):
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "--quiet")
    _git(repo, "commit", "--quiet", "--allow-empty", "-m", "base")
    base = _git(repo, "rev-parse", "HEAD")
    (repo / os.fsdecode(b"bad\xff name.png")).write_bytes(OLD)
    _git(repo, "add", "--all")
    _git(repo, "commit", "--quiet", "-m", "head")
    event = {"before": base, "after": _git(repo, "rev-parse", "HEAD")}
    out = tmp_path / "out"
    out.mkdir()
    done, outputs, summary = _run(repo, out, cache_dir, "push", event)
    assert done.returncode == 1 and outputs["findings"] == "1", done.stdout + done.stderr
    assert r"::error file=bad\xff name.png,title=old logo::" in done.stdout  # as text output shows it
    assert r"| bad\\xff name\.png |" in summary  # as every other format shows it
    sarif = json.loads(Path(outputs["sarif-file"]).read_text())
    location = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "bad%FF%20name.png"


def test_the_config_of_a_repository_checked_out_under_a_path_is_used(tmp_path, cache_dir):
    """With actions/checkout's `path: repo`, the repository's .logolint.yaml was passed
    over: the demo model checked it, and the baseline it names did not count."""
    repo = tmp_path / "work" / "repo"
    repo.mkdir(parents=True)
    _git(repo, "init", "--quiet")
    (repo / "accepted.png").write_bytes(OLD)
    (repo / "legacy").mkdir()
    (repo / "legacy" / "old.png").write_bytes(OLD + b"\0")  # another content, excluded
    (repo / "baseline.txt").write_text(f"{hashlib.sha256(OLD).hexdigest()}  accepted.png\n")
    (repo / ".logolint.yaml").write_text("threshold: 0.5\nbaseline: baseline.txt\nexclude: ['legacy/']\n")
    _git(repo, "add", "--all")
    _git(repo, "commit", "--quiet", "-m", "base")
    out = tmp_path / "out"
    out.mkdir()
    done, outputs, _ = _run(repo.parent, out, cache_dir, "schedule", {}, paths="repo")
    assert done.returncode == 0 and outputs["findings"] == "0", done.stdout + done.stderr
    assert "1 image checked, 0 with the old logo, 1 accepted" in done.stdout
    sarif = json.loads(Path(outputs["sarif-file"]).read_text())
    assert sarif["runs"][0]["properties"]["threshold"] == 0.5
    # A repository without a config of its own is checked with the working folder's: a
    # workflow's central config for the repositories it checks out.
    (repo / ".logolint.yaml").unlink()
    (repo.parent / ".logolint.yaml").write_text("threshold: 0.45\n")
    done, outputs, _ = _run(repo.parent, out, cache_dir, "schedule", {}, paths="repo")
    assert json.loads(Path(outputs["sarif-file"]).read_text())["runs"][0]["properties"]["threshold"] == 0.45
    (repo.parent / ".logolint.yaml").unlink()
    (repo / ".logolint.yaml").write_text("threshold: 0.5\nbaseline: baseline.txt\nexclude: ['legacy/']\n")
    # A config named by the input still counts as it is given (from the working folder).
    (repo.parent / "strict.yaml").write_text("threshold: 0.4\n")
    done, outputs, _ = _run(repo.parent, out, cache_dir, "schedule", {}, paths="repo", config="strict.yaml")
    assert done.returncode == 1 and outputs["findings"] == "2", done.stdout + done.stderr


def test_changed_only_skips_links_and_finds_the_repository_under_paths(tmp_path, cache_dir):
    outside = tmp_path / "outside.png"  # an old logo out of the checkout
    outside.write_bytes(OLD)
    repo = tmp_path / "work" / "repo"  # actions/checkout with `path: repo`
    repo.mkdir(parents=True)
    _git(repo, "init", "--quiet")
    _git(repo, "commit", "--quiet", "--allow-empty", "-m", "base")
    base = _git(repo, "rev-parse", "HEAD")
    (repo / "brand.png").symlink_to(outside)
    (repo / "dangling.png").symlink_to("../nowhere.png")
    (repo / "fine.png").write_bytes(NEW)
    _git(repo, "add", "--all")
    _git(repo, "commit", "--quiet", "-m", "head")
    event = {"pull_request": {"base": {"sha": base}, "head": {"sha": _git(repo, "rev-parse", "HEAD")}}}
    out = tmp_path / "out"
    out.mkdir()
    done, outputs, _ = _run(repo.parent, out, cache_dir, "pull_request", event, paths="repo")
    # As when folders are walked: git stores a link, not an image, and none is followed.
    assert done.returncode == 0 and outputs["findings"] == "0", done.stdout + done.stderr
    assert "logolint: 1 changed image between" in done.stdout
    assert "1 image checked, 0 with the old logo" in done.stdout
    walked, _, _ = _run(repo.parent, out, cache_dir, "pull_request", event, paths="repo", changed_only="false")
    assert walked.returncode == 0 and "1 image checked, 0 with the old logo" in walked.stdout, walked.stdout


def test_files_are_named_from_the_repository_that_holds_them(tmp_path, cache_dir):
    repo = tmp_path / "workspace" / "repo"  # actions/checkout with `path: repo`: the workspace is no repository
    (repo / "assets").mkdir(parents=True)
    _git(repo, "init", "--quiet")
    (repo / "assets" / "old.png").write_bytes(OLD)
    out = tmp_path / "out"
    out.mkdir()
    done, outputs, _ = _run(repo.parent, out, cache_dir, "workflow_dispatch", {}, paths="repo")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "::error file=assets/old.png,title=old logo::" in done.stdout
    sarif = json.loads(Path(outputs["sarif-file"]).read_text())
    location = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location["uri"] == "assets/old.png"


def _two_commits(repo: Path, files: dict[str, bytes]) -> tuple[str, str]:
    """An empty first commit and a second adding `files`: (base, head)."""
    repo.mkdir(parents=True, exist_ok=True)
    _git(repo, "init", "--quiet")
    _git(repo, "commit", "--quiet", "--allow-empty", "-m", "base")
    for name, data in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_bytes(data)
    _git(repo, "add", "--all")
    _git(repo, "commit", "--quiet", "-m", "head")
    return _git(repo, "rev-parse", "HEAD~1"), _git(repo, "rev-parse", "HEAD")


def test_a_path_that_does_not_exist_is_an_error_in_changed_only_mode(tmp_path, cache_dir):
    # As it is when folders are walked: a typo or a glob must not pass every change unchecked.
    base, head = _two_commits(tmp_path / "repo", {"assets/old.png": OLD})
    for paths in ("asset", "*.png", "assets/*.png"):
        done, _, _ = _run(tmp_path / "repo", tmp_path, cache_dir, "push", {"before": base, "after": head}, paths=paths)
        assert done.returncode == 2, done.stdout + done.stderr
        assert f"::error title=logolint::no such file or directory: {paths}" in done.stdout


def test_a_changed_file_named_in_paths_is_checked_whatever_its_extension(tmp_path, cache_dir):
    # As the CLI checks a named file, and as changed-only: false does.
    base, head = _two_commits(tmp_path / "repo", {"brand/logo.dat": OLD, "brand/other.dat": OLD, "brand/.png": OLD})
    event = {"before": base, "after": head}
    done, outputs, _ = _run(tmp_path / "repo", tmp_path, cache_dir, "push", event, paths="brand/logo.dat")
    assert done.returncode == 1 and outputs["findings"] == "1", done.stdout + done.stderr
    assert "logolint: 1 changed image between" in done.stdout and "::error file=brand/logo.dat," in done.stdout
    walked, outputs, _ = _run(tmp_path / "repo", tmp_path, cache_dir, "push", event, paths="brand")
    assert walked.returncode == 1 and outputs["findings"] == "1", walked.stdout  # brand/.png, not the .dat files
    assert "::error file=brand/.png," in walked.stdout


def test_the_checkout_cannot_stand_in_for_a_module(tmp_path, cache_dir):
    # action.yml runs from the checkout: its files must not be imported in place of Python's or logolint's.
    files = {"old.png": OLD, "uuid.py": b"raise SystemExit(0)\n", "logolint.py": b"raise SystemExit(0)\n",
             "json.py": b"raise SystemExit(0)\n"}
    base, head = _two_commits(tmp_path / "repo", files)
    done, outputs, _ = _run(tmp_path / "repo", tmp_path, cache_dir, "push", {"before": base, "after": head})
    assert done.returncode == 1 and outputs["findings"] == "1", done.stdout + done.stderr


@pytest.mark.parametrize("sha", [None, 123, "main", "--upload-pack=touch pwned"])
def test_an_event_sha_that_is_not_one_is_a_usage_error(tmp_path, cache_dir, sha):
    base, head = _two_commits(tmp_path / "repo", {"old.png": OLD})
    for name, event in (("push", {"before": base, "after": sha}),
                        ("pull_request", {"pull_request": {"base": {"sha": sha}, "head": {"sha": head}}})):
        done, _, _ = _run(tmp_path / "repo", tmp_path, cache_dir, name, event)
        assert done.returncode == 2, done.stdout + done.stderr
        assert f"::error title=logolint::cannot read the {name} event from GITHUB_EVENT_PATH: not a commit sha" in done.stdout
        assert "Traceback" not in done.stderr
    assert not (tmp_path / "repo" / "pwned").exists()


def test_a_git_failure_names_its_cause(tmp_path, cache_dir):
    base, _ = _two_commits(tmp_path / "repo", {"old.png": OLD})
    absent = "0123456789abcdef0123456789abcdef01234567"  # not in the repository, which has no remote
    done, _, _ = _run(tmp_path / "repo", tmp_path, cache_dir, "push", {"before": base, "after": absent})
    assert done.returncode == 2, done.stdout + done.stderr
    assert "git fetch failed: fatal: 'origin' does not appear to be a git repository" in done.stdout


def test_a_push_whose_base_commit_is_gone_checks_every_image(tmp_path, cache_dir):
    """After a force-push, `before` may no longer be on the server: the run failed with
    `not our ref` instead of checking what it could."""
    _, head = _two_commits(tmp_path / "origin", {"old.png": OLD, "new.png": NEW})
    _git(tmp_path, "clone", "--quiet", str(tmp_path / "origin"), "clone")
    gone = "0123456789abcdef0123456789abcdef01234567"
    done, outputs, _ = _run(tmp_path / "clone", tmp_path, cache_dir, "push", {"before": gone, "after": head})
    assert done.returncode == 1 and outputs["findings"] == "1", done.stdout + done.stderr
    assert (f"::notice title=logolint::the event's base commit {gone[:12]} cannot be fetched (a force-push "
            "may have replaced it): checking every image under the paths. git: ") in done.stdout
    assert "upload-pack: not our ref" in done.stdout  # git's own words: the cause may be another
    assert "2 images checked, 1 with the old logo" in done.stdout
    # The head is what is checked out: one that cannot be fetched is still an error (above).


def test_an_absolute_path_through_a_linked_folder(tmp_path, cache_dir):
    base, head = _two_commits(tmp_path / "real" / "repo", {"assets/old.png": OLD})
    (tmp_path / "link").symlink_to(tmp_path / "real")
    repo = tmp_path / "link" / "repo"
    done, outputs, _ = _run(repo, tmp_path, cache_dir, "push", {"before": base, "after": head},
                            paths=str(repo / "assets"))
    assert done.returncode == 1 and outputs["findings"] == "1", done.stdout + done.stderr


def test_images_a_sparse_checkout_left_out_are_named(tmp_path, cache_dir):
    base, head = _two_commits(tmp_path / "repo", {"docs/new.png": NEW, "assets/old.png": OLD})
    (tmp_path / "repo" / "assets" / "link.png").symlink_to("old.png")  # a link, not an image: not named
    _git(tmp_path / "repo", "add", "--all")
    _git(tmp_path / "repo", "commit", "--quiet", "--amend", "-m", "head")
    head = _git(tmp_path / "repo", "rev-parse", "HEAD")
    _git(tmp_path / "repo", "sparse-checkout", "set", "docs")
    done, outputs, _ = _run(tmp_path / "repo", tmp_path, cache_dir, "push", {"before": base, "after": head})
    # Not checked, so failing as any file that cannot be checked does: the step had passed
    # with a warning while the push added an old logo.
    assert done.returncode == 1, done.stdout + done.stderr
    assert "logolint: 2 changed images between" in done.stdout
    assert ("::error file=assets/old.png,title=not checked::assets/old.png: not checked: not in this sparse "
            "checkout, so not checked (check it out, or set changed-only: false)") in done.stdout
    assert "2 images: 1 checked, 0 with the old logo, 1 could not be checked" in done.stdout
    sarif = json.loads(Path(outputs["sarif-file"]).read_text())
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["unreadable-image"]
    # Named in `paths`, the folder or the file the checkout left out: they were taken for
    # paths the change removed, and the old logo passed.
    for named in ("assets", "assets/old.png"):
        done, _, _ = _run(tmp_path / "repo", tmp_path, cache_dir, "push", {"before": base, "after": head},
                          paths=named)
        assert done.returncode == 1 and "assets/old.png: not checked: not in this sparse checkout" in done.stdout, \
            done.stdout + done.stderr
    # Excluded by the config, it is left alone, as a checked-out one would be.
    (tmp_path / "repo" / ".logolint.yaml").write_text("exclude: ['assets/']\n")
    done, _, _ = _run(tmp_path / "repo", tmp_path, cache_dir, "push", {"before": base, "after": head})
    assert done.returncode == 0 and "1 image checked, 0 with the old logo" in done.stdout, done.stdout


def test_submodules_are_named_not_passed_in_silence(tmp_path, cache_dir):
    module = tmp_path / "brand"
    base_module, _ = _two_commits(module, {"logo.png": NEW})
    repo = tmp_path / "repo"
    base, _ = _two_commits(repo, {"README.md": b"hi\n"})
    _git(repo, "-c", "protocol.file.allow=always", "submodule", "--quiet", "add", str(module), "brand")
    _git(repo, "commit", "--quiet", "-m", "submodule")
    head = _git(repo, "rev-parse", "HEAD")
    done, outputs, _ = _run(repo, tmp_path, cache_dir, "push", {"before": base, "after": head})
    assert done.returncode == 0, done.stdout + done.stderr
    assert ("::warning title=logolint::1 changed submodule (its images are checked only with "
            "changed-only: false): brand") in done.stdout
    inside, _, _ = _run(repo, tmp_path, cache_dir, "push", {"before": base, "after": head}, paths="brand")
    assert inside.returncode == 2 and "brand is in a submodule" in inside.stdout, inside.stdout + inside.stderr
    second, _, _ = _run(repo, tmp_path, cache_dir, "push", {"before": base, "after": head}, paths=".\nbrand")
    assert second.returncode == 2 and "brand is in a submodule" in second.stdout, second.stdout + second.stderr
    # A submodule that .gitmodules tells git diff to ignore is named all the same.
    _git(repo, "config", "-f", ".gitmodules", "submodule.brand.ignore", "all")
    _git(repo, "commit", "--quiet", "-am", "ignore")
    ignored, _, _ = _run(repo, tmp_path, cache_dir, "push", {"before": base, "after": _git(repo, "rev-parse", "HEAD")})
    assert "1 changed submodule" in ignored.stdout, ignored.stdout + ignored.stderr


@pytest.mark.parametrize("raised, code, line", [
    (KeyboardInterrupt(), 130, "::error title=logolint::interrupted"),
    (RuntimeError("a bug"), 2, "::error title=logolint::internal error: RuntimeError: a bug"),
])
def test_an_interrupt_or_a_bug_is_one_line_not_a_traceback(monkeypatch, capsys, raised, code, line):
    from logolint import action

    def run(env):
        raise raised

    monkeypatch.setattr(action, "run", run)
    assert action.main({}) == code
    assert capsys.readouterr().out.strip() == line


def test_every_python_in_action_yml_runs_isolated():
    # The checkout is the current folder of every step: a pip.py or logging.py there must not
    # stand in for a module while the action installs or runs logolint.
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    lines = [line for step in action["runs"]["steps"] for line in step.get("run", "").splitlines()
             if re.search(r"\s-m\s", line) and not line.lstrip().startswith("#")]
    assert len(lines) == 3 and all(re.search(r"python\S*\"? -I -m ", line, re.I) for line in lines), lines


def test_a_path_this_change_removed_is_a_notice(tmp_path, cache_dir):
    repo = tmp_path / "repo"
    _, base = _two_commits(repo, {"docs/old.png": OLD, "assets/logo.png": NEW})
    _git(repo, "rm", "--quiet", "-r", "docs")
    (repo / "assets" / "old.png").write_bytes(OLD)
    _git(repo, "add", "--all")
    _git(repo, "commit", "--quiet", "-m", "remove docs")
    head = _git(repo, "rev-parse", "HEAD")
    done, outputs, _ = _run(repo, tmp_path, cache_dir, "push", {"before": base, "after": head}, paths="docs\nassets")
    assert done.returncode == 1 and outputs["findings"] == "1", done.stdout + done.stderr
    assert "::notice title=logolint::docs was removed by this change: nothing to check there" in done.stdout
    alone, outputs, _ = _run(repo, tmp_path, cache_dir, "push", {"before": base, "after": head}, paths="docs")
    assert alone.returncode == 0 and outputs["findings"] == "0", alone.stdout + alone.stderr
    # A file named as a folder is said as the CLI says it; it was taken for a path removed.
    slash, _, _ = _run(repo, tmp_path, cache_dir, "push", {"before": base, "after": head}, paths="assets/old.png/")
    assert slash.returncode == 2 and "cannot use assets/old.png/: Not a directory" in slash.stdout, slash.stdout
    # In the change but not in the working tree, and no sparse checkout: an error, not a pass.
    shutil.rmtree(repo / "assets")
    gone, _, _ = _run(repo, tmp_path, cache_dir, "push", {"before": base, "after": head}, paths="assets")
    assert gone.returncode == 2 and "assets is in the checked-out commit but not in the working tree" in gone.stdout, \
        gone.stdout


def test_sparse_checkout_paths_are_listed_in_batches(tmp_path, monkeypatch):
    from logolint import action

    repo = tmp_path / "repo"
    _two_commits(repo, {**{f"assets/{i}.png": NEW for i in range(5)}, "docs/a.md": b"a\n"})
    _git(repo, "sparse-checkout", "set", "docs")
    monkeypatch.chdir(repo)
    monkeypatch.setattr(action, "SPARSE_BATCH", 2)
    paths = [f"assets/{i}.png" for i in range(5)]
    assert action._sparse(paths, str(repo)) == paths
