"""`check --revision`: the files as a commit has them, whatever the working tree holds."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from conftest import EXAMPLES, git, run_cli


def _results(capsys) -> dict[str, tuple[bool, str | None]]:
    report = json.loads(capsys.readouterr().out)
    return {result["path"]: (result["flagged"], result["error"]) for result in report["results"]}


@pytest.fixture
def pushed(repo: Path, monkeypatch) -> Path:
    """A commit holding the old logo and a new one, whose working tree has since swapped
    the old logo for the new, deleted the new one and added an untracked old logo."""
    (repo / "assets").mkdir()
    shutil.copyfile(EXAMPLES / "old-logo.png", repo / "assets" / "logo.png")
    shutil.copyfile(EXAMPLES / "new-logo.png", repo / "assets" / "new.png")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "logos")
    shutil.copyfile(EXAMPLES / "new-logo.png", repo / "assets" / "logo.png")
    (repo / "assets" / "new.png").unlink()
    shutil.copyfile(EXAMPLES / "old-logo.png", repo / "assets" / "untracked.png")
    monkeypatch.chdir(repo)
    return repo


def test_files_are_read_as_the_commit_has_them(pushed: Path, capsys):
    assert run_cli("check", "--no-cache", "--format", "json", "assets") == 1
    assert _results(capsys) == {"assets/logo.png": (False, None), "assets/untracked.png": (True, None)}

    assert run_cli("check", "--no-cache", "--format", "json", "--revision", "HEAD", "assets") == 1
    assert _results(capsys) == {"assets/logo.png": (True, None), "assets/new.png": (False, None)}


def test_a_later_commit_that_drops_the_old_logo_passes(pushed: Path, capsys):
    git(pushed, "add", "-A", "assets/logo.png", "assets/new.png")
    git(pushed, "commit", "-qm", "new logo")
    shutil.copyfile(EXAMPLES / "old-logo.png", pushed / "assets" / "logo.png")  # not committed
    assert run_cli("check", "--no-cache", "--format", "json", "--revision", "HEAD", "assets/logo.png") == 0
    assert _results(capsys) == {"assets/logo.png": (False, None)}
    assert run_cli("check", "--no-cache", "--format", "json", "--revision", "HEAD~1", "assets/logo.png") == 1
    assert _results(capsys) == {"assets/logo.png": (True, None)}


def test_explain_reads_the_image_as_the_commit_has_it(pushed: Path, capsys):
    assert run_cli("explain", "-q", "--revision", "HEAD", "assets/logo.png") == 1
    assert capsys.readouterr().out.startswith("assets/logo.png: old logo (")
    assert run_cli("explain", "-q", "assets/logo.png") == 0
    assert capsys.readouterr().out.startswith("assets/logo.png: no old logo (")
    assert run_cli("explain", "--revision", "HEAD", "assets/untracked.png") == 2
    assert "--revision: assets/untracked.png: no such file or folder in HEAD\n" in capsys.readouterr().err
    assert run_cli("explain", "--revision", "HEAD", "assets") == 2
    assert "assets is a folder in HEAD: explain takes one image" in capsys.readouterr().err


def test_a_named_path_the_commit_does_not_hold_is_a_usage_error(pushed: Path, capsys):
    """As a path missing from the working tree is: a typo must not pass as nothing to check."""
    assert run_cli("check", "--no-cache", "--revision", "HEAD", "assets/logo.png", "assets/untracked.png") == 2
    assert "--revision: assets/untracked.png: no such file or folder in HEAD" in capsys.readouterr().err
    # An empty name is no name for the repository's top, as it is none for the working tree's.
    assert run_cli("check", "--no-cache", "--revision", "HEAD", "") == 2
    assert "--revision: '': no such file or folder in HEAD" in capsys.readouterr().err
    assert run_cli("check", "--no-cache", "") == 2


def _hooked(repo: Path, monkeypatch, **environ: str) -> None:
    """A model configured (the hook refuses the demo model) and pre-commit's variables."""
    from logolint.model import bundled_model_path

    shutil.copyfile(bundled_model_path(), repo / "model.tflite")
    (repo / ".logolint.yaml").write_text("model: model.tflite\n")
    for name in ("PRE_COMMIT_TO_REF", "PRE_COMMIT_FROM_REF", "PRE_COMMIT_LOCAL_BRANCH"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)


