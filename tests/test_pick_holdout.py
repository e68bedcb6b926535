"""benchmarks/pick_holdout.py's rule, in the parts that need no logo packages: which names
are one brand, and the sets and seeds the manifests it wrote record."""

import importlib.util
import re
from pathlib import Path

import pytest
import yaml

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
_spec = importlib.util.spec_from_file_location("pick_holdout", BENCHMARKS / "pick_holdout.py")
pick = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(pick)


@pytest.mark.parametrize("name, same", [
    ("mailgun-icon", "mailgun"),  # a devicon or logos suffix
    ("subversion-wordmark", "subversion"),
    ("Node.js", "node"),  # simple-icons' title, its .js ending
    ("awslambda", "lambda"),  # a prefix
    ("intellij", "intellijidea"),  # judged one brand by name
])
def test_variants_of_a_name_are_one_brand(name, same):
    assert same in pick.keys(name)


def test_a_prefix_or_ending_leaves_three_letters_at_least():
    assert "s3" not in pick.keys("amazons3") and "go" not in pick.keys("gojs")


def test_a_library_named_after_a_brand_is_a_brand_of_its_own():
    assert pick.keys("discord.js") == {"discordjs"}
    assert "discord" not in pick.keys("discorddotjs")


def test_sets_and_difficulty():
    assert pick.sets("1-3,5") == [1, 2, 3, 5] and pick.sets("24") == [24]
    assert [pick.difficulty(s) for s in (0.05, 0.2, 0.5)] == ["hard", "medium", "easy"]
    assert pick.manifest_path(1).name == "holdout-manifest.yaml"
    assert pick.manifest_path(26).name == "holdout-manifest-26.yaml"


@pytest.mark.parametrize("n", [23, 24, 25, 26])
def test_the_picked_sets_record_seed_n_plus_36_and_their_rule(n):
    path = pick.manifest_path(n)
    text = path.read_text(encoding="utf-8")
    assert yaml.safe_load(text)["seed"] == n + 36
    assert re.search(rf'sha256\("{n + 36}\|package\|icon"\) order, the first 7 simple-icons, 3 logos, 1 devicon, '
                     r'1 super-tiny-icons', text)
    packages = [brand["package"] for brand in yaml.safe_load(text)["brands"]]
    assert [packages.count(p) for p, _ in pick.QUOTA] == [count for _, count in pick.QUOTA]


def test_a_set_short_of_its_quota_says_so_in_its_manifest():
    """Set 34 found no unused devicon or super-tiny-icons brand: its header counts 10, and says why."""
    text = pick.manifest_path(34).read_text(encoding="utf-8")
    picks = yaml.safe_load(text)["brands"]
    assert pick.shortfall(picks) == "@iconify-json/devicon (0 of 1), super-tiny-icons (0 of 1)"
    assert f"# ones: {len(picks)} more brands" in text and f"left in {pick.shortfall(picks)}." in text
    assert pick.shortfall(yaml.safe_load(pick.manifest_path(33).read_text(encoding="utf-8"))["brands"]) == ""


def test_a_package_with_no_brand_left_gives_its_places_to_simple_icons():
    """Sets 34 and 35 held 10 brands: devicon and super-tiny-icons had none left."""
    import hashlib
    from types import SimpleNamespace

    class Packages(pick.Picker):
        def __init__(self, icons):
            self.fake = icons

        def used(self, excluded):
            return {}

        def icons(self, name, version):
            return set(self.fake.get(name, ()))

        def title(self, icon):
            return None

        def logo(self, name, version, icon):
            return SimpleNamespace(sha256=f"{version}|{icon}")

        def share(self, old, new):
            return 0.5

    simple = [f"brand{i}" for i in range(20)]
    picks = Packages({"simple-icons": simple, "@iconify-json/logos": ["alpha", "beta", "gamma", "delta"]}).pick(
        7, [], log=lambda line: None)
    assert len(picks) == sum(count for _, count in pick.QUOTA) == 12
    ranked = sorted(simple, key=lambda icon: hashlib.sha256(f"7|simple-icons|{icon}".encode()).hexdigest())
    assert [p["icon"] for p in picks if p["package"] == "simple-icons"] == ranked[:9]  # the next two, none twice
    assert pick.shortfall(picks) == "@iconify-json/devicon (0 of 1), super-tiny-icons (0 of 1)"
    assert pick.filled(picks) == "simple-icons filled their places"
    assert pick.filled(picks[:11]) == "only 11 brands of 12"
    full = Packages({"simple-icons": simple, "@iconify-json/logos": ["alpha", "beta", "gamma"],
                     "@iconify-json/devicon": ["mu"], "super-tiny-icons": ["nu"]}).pick(7, [], log=lambda line: None)
    assert [p["icon"] for p in full if p["package"] == "simple-icons"] == ranked[:7] and pick.shortfall(full) == ""
