"""Detection quality, end to end through the CLI, on the shared real data sets.

    python benchmarks/quality.py [--data ../shared/data] [--brands-dir DIR [DIR ...]] [--only folder cv fewshot brands speed]

Protocols (issue "Detection quality"):
- seed-google, folder training: train on train/, evaluate test/; 5-fold CV on train/.
- seed-google, few-shot: references train/old/old1.jpg and train/new/new1.jpg only,
  evaluate the other 102 images.
- brands-dev: per brand, train from refs/<brand>/old.svg and new.svg only, then score that
  brand's old and new variants and all negatives. Old recall at 1% false positives (new
  variants + negatives) for logos >= 32 px, smaller ones separately, and recall on logos
  placed small (logo_frac <= 0.2) in banners and screenshots.
- speed: milliseconds per 1-megapixel image, cold cache, everything switched on; with
  --brands-dir, also on its first draw's real pictures without the logo, scaled to 1 MP.

brands-dev must be generated first (see its README); pass its output with --brands-dir.
Several outputs (draws made with generate.py --seed) are each scored, then summarised:
one draw's 30 variants per class leave a few images per point of recall.
Prints one table; --json FILE also saves every number.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from measure import speed_pictures

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "logolint"]


def run(*argv: str) -> str:
    result = subprocess.run([*CLI, *argv], capture_output=True, text=True, cwd=ROOT)
    if result.returncode not in (0, 1):
        raise SystemExit(f"logolint {' '.join(argv)} failed:\n{result.stderr}")
    return result.stdout


def link_tree(folder: Path, groups: dict[str, list[Path]]) -> Path:
    """FOLDER/<label>/<n>-<name> symlinks, the layout `logolint eval` reads."""
    for label, files in groups.items():
        (folder / label).mkdir(parents=True, exist_ok=True)
        for i, path in enumerate(files):
            (folder / label / f"{i:04d}-{path.name}").symlink_to(path.resolve())
    return folder


def train_and_eval(old: list[Path], new: list[Path], test: dict[str, list[Path]], work: Path,
                   seed: int = 0) -> tuple[dict, float]:
    model, seconds = train(old, new, work / "model", seed)
    return evaluate(model, test, work / "data"), seconds


def train(old: list[Path], new: list[Path], model_dir: Path, seed: int = 0) -> tuple[Path, float]:
    """The trained model's file and the seconds training took."""
    start = time.perf_counter()
    run("train", "--old", *map(str, old), "--new", *map(str, new), "--output", str(model_dir),
        "--seed", str(seed))
    return model_dir / "model.tflite", time.perf_counter() - start


def evaluate(model: Path, test: dict[str, list[Path]], folder: Path) -> dict:
    data = link_tree(folder, test)
    result = json.loads(run("eval", str(data), "--model", str(model), "--format", "json"))
    for item in result["items"]:  # name the real files, not the links that go with `folder`
        item["path"] = str(Path(item["path"]).resolve())
    return result


def images(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file())


def seed_google(data: Path, table: list, numbers: dict, parts: tuple[str, ...]) -> None:
    seed = data / "seed-google"
    if "folder" in parts:
        seed_folder(seed, table, numbers)
    if "cv" in parts:
        seed_cv(seed, table, numbers)
    if "fewshot" in parts:
        seed_fewshot(seed, table, numbers)


def seed_folder(seed: Path, table: list, numbers: dict) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        result, seconds = train_and_eval([seed / "train/old"], [seed / "train/new"],
                                         {"old": images(seed / "test/old"), "new": images(seed / "test/new")},
                                         Path(tmp))
    table.append(("seed-google folder training: test/ right", f"{correct(result)}/6", "6/6"))
    table.append(("seed-google folder training: train time", f"{seconds:.1f} s", "<= 60 s"))
    numbers["seed_folder_test"] = result


def correct(result: dict) -> int:
    """Images `eval` got right; one it could not check counts as wrong here (eval's own
    rates leave it out)."""
    rows = result["confusion"]
    return rows["old"]["flagged"] + rows["new"]["passed"] + rows["none"]["passed"]