def test_the_hook_leaves_out_a_file_the_pushed_commit_deletes(pushed: Path, capsys, monkeypatch):
    from logolint.cli import hook

    _hooked(pushed, monkeypatch, PRE_COMMIT_TO_REF="HEAD", PRE_COMMIT_FROM_REF="HEAD~1")
    assert hook(["--no-cache", "--format", "json", "assets/untracked.png", "assets/logo.png"]) == 1
    assert _results(capsys) == {"assets/logo.png": (True, None)}


def test_the_hook_reads_a_first_push_from_the_local_branch_and_args_revision_wins(pushed: Path, capsys,
                                                                                monkeypatch):
    """A first push (the root commit among those pushed) has no from and to refs: pre-commit
    names every file and sets the local branch pushed. A --revision in `args:`, even
    abbreviated as argparse allows, wins over pre-commit's."""
    from logolint.cli import hook

    git(pushed, "add", "-A", "assets/logo.png", "assets/new.png")
    git(pushed, "commit", "-qm", "new logo")  # HEAD~1 still has the old one
    shutil.copyfile(EXAMPLES / "old-logo.png", pushed / "assets" / "logo.png")  # not committed
    _hooked(pushed, monkeypatch, PRE_COMMIT_LOCAL_BRANCH="HEAD")
    assert hook(["--no-cache", "--format", "json", "assets/logo.png"]) == 0
    assert _results(capsys) == {"assets/logo.png": (False, None)}
    _hooked(pushed, monkeypatch, PRE_COMMIT_TO_REF="HEAD", PRE_COMMIT_FROM_REF="HEAD~1")
    assert hook(["--no-cache", "--format", "json", "--rev", "HEAD~1", "assets/logo.png"]) == 1
    assert _results(capsys) == {"assets/logo.png": (True, None)}


def test_the_html_report_shows_the_image_the_commit_has(pushed: Path, capsys):
    """Its picture comes from the commit: the working tree no longer has the file."""
    git(pushed, "mv", "assets/logo.png", "assets/kept.png")
    (pushed / "assets" / "kept.png").unlink()
    assert run_cli("check", "--no-cache", "--format", "html", "--revision", "HEAD", "assets/logo.png") == 1
    page = capsys.readouterr().out
    assert 'src="data:image/jpeg;base64,' in page and "preview unavailable" not in page


def test_paths_are_named_from_the_current_folder_and_the_config_excludes(pushed: Path, capsys, monkeypatch):
    (pushed / "assets" / ".logolint.yaml").write_text("exclude: [new.png]\n")
    monkeypatch.chdir(pushed / "assets")
    assert run_cli("check", "--no-cache", "--format", "json", "--revision", "HEAD") == 1
    assert _results(capsys) == {"logo.png": (True, None)}


def test_a_repository_reached_through_a_linked_folder_and_a_file_named_twice(pushed: Path, capsys, monkeypatch):
    link = pushed.parent / "linked"
    os.symlink(pushed, link)
    monkeypatch.chdir(link / "assets")
    assert run_cli("check", "--no-cache", "--format", "json", "--revision", "HEAD", "logo.png", "./logo.png",
                   str(link / "assets" / "logo.png")) == 1
    assert _results(capsys) == {"logo.png": (True, None)}
    monkeypatch.chdir(pushed.parent)
    for named in ("linked", str(link), "linked/"):
        assert run_cli("check", "--no-cache", "--format", "json", "--revision", "HEAD", named) == 1
        assert sorted(_results(capsys)) == [str(Path(named, "assets", name)) for name in ("logo.png", "new.png")]


