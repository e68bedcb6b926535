"""Pick a held-out brand set blind and write its manifest for brands-dev's generate.py.

    python benchmarks/pick_holdout.py --seed 61 --exclude 1-24 --cache CACHE \\
        [--output benchmarks/holdout-manifest-25.yaml] [--title icon=Title ...]

The rule written in held-out sets 19 onwards (set N: seed N + 36; run again, this script picks
sets 23, 24 and 25's brands and drawings exactly): each package's icons in
sha256("SEED|package|icon") order, the first 7 simple-icons, 3 logos, 1 devicon and 1
super-tiny-icons whose brand is in neither brands-dev nor an excluded set, named alike in the
earliest cached release that holds it and the newest, and whose drawings differ on at least
5% of their inked pixels (2 px and 60 levels of slack, each drawing's ink box fitted to the
same frame, simple-icons in black). Since set 36, the places of a package with no such brand
left go to the next simple-icons (sets 34 and 35 have 10 brands: devicon and
super-tiny-icons had none left). Nothing is shown or saved but the manifest: the set is
picked from metadata and measurements, so no image is looked at before it is measured.

Needs ../shared/data/brands-dev (its logo_sources and generate modules, run with its
requirements) and a package cache its generate.py has filled (--cache). The titles of
simple-icons come from its metadata; the others' are the icon's name without -icon or
-wordmark, capitalised, unless given with --title.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BRANDS_DEV = HERE.parent.parent / "shared" / "data" / "brands-dev"
VERSIONS = {
    "simple-icons": ["1.0.0", "1.9.28", "2.19.0", "5.24.0", "9.21.0", "15.22.0", "16.37.0"],
    "@iconify-json/logos": ["1.0.1", "1.2.19"],
    "@iconify-json/devicon": ["1.1.5", "1.2.68"],
    "super-tiny-icons": ["0.2.1", "0.6.0"],
}
QUOTA = [("simple-icons", 7), ("@iconify-json/logos", 3), ("@iconify-json/devicon", 1), ("super-tiny-icons", 1)]
PLACES = sum(wanted for _, wanted in QUOTA)
FRAME, TOLERANCE, SLACK, INKED = 320, 60, 2, 128
LEAST_CHANGE = 0.05

# Same-brand variants of a name: -icon / -wordmark suffixes, .js / .io / .com endings, and
# AWS / Amazon / Apache / Google / Microsoft prefixes.
HYPHEN_SUFFIXES = ("-icon", "-wordmark", "-plain", "-original", "-line", "-mono", "_icon")
SUFFIXES = ("icon", "wordmark", "dotjs", "js", "dotio", "io", "dotcom")
PREFIXES = ("aws", "amazon", "apache", "google", "microsoft")
# Judged by name only: devicon's "intellij" is IntelliJ IDEA (set 12); discord.js is a
# community library with a logo of its own, not Discord's (set 1).
ALIASES = {"intellij": {"intellijidea"}}
DISTINCT = {"discorddotjs", "discordjs", "discordjswordmark"}

HEADER = """\
# A held-out set for ../shared/data/brands-dev/generate.py, made the same way as the earlier
# ones: {count} more brands whose drawing changed between two releases of the same logo packages,
# none of them among brands-dev's brands or distractors or the held-out sets {excluded}.
# Picked blind and committed before anything is measured on it.
# Rule: each package's icons in sha256("{seed}|package|icon") order, the first 7 simple-icons, 3 logos, 1 devicon, 1 super-tiny-icons whose brand is unused, named alike in the earliest cached release holding it and the newest, whose drawings differ on >= 5% of inked pixels (2 px, 60-level tolerance; framed and ink-box aligned; simple-icons in black); the places of a package with no such brand left go to the next simple-icons.
# Picked by benchmarks/pick_holdout.py --seed {seed} --exclude {excluded}.
# difficulty is that share, not judged: 50% or more easy, 20-50% medium, under 20% hard.
# Held out: measure with it once, never tune on it.
#   python generate.py OUT --manifest <this file>
#   python benchmarks/quality.py --only brands --brands-dir OUT
"""


def normalised(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def keys(name: str) -> set[str]:
    """The name's normalised forms, each same-brand variant of it included."""
    forms, grown = {str(name).lower().strip()}, True
    while grown:
        grown = False
        for form in list(forms):
            for suffix in HYPHEN_SUFFIXES:
                if form.endswith(suffix) and form[: -len(suffix)] not in forms:
                    forms.add(form[: -len(suffix)])
                    grown = True
    out, grown = {normalised(form) for form in forms}, True
    while grown:
        grown = False
        for key in list(out):
            for suffix in SUFFIXES:
                if key.endswith(suffix) and len(key) - len(suffix) >= 3 and key[: -len(suffix)] not in out:
                    out.add(key[: -len(suffix)])
                    grown = True
            for prefix in PREFIXES:
                if key.startswith(prefix) and len(key) - len(prefix) >= 3 and key[len(prefix):] not in out:
                    out.add(key[len(prefix):])
                    grown = True
    out.discard("")
    if normalised(name) in DISTINCT:
        out = {normalised(name)}
    for key in list(out):
        out |= ALIASES.get(key, set())
    return out