def seed_cv(seed: Path, table: list, numbers: dict) -> None:
    olds, news = images(seed / "train/old"), images(seed / "train/new")
    rng = random.Random(0)
    rng.shuffle(olds)
    rng.shuffle(news)
    right = total = 0
    misses = []
    for fold in range(5):
        test_old, test_new = olds[fold::5], news[fold::5]
        with tempfile.TemporaryDirectory() as tmp:
            result, _ = train_and_eval([p for p in olds if p not in test_old], [p for p in news if p not in test_new],
                                       {"old": test_old, "new": test_new}, Path(tmp))
        right += correct(result)
        total += len(result["items"])
        misses += [{**item, "fold": fold, "threshold": result["threshold"]} for item in result["items"]
                   if item["score"] is None or (item["score"] >= result["threshold"]) != (item["truth"] == "old")]
    table.append(("seed-google 5-fold CV accuracy", f"{right / total:.1%}", ">= 97%"))
    numbers["seed_cv_accuracy"] = right / total
    numbers["seed_cv_missed"] = misses


def seed_fewshot(seed: Path, table: list, numbers: dict) -> None:
    ref_old, ref_new = seed / "train/old/old1.jpg", seed / "train/new/new1.jpg"
    rest = {"old": [p for p in images(seed / "train/old") + images(seed / "test/old") if p != ref_old],
            "new": [p for p in images(seed / "train/new") + images(seed / "test/new") if p != ref_new]}
    with tempfile.TemporaryDirectory() as tmp:
        result, seconds = train_and_eval([ref_old], [ref_new], rest, Path(tmp))
    accuracy = correct(result) / len(result["items"])
    table.append((f"seed-google few-shot accuracy ({len(result['items'])} images)", f"{accuracy:.1%}", ">= 92%"))
    table.append(("seed-google few-shot train time", f"{seconds:.1f} s", "<= 60 s"))
    numbers["seed_fewshot"] = result


def _recall_at_fpr(old: list[float], others: list[float]) -> tuple[float, float]:
    from logolint.evaluate import threshold_for_fpr

    threshold = threshold_for_fpr(others)
    return sum(s >= threshold for s in old) / max(1, len(old)), threshold


def brands(draws: list[Path], table: list, numbers: dict, models: Path | None = None) -> None:
    """Each draw (an output folder of brands-dev/generate.py; other draws of the same brands
    come from its --seed) scored on its own. A brand is trained once per pair of reference
    files, which draws of the same manifest share; with `models`, into models/BRAND, where a
    model already there is used as it is (to measure a change of detection alone)."""
    trained: dict[tuple[bytes, bytes], tuple[Path, float]] = {}
    with tempfile.TemporaryDirectory() as work:
        for n, draw in enumerate(draws):
            name = "brands-dev" if len(draws) == 1 else f"brands-dev {draw.name}"
            per_brand = brands_draw(draw, name, trained, Path(work) / str(n), table, models)
            numbers.setdefault("brands", per_brand)  # the first draw, as before draws
            numbers.setdefault("draws", {})[str(draw)] = per_brand
    if len(draws) > 1:
        for key, title, target in (("recall_at_1pct", "mean recall@1%FPR (>=32 px)", ">= 98%"),
                                   ("placed_recall", "recall, small in banners/screenshots", ">= 95%")):
            means = [sum(b[key] for b in per_brand.values()) / len(per_brand) for per_brand in numbers["draws"].values()]
            table.append((f"brands-dev, {len(draws)} draws: {title}", f"{sum(means) / len(means):.1%}",
                          f"{target} (lowest draw {min(means):.1%})"))