def test_odd_names_are_read_literally(repo: Path, capsys, monkeypatch):
    """A name git would read as a pattern or an option, or with a line break, is that file."""
    names = ["[a].png", "*.png", "-x.png", "line\nbreak.png", "space d.png"]
    for name in names:
        shutil.copyfile(EXAMPLES / "old-logo.png", repo / name)
    shutil.copyfile(EXAMPLES / "new-logo.png", repo / "a.png")  # what [a].png would match as a pattern
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "odd")
    for name in names:
        (repo / name).unlink()
    monkeypatch.chdir(repo)
    assert run_cli("check", "--no-cache", "--format", "json", "--revision", "HEAD", "--", *names) == 1
    assert _results(capsys) == {name: (True, None) for name in names}


def test_links_and_submodules_in_the_commit_are_reported_when_named_and_skipped_in_folders(repo: Path, capsys,
                                                                                        monkeypatch):
    (repo / "assets").mkdir()
    shutil.copyfile(EXAMPLES / "old-logo.png", repo / "assets" / "logo.png")
    os.symlink("logo.png", repo / "assets" / "link.png")
    inner = repo / "assets" / "sub.png"  # a submodule named like an image
    inner.mkdir()
    git(inner, "init", "-q")
    git(inner, "commit", "-q", "--allow-empty", "-m", "inner")
    git(repo, "add", "assets/logo.png", "assets/link.png", "assets/sub.png")
    git(repo, "commit", "-qm", "link")
    monkeypatch.chdir(repo)
    assert run_cli("check", "--no-cache", "--format", "json", "--revision", "HEAD", "assets") == 1
    assert _results(capsys) == {"assets/logo.png": (True, None)}
    assert run_cli("check", "--no-cache", "--format", "json", "--revision", "HEAD",
                   "assets/link.png", "assets/sub.png") == 1
    assert _results(capsys) == {"assets/link.png": (False, "a symbolic link in HEAD, not an image"),
                                "assets/sub.png": (False, "a submodule in HEAD, not an image")}


def test_the_repositorys_smudge_filters_apply_as_for_a_checkout(repo: Path, capsys, monkeypatch):
    """Git LFS keeps a pointer in the commit and the image in its store; a smudge filter
    (here one that stores the image as base64) gives the file a checkout would write."""
    git(repo, "config", "filter.b64.clean", "base64")
    git(repo, "config", "filter.b64.smudge", "base64 -d")
    (repo / ".gitattributes").write_text("*.png filter=b64\n")
    shutil.copyfile(EXAMPLES / "old-logo.png", repo / "logo.png")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "filtered")
    assert git(repo, "cat-file", "-p", "HEAD:logo.png").startswith("iVBOR")  # the commit holds base64 text
    (repo / "logo.png").unlink()
    monkeypatch.chdir(repo)
    assert run_cli("check", "--no-cache", "--format", "json", "--revision", "HEAD", "logo.png") == 1
    assert _results(capsys) == {"logo.png": (True, None)}


def test_a_failing_smudge_filter_is_reported_per_file(repo: Path, capsys, monkeypatch):
    shutil.copyfile(EXAMPLES / "old-logo.png", repo / "logo.png")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "logo")
    # More than the 64 KB of stderr kept, before git's own reason.
    git(repo, "config", "filter.broken.smudge", "head -c 100000 /dev/zero | tr '\\0' x >&2; false")
    git(repo, "config", "filter.broken.required", "true")
    (repo / ".gitattributes").write_text("*.png filter=broken\n")
    monkeypatch.chdir(repo)
    assert run_cli("check", "--no-cache", "--format", "json", "--revision", "HEAD", "logo.png") == 1
    assert _results(capsys) == {"logo.png": (False, "cannot read it from HEAD: fatal: logo.png: smudge filter "
                                                    "broken failed")}


