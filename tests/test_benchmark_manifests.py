"""The held-out manifests in benchmarks/ keep their promise: twelve brands each (or as
many as were left, said in the file), never one brand twice across sets, and pinned files."""

import re
from pathlib import Path

import pytest
import yaml

MANIFESTS = sorted((Path(__file__).parent.parent / "benchmarks").glob("holdout-manifest*.yaml"))


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def test_there_are_manifests():
    assert len(MANIFESTS) >= 17


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_each_manifest_is_well_formed(path):
    manifest = _load(path)
    assert manifest["schema"] == "logolint-eval-manifest/1"
    text = path.read_text(encoding="utf-8")
    # Sets 34 and 35 say so in an earlier wording; pick_holdout.py says how many it found.
    short = "Fewer than the rule asks: no unused brand was left" in text
    found = re.search(r"^# No unused brand was left in .*: only (\d+) brands of 12\.$", text, re.MULTILINE)
    assert len(manifest["brands"]) == (int(found.group(1)) if found else 12) or (short and len(manifest["brands"]) >= 10)
    for brand in manifest["brands"]:
        assert brand["package"] in manifest["packages"], brand["id"]
        for side in ("old", "new"):
            assert re.fullmatch(r"[0-9a-f]{64}", brand[side]["sha256"]), (brand["id"], side)
        assert brand["old"]["sha256"] != brand["new"]["sha256"], brand["id"]


def test_no_brand_is_held_out_twice():
    seen: dict[str, str] = {}
    seeds: dict[int, str] = {}
    for path in MANIFESTS:
        manifest = _load(path)
        assert manifest["seed"] not in seeds, (path.name, seeds.get(manifest["seed"]))
        seeds[manifest["seed"]] = path.name
        distractors = {_key(d["icon"]) for d in manifest["distractors"]}
        for brand in manifest["brands"]:
            names = {_key(brand["id"]), _key(brand["old"]["icon"]), _key(brand["title"])}
            assert not names & distractors, (path.name, brand["id"])
            for name in names:
                assert name not in seen or seen[name] == path.name, (name, path.name, seen.get(name))
                seen[name] = path.name