def brands_draw(brands_dir: Path, name: str, trained: dict, work: Path, table: list,
                models: Path | None = None) -> dict:
    rows = list(csv.DictReader(open(brands_dir / "labels.csv")))
    meta = {str((brands_dir / r["path"]).resolve()): r for r in rows}
    negatives = images(brands_dir / "test/negatives")
    per_brand = {}
    all_recall, all_recall_both_big, all_small_recall, small_placed, train_times = [], [], [], [], []
    for brand in sorted(p.name for p in (brands_dir / "test").iterdir() if p.name != "negatives"):
        refs = [brands_dir / "refs" / brand / "old.svg", brands_dir / "refs" / brand / "new.svg"]
        key = (refs[0].read_bytes(), refs[1].read_bytes())
        kept = None if models is None else models / brand
        if key not in trained and kept is not None and (kept / "model.tflite").is_file():
            trained[key] = kept / "model.tflite", math.nan  # trained before: no time to report
        if key not in trained:
            trained[key] = train(refs[:1], refs[1:], kept or work / brand / "model")
        model, seconds = trained[key]
        test = {"old": images(brands_dir / "test" / brand / "old"), "new": images(brands_dir / "test" / brand / "new"),
                "none": negatives}
        result = evaluate(model, test, work / brand / "data")
        train_times.append(seconds)
        items = [dict(item, meta=meta.get(str(Path(item["path"]).resolve()), {})) for item in result["items"]]
        score = lambda i: i["score"] if i["score"] is not None else 0.0  # noqa: E731
        big = lambda i: float(i["meta"].get("logo_px") or 0) >= 32  # noqa: E731
        others = [score(i) for i in items if i["truth"] != "old"]
        old_big = [score(i) for i in items if i["truth"] == "old" and big(i)]
        old_small = [score(i) for i in items if i["truth"] == "old" and not big(i)]
        recall, threshold = _recall_at_fpr(old_big, others)
        # The "variants >= 32 px" read for the new-logo variants too: the tiny new
        # favicons are then reported with the small ones instead of setting the threshold.
        others_big = [score(i) for i in items if i["truth"] == "none" or (i["truth"] == "new" and big(i))]
        recall_both_big, _ = _recall_at_fpr(old_big, others_big)
        small_recall = sum(s >= threshold for s in old_small) / max(1, len(old_small))
        placed = [score(i) >= threshold for i in items if i["truth"] == "old" and big(i)
                  and i["meta"].get("kind") in ("banner", "screenshot") and float(i["meta"]["logo_frac"]) <= 0.2]
        missed = sorted(((score(i), i["meta"].get("path"), i["meta"].get("kind"), i["meta"].get("mods"))
                         for i in items if i["truth"] == "old" and big(i) and score(i) < threshold))[:5]
        per_brand[brand] = {"recall_at_1pct": recall, "threshold": threshold, "small_recall": small_recall,
                            "placed_recall": sum(placed) / max(1, len(placed)),
                            "train_seconds": None if math.isnan(seconds) else seconds,
                            "model_threshold_recall": result["recall"], "model_threshold_fpr": result["false_positive_rate"],
                            "missed": missed, "recall_at_1pct_new_also_big": recall_both_big,
                            "scores": [(i["meta"].get("path"), i["truth"], score(i)) for i in items]}
        all_recall.append(recall)
        all_recall_both_big.append(recall_both_big)
        all_small_recall.append(small_recall)
        small_placed += placed
        table.append((f"{name} {brand}: recall@1%FPR (>=32 px)", f"{recall:.1%}",
                      f"small {small_recall:.0%}, placed {per_brand[brand]['placed_recall']:.0%}, "
                      f"at model threshold {result['recall']:.0%}/{result['false_positive_rate']:.1%} FP"))
    table.append((f"{name} mean recall@1%FPR (>=32 px)", f"{sum(all_recall) / len(all_recall):.1%}", ">= 98%"))
    table.append(("  the same, new-logo variants < 32 px not counted", f"{sum(all_recall_both_big) / len(all_recall_both_big):.1%}",
                  "reported"))
    table.append((f"{name} mean recall, logos < 32 px", f"{sum(all_small_recall) / len(all_small_recall):.1%}", "reported"))
    table.append((f"{name} recall, small in banners/screenshots", f"{sum(small_placed) / max(1, len(small_placed)):.1%}", ">= 95%"))
    timed = [seconds for seconds in train_times if not math.isnan(seconds)]
    table.append((f"{name} train time, max", f"{max(timed):.1f} s" if timed else "kept", "<= 60 s"))
    return per_brand