def test_git_that_cannot_be_started_is_reported_per_file(pushed: Path, capsys, monkeypatch):
    def no_processes_left(*args, **kwargs):
        raise OSError(24, "Too many open files")  # as subprocess.Popen raises it

    monkeypatch.setattr("logolint.revision.Revision._cat", no_processes_left)
    assert run_cli("check", "--no-cache", "--format", "json", "--revision", "HEAD", "assets/logo.png") == 1
    assert _results(capsys) == {"assets/logo.png": (False, "cannot read it from HEAD: Too many open files")}


def test_a_filter_that_writes_much_to_stderr_does_not_stall_the_read(repo: Path, capsys, monkeypatch):
    shutil.copyfile(EXAMPLES / "old-logo.png", repo / "logo.png")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "logo")
    git(repo, "config", "filter.chatty.smudge", "head -c 300000 /dev/zero >&2; cat")  # more than a pipe holds
    (repo / ".gitattributes").write_text("*.png filter=chatty\n")
    monkeypatch.chdir(repo)
    monkeypatch.setattr("logolint.revision.GIT_SECONDS", 20)
    assert run_cli("check", "--no-cache", "--format", "json", "--revision", "HEAD", "logo.png") == 1
    assert _results(capsys) == {"logo.png": (True, None)}


def test_a_file_too_large_in_the_commit_is_refused_by_its_size(pushed: Path, capsys, monkeypatch):
    """Before git reads it whole: the filter that would fail never runs."""
    git(pushed, "config", "filter.broken.smudge", "false")
    git(pushed, "config", "filter.broken.required", "true")
    (pushed / ".gitattributes").write_text("*.png filter=broken\n")
    monkeypatch.setattr("logolint.revision.MAX_FILE_BYTES", 1000)
    assert run_cli("check", "--no-cache", "--format", "json", "--revision", "HEAD", "assets/logo.png") == 1
    assert _results(capsys) == {"assets/logo.png": (False, "file too large (over 1,000 bytes)")}


def test_a_stuck_filter_is_stopped_and_the_run_goes_on(repo: Path, capsys, monkeypatch):
    """The filter is stopped with git (nothing left running), and the other files of the run
    are not made to wait as long again."""
    import subprocess

    for name in ("a.png", "b.png"):
        shutil.copyfile(EXAMPLES / "old-logo.png", repo / name)
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "logos")
    git(repo, "config", "filter.stuck.smudge", "sleep 31.25; cat")
    (repo / ".gitattributes").write_text("*.png filter=stuck\n")
    monkeypatch.chdir(repo)
    monkeypatch.setattr("logolint.revision.GIT_SECONDS", 2)
    assert run_cli("check", "--no-cache", "--format", "json", "--revision", "HEAD", "a.png", "b.png") == 1
    assert _results(capsys) == {
        "a.png": (False, "cannot read it from HEAD: git (and its smudge filter) took over 2 s"),
        "b.png": (False, "not read from HEAD: git (and its smudge filter) took over 2 s on a file of this run")}
    assert subprocess.run(["pgrep", "-f", "sleep 31.25"], capture_output=True).returncode == 1  # none left


@pytest.mark.parametrize(("revision", "where", "message"), [
    ("no-such-branch", ".", "--revision: no commit named 'no-such-branch' in the repository at "),
    ("--all", ".", "--revision: '--all' does not name a commit"),
    ("HEAD", "assets ..", "--revision: .. is not in the repository at "),  # the first path's
])
def test_bad_revisions_and_paths_outside_the_repository_are_usage_errors(pushed: Path, capsys, revision, where,
                                                                         message):
    assert run_cli("check", "--no-cache", f"--revision={revision}", *where.split()) == 2
    assert message in capsys.readouterr().err


def test_outside_a_repository_it_says_so(tmp_path: Path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copyfile(EXAMPLES / "old-logo.png", tmp_path / "logo.png")
    assert run_cli("check", "--no-cache", "--revision", "HEAD", "logo.png") == 2
    assert "--revision needs a git repository at " in capsys.readouterr().err