def sets(text: str) -> list[int]:
    """"1-3,5" -> [1, 2, 3, 5]."""
    out: list[int] = []
    for part in filter(None, text.split(",")):
        first, _, last = part.partition("-")
        out += range(int(first), int(last or first) + 1)
    return out


def manifest_path(n: int) -> Path:
    return HERE / ("holdout-manifest.yaml" if n == 1 else f"holdout-manifest-{n}.yaml")


def difficulty(share: float) -> str:
    return "easy" if share >= 0.5 else "medium" if share >= 0.2 else "hard"


class Picker:
    def __init__(self, cache: Path) -> None:
        sys.path.insert(0, str(BRANDS_DEV))
        import generate
        import logo_sources

        self.sources, self.generate, self.cache = logo_sources, generate, str(cache)
        self._packages: dict = {}
        self._icons: dict = {}
        self._logos: dict = {}
        self._titles: dict = {}

    def package(self, name: str, version: str):
        if (name, version) not in self._packages:
            self._packages[name, version] = self.sources.Package(name, version, self.cache)
        return self._packages[name, version]

    def icons(self, name: str, version: str) -> set[str]:
        if (name, version) not in self._icons:
            self._icons[name, version] = set(self.sources.list_icons(self.package(name, version)))
        return self._icons[name, version]

    def logo(self, name: str, version: str, icon: str):
        if (name, version, icon) not in self._logos:
            self._logos[name, version, icon] = self.generate.Logo(name, version, icon, self.cache)
        return self._logos[name, version, icon]

    def title(self, icon: str) -> str | None:
        """simple-icons' title of the icon in its newest release."""
        if icon not in self._titles:
            meta = self.sources.simple_icons_meta(self.package("simple-icons", VERSIONS["simple-icons"][-1]), icon)
            self._titles[icon] = meta["title"] if meta else None
        return self._titles[icon]

    def used(self, excluded: list[int]) -> dict[str, str]:
        """Every key of a name in brands-dev's manifest or an excluded set, with that name."""
        import yaml

        names: list[str] = []
        for path in [BRANDS_DEV / "manifest.yaml"] + [manifest_path(n) for n in excluded]:
            manifest = yaml.safe_load(path.read_text())
            for brand in manifest.get("brands", []):
                names += [brand["id"], brand["title"], brand["old"]["icon"], brand["new"]["icon"]]
            names += [d["icon"] for d in manifest.get("distractors", [])]
        used: dict[str, str] = {}
        for name in names:
            for key in keys(name):
                used.setdefault(key, name)
        return used

    def framed(self, logo):
        """The drawing's ink box fitted into a FRAME-px square, as seen on white, and its ink."""
        import numpy as np
        from PIL import Image

        drawn = logo.render_box(FRAME, FRAME, (0, 0, 0)) if logo.mono else logo.render_box(FRAME, FRAME)
        canvas = Image.new("RGBA", (FRAME, FRAME), (0, 0, 0, 0))
        canvas.paste(drawn, ((FRAME - drawn.width) // 2, (FRAME - drawn.height) // 2))
        rgba = np.asarray(canvas).astype(float)
        alpha = rgba[..., 3:4] / 255.0
        return rgba[..., :3] * alpha + 255 * (1 - alpha), rgba[..., 3] > INKED

    def share(self, old, new) -> float:
        """The share of inked pixels (of either drawing) with no like pixel of the other within SLACK px."""
        import numpy as np

        def unmatched(rgb, ink, other, other_ink):
            height, width = ink.shape
            padded = np.pad(other, ((SLACK, SLACK), (SLACK, SLACK), (0, 0)))
            padded_ink = np.pad(other_ink, SLACK)
            matched = np.zeros(ink.shape, bool)
            for dy in range(-SLACK, SLACK + 1):
                for dx in range(-SLACK, SLACK + 1):
                    if dx * dx + dy * dy > SLACK * SLACK:
                        continue
                    window = (slice(SLACK + dy, SLACK + dy + height), slice(SLACK + dx, SLACK + dx + width))
                    matched |= padded_ink[window] & (np.abs(padded[window] - rgb).max(-1) <= TOLERANCE)
            return ink & ~matched

        (rgb_old, ink_old), (rgb_new, ink_new) = self.framed(old), self.framed(new)
        changed = unmatched(rgb_old, ink_old, rgb_new, ink_new) | unmatched(rgb_new, ink_new, rgb_old, ink_old)
        return float(changed.sum() / max(1, (ink_old | ink_new).sum()))

    def pick(self, seed: int, excluded: list[int], log=print) -> list[dict]:
        used, taken, picks = self.used(excluded), {}, []
        ranks = {}
        for package, wanted in QUOTA:
            ranks[package] = self._take(package, wanted, 0, seed, used, taken, picks, log)
        missing = PLACES - len(picks)
        if missing:  # a package with no unused brand left: simple-icons, the largest, fills its places
            log(f"  {missing} more from simple-icons, for {shortfall(picks)}")
            self._take("simple-icons", missing, ranks["simple-icons"], seed, used, taken, picks, log)
        return picks

    def _take(self, package: str, wanted: int, start: int, seed: int, used: dict, taken: dict, picks: list,
              log) -> int:
        """Append to `picks` the next `wanted` brands of `package` by the rule, from its
        `start`-th icon in the seed's order; the rank to go on from."""
        newest = VERSIONS[package][-1]
        ranked = sorted(self.icons(package, newest),
                        key=lambda icon: hashlib.sha256(f"{seed}|{package}|{icon}".encode()).hexdigest())
        got, rank = 0, start
        while got < wanted and rank < len(ranked):
            icon, rank = ranked[rank], rank + 1
            title = self.title(icon) if package == "simple-icons" else None
            names = [icon] + ([title] if title else [])
            found = set().union(*(keys(name) for name in names))
            why = next((f"brand used ({k} ~ {used[k]!r})" for k in sorted(found) if k in used), None)
            why = why or next((f"brand already picked ({taken[k]})" for k in sorted(found) if k in taken), None)
            versions = [v for v in VERSIONS[package] if icon in self.icons(package, v)]
            if not why and versions[0] == newest:
                why = "only in the newest release"
            if why:
                log(f"  {package} #{rank - 1} {icon}: {why}")
                continue
            old, new = self.logo(package, versions[0], icon), self.logo(package, newest, icon)
            share = 0.0 if old.sha256 == new.sha256 else self.share(old, new)
            if share < LEAST_CHANGE:
                log(f"  {package} #{rank - 1} {icon}: {versions[0]} -> {newest} differ on {share:.2%} (< 5%)")
                continue
            log(f"* {package} #{rank - 1} {icon}: {versions[0]} -> {newest} differ on {share:.2%}")
            taken.update(dict.fromkeys(found, icon))
            picks.append({"package": package, "icon": icon, "old": versions[0], "new": newest, "share": share})
            got += 1
        return rank

    def pieces(self, logo) -> int:
        import numpy as np
        from scipy import ndimage

        width, height = self.sources.svg_size(logo.svg)
        scale = 512 / max(width, height)
        drawn = self.sources.render_to(logo.svg, max(1, round(width * scale)), max(1, round(height * scale)))
        return int(ndimage.label(np.asarray(drawn.getchannel("A")) > 128, structure=np.ones((3, 3)))[1])

    def describe(self, logo, version: str) -> str:
        if logo.mono:
            what = f"glyph #{logo.hex}"
        else:
            what = f"{'badge' if logo.badge else 'drawing'} main colour {self.generate.rgb_hex(logo.brand_rgb)}"
        n = self.pieces(logo)
        return f"{version} {what}, ink {logo.aspect:.2f}:1 (w:h), {n} part{'s' if n != 1 else ''}"

    def entry(self, pick: dict, titles: dict[str, str]) -> dict:
        package, icon = pick["package"], pick["icon"]
        old, new = self.logo(package, pick["old"], icon), self.logo(package, pick["new"], icon)
        brand = re.sub(r"-(icon|wordmark)$", "", icon)
        title = titles.get(icon) or (self.title(icon) if package == "simple-icons" else None) or brand.capitalize()
        how = "shape alone, both drawn in black" if package == "simple-icons" else "shape and colour"
        why = ("Held out: never tuned on. Picked blind from metadata and SVG measurements, not looked at: "
               f"old {self.describe(old, pick['old'])}; new {self.describe(new, pick['new'])}. "
               f"{round(pick['share'] * 100)}% of the inked pixels change ({how}).")
        return {"id": brand, "title": title, "package": package, "licence": self.sources.PACKAGE_LICENCE[package],
                "style": "mono" if package == "simple-icons" else "colour", "difficulty": difficulty(pick["share"]),
                "old": {"version": pick["old"], "icon": icon, "sha256": old.sha256},
                "new": {"version": pick["new"], "icon": icon, "sha256": new.sha256}, "why": why}


def filled(picks: list[dict]) -> str:
    """What became of the places of the packages short of their quota."""
    return "simple-icons filled their places" if len(picks) == PLACES else f"only {len(picks)} brands of {PLACES}"


def shortfall(picks: list[dict]) -> str:
    """The packages whose quota the picks fall short of, e.g. "super-tiny-icons (0 of 1)"
    (simple-icons then fills their places; sets 34 and 35 were picked before it did)."""
    got = {package: sum(p["package"] == package for p in picks) for package, _ in QUOTA}
    return ", ".join(f"{package} ({got[package]} of {wanted})" for package, wanted in QUOTA if got[package] < wanted)


def manifest(picker: Picker, seed: int, excluded: str, picks: list[dict], titles: dict[str, str]) -> str:
    """The manifest text: the packages and distractors of the newest excluded set, these brands."""
    import yaml

    last = yaml.safe_load(manifest_path(max(sets(excluded))).read_text())
    body = {"schema": last["schema"], "seed": seed, "per_class": last["per_class"], "negatives": last["negatives"],
            "packages": last["packages"], "brands": [picker.entry(p, titles) for p in picks],
            "distractors": last["distractors"]}
    short = shortfall(picks)
    note = f"# No unused brand was left in {short}: {filled(picks)}.\n" if short else ""
    return HEADER.format(seed=seed, excluded=excluded, count=len(picks)) + note + yaml.safe_dump(body, sort_keys=False, allow_unicode=True,
                                                                        width=1000)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--exclude", required=True, help="earlier held-out sets, e.g. 1-24")
    parser.add_argument("--cache", type=Path, required=True, help="generate.py's package cache")
    parser.add_argument("--output", type=Path, help="write the manifest here")
    parser.add_argument("--title", action="append", default=[], metavar="ICON=TITLE")
    args = parser.parse_args(argv)
    titles = dict(item.split("=", 1) for item in args.title)
    picker = Picker(args.cache)
    picks = picker.pick(args.seed, sets(args.exclude))
    for p in picks:
        print(f"{p['package']:24s} {p['icon']:24s} {p['old']:>8s} -> {p['new']:8s} {p['share']:7.2%} {difficulty(p['share'])}")
    if shortfall(picks):
        print(f"note: no unused brand left in {shortfall(picks)}: {filled(picks)}", file=sys.stderr)
    if args.output:
        args.output.write_text(manifest(picker, args.seed, args.exclude, picks, titles))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