def speed(table: list, numbers: dict, count: int = 40) -> None:
    """ms per 1-megapixel image: (time for N images - time for 1) / (N - 1), cold cache."""
    with tempfile.TemporaryDirectory() as tmp:
        per_image, one = _ms_per_image([str(p) for p in speed_pictures(Path(tmp), count)])
    table.append(("speed: ms per 1-megapixel image (2 cores)", f"{per_image:.0f} ms", "<= 60 ms"))
    table.append(("speed: cold process, one image", f"{one * 1000:.0f} ms", "reported"))
    numbers["ms_per_megapixel"] = per_image


def speed_real(draw: Path, table: list, numbers: dict) -> None:
    """The same on real pictures: brands-dev's pages without any of its logos (photos, UI,
    text, other logos), each scaled to about 1 megapixel. Unlike the smooth pictures
    above, many have enough keypoints to pay for the finer keypoint passes (see verify)."""
    from PIL import Image

    with tempfile.TemporaryDirectory() as tmp:
        for path in images(draw / "test/negatives"):
            image = Image.open(path).convert("RGB")
            scale = (1_000_000 / (image.size[0] * image.size[1])) ** 0.5
            image = image.resize((round(image.size[0] * scale), round(image.size[1] * scale)), Image.BICUBIC)
            image.save(Path(tmp) / f"{path.stem}.jpg", quality=90)
        per_image, _ = _ms_per_image(sorted(str(p) for p in Path(tmp).iterdir()))
    table.append((f"speed: ms per 1-MP real picture ({draw.name} negatives)", f"{per_image:.0f} ms", "reported"))
    numbers["ms_per_real_megapixel"] = per_image


def _ms_per_image(files: list[str]) -> tuple[float, float]:
    """ms per image over `files` with the bundled model, less a cold process's start; and
    the seconds one image takes in a cold process (the best of three)."""
    def timed(paths: list[str]) -> float:
        start = time.perf_counter()
        subprocess.run([*CLI, "--no-cache", "--format", "json", *paths], capture_output=True, cwd=ROOT)
        return time.perf_counter() - start

    one = min(timed(files[:1]) for _ in range(3))
    many = timed(files)
    return (many - one) / (len(files) - 1) * 1000, one


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--brands-dir", nargs="+", default=[],
                        help="output folders of brands-dev/generate.py (more draws: its --seed)")
    parser.add_argument("--only", nargs="+", choices=("folder", "cv", "fewshot", "brands", "speed"),
                        help="run only these protocols (default: all)")
    parser.add_argument("--json", help="also write every number to this file")
    parser.add_argument("--models", help="brands-dev: train each brand into MODELS/BRAND, or use the model already there")
    args = parser.parse_args()
    table: list[tuple[str, str, str]] = []
    numbers: dict = {}
    data = Path(args.data)
    only = tuple(args.only or ("folder", "cv", "fewshot", "brands", "speed"))
    if {"folder", "cv", "fewshot"} & set(only):
        if (data / "seed-google").is_dir():
            seed_google(data, table, numbers, only)
        else:
            print(f"skipping seed-google: {data / 'seed-google'} not found", file=sys.stderr)
    if "brands" in only:
        draws = [Path(folder) for folder in args.brands_dir if Path(folder, "labels.csv").is_file()]
        if draws:
            brands(draws, table, numbers, Path(args.models) if args.models else None)
        else:
            print("skipping brands-dev: pass --brands-dir (generate it first, see its README)", file=sys.stderr)
    if "speed" in only:
        speed(table, numbers)
        real = [Path(folder) for folder in args.brands_dir if Path(folder, "test/negatives").is_dir()]
        if real:
            speed_real(real[0], table, numbers)
    if not table:
        raise SystemExit("nothing was measured (see the lines above)")
    width = max(len(row[0]) for row in table)
    print(f"{'measure':<{width}}  {'value':>10}  target")
    for name, value, target in table:
        print(f"{name:<{width}}  {value:>10}  {target}")
    if args.json:
        Path(args.json).write_text(json.dumps(numbers, indent=2, default=str))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
