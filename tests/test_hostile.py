"""A generated corpus of hostile files through the real CLI, in one run.

Over a thousand mutations of valid PNG, JPEG, GIF, WebP, TIFF, ICO and SVG files, plus
decompression and entity bombs and SVGs that reach for files and a loopback server. The
run is traced (strace, or an audit hook where strace is missing) to see every file opened
and when, so the test also measures the slowest file and proves nothing outside the
checked tree was read. It uses a tiny stand-in model to stay fast; a second, small run
shows the bundled model judging the examples as usual among bombs.
"""

from __future__ import annotations

import gzip
import http.server
import io
import json
import os
import random
import shutil
import struct
import subprocess
import sys
import threading
import zlib
from pathlib import Path

import pytest
from PIL import Image

from conftest import EXAMPLES, ROOT
from logolint.model import bundled_model_path
from tiny_model import tiny_model

PER_FILE_SECONDS = 20.0  # the SVG render watchdog is 10 s; everything else is far faster
PEAK_RSS_BYTES = 1 << 30
FLIPS_PER_SEED = 48


# --- valid seeds ----------------------------------------------------------------------

def _picture(size=(96, 64)) -> Image.Image:
    image = Image.new("RGB", size, (240, 240, 240))
    image.paste((200, 30, 30), (8, 8, size[0] // 2, size[1] - 8))
    image.paste((30, 30, 200), (size[0] // 2, 16, size[0] - 8, size[1] - 16))
    return image


def _encoded(image: Image.Image, kind: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, kind, **options)
    return buffer.getvalue()


SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="96" height="64" viewBox="0 0 96 64">'
       '<rect width="96" height="64" fill="#eee"/><circle cx="30" cy="32" r="20" fill="#c33"/>'
       '<path d="M50 12 L88 52 L50 52 Z" fill="#33c"/></svg>')


def seeds() -> dict[str, bytes]:
    """Valid files: name (with its true extension) -> bytes."""
    picture = _picture()
    frames = [_picture().rotate(angle) for angle in (0, 90, 180)]
    animated = io.BytesIO()
    frames[0].save(animated, "GIF", save_all=True, append_images=frames[1:], duration=50)
    return {
        "rgb.png": _encoded(picture, "PNG"),
        "rgba.png": _encoded(picture.convert("RGBA"), "PNG"),
        "palette.png": _encoded(picture.convert("P"), "PNG", optimize=True),
        "interlaced.png": _encoded(picture, "PNG", interlace=1),
        "baseline.jpg": _encoded(picture, "JPEG", quality=85),
        "progressive.jpg": _encoded(picture, "JPEG", quality=85, progressive=True),
        "still.gif": _encoded(picture, "GIF"),
        "animated.gif": animated.getvalue(),
        "lossy.webp": _encoded(picture, "WEBP", quality=80),
        "lossless.webp": _encoded(picture.convert("RGBA"), "WEBP", lossless=True),
        "raw.tif": _encoded(picture, "TIFF"),
        "lzw.tif": _encoded(picture, "TIFF", compression="tiff_lzw"),
        "icon.ico": _encoded(picture, "ICO", sizes=[(16, 16), (48, 48)]),
        "drawing.svg": SVG.encode(),
        "drawing.svgz": gzip.compress(SVG.encode(), mtime=0),
        "bitmap.bmp": _encoded(picture, "BMP"),
    }


# --- mutations ------------------------------------------------------------------------

def mutations(name: str, data: bytes, rng: random.Random) -> dict[str, bytes]:
    stem, suffix = name.rsplit(".", 1)
    out: dict[str, bytes] = {}
    size = len(data)
    for cut in sorted({1, 2, 4, 8, 16, 33, 64, size // 4, size // 2, 3 * size // 4, size - 16, size - 1}):
        if 0 < cut < size:
            out[f"{stem}-cut{cut}.{suffix}"] = data[:cut]
    for i in range(FLIPS_PER_SEED):
        mutated = bytearray(data)
        # Half the files are hit in the first bytes, where headers and sizes live.
        span = min(size, 96) if i % 2 else size
        for _ in range(rng.randint(1, 8)):
            mutated[rng.randrange(span)] = rng.randrange(256)
        out[f"{stem}-flip{i}.{suffix}"] = bytes(mutated)
    out[f"{stem}-doubled.{suffix}"] = data + data
    others = sorted({"png", "jpg", "gif", "webp", "tif", "ico", "svg"} - {suffix})
    for other in rng.sample(others, 2):
        out[f"{stem}-as.{other}"] = data  # wrong extension
    return out


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _png(width: int, height: int, colour: int = 2, rows: bytes | None = None) -> bytes:
    channels = {0: 1, 2: 3, 6: 4}[colour]
    if rows is None:
        rows = b"\0" * ((width * channels + 1) * height)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr)
            + _png_chunk(b"IDAT", zlib.compress(rows, 9)) + _png_chunk(b"IEND", b""))


def _jpeg_with_size(data: bytes, width: int, height: int) -> bytes:
    """The JPEG with its frame header (SOF0/SOF2) declaring another size."""
    at = 2
    while at < len(data):
        marker, length = data[at + 1], struct.unpack(">H", data[at + 2:at + 4])[0]
        if marker in (0xC0, 0xC2):
            return data[:at + 5] + struct.pack(">HH", height, width) + data[at + 9:]
        at += 2 + length
    raise AssertionError("no frame header")


def _scan_bomb() -> bytes:
    """A progressive JPEG whose last scan is repeated thousands of times: each repeat
    walks every block again, so a small file decodes for minutes without a limit."""
    data = _encoded(Image.new("RGB", (4000, 4000), (120, 30, 30)), "JPEG", quality=50, progressive=True)
    last_scan = data.rindex(b"\xff\xda")
    return data[:-2] + data[last_scan:-2] * 3000 + b"\xff\xd9"


def _tiff_bombs() -> dict[str, bytes]:
    small = _encoded(Image.new("L", (64, 64)), "TIFF", compression="tiff_deflate")
    big = _encoded(Image.new("L", (8000, 8000)), "TIFF", compression="tiff_deflate")  # 64 MB of pixels in ~100 KB
    # The same strip declared at 100000 x 100000: tags 256/257 (ImageWidth/Length) patched.
    huge = bytearray(small)
    (ifd,) = struct.unpack("<I", huge[4:8])
    (count,) = struct.unpack("<H", huge[ifd:ifd + 2])
    for i in range(count):
        entry = ifd + 2 + 12 * i
        tag, kind = struct.unpack("<HH", huge[entry:entry + 4])
        if tag in (256, 257):
            value = struct.pack("<H", 50000) + b"\0\0" if kind == 3 else struct.pack("<I", 100000)
            huge[entry + 8:entry + 12] = value
    # An IFD chain that points back at itself: a reader that follows it never ends.
    loop = bytearray(small)
    next_at = ifd + 2 + 12 * count
    loop[next_at:next_at + 4] = struct.pack("<I", ifd)
    return {"tiff-bomb-8000.tif": big, "tiff-bomb-huge.tif": bytes(huge), "tiff-ifd-loop.tif": bytes(loop)}


def _many_frames_gif(count: int = 3000) -> bytes:
    frames = []
    for i in range(count):
        frame = Image.new("P", (200, 200), 0)
        frame.putpixel((i % 200, i // 200), 1 + i % 200)
        frames.append(frame)
    return _encoded(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=10, optimize=False)


def _ico_with_huge_png() -> bytes:
    """An ICO directory entry that says 256 x 256 around a PNG that says 12000 x 12000."""
    inner = _png(12000, 12000, colour=0)
    header = struct.pack("<HHH", 0, 1, 1) + struct.pack("<BBBBHHII", 0, 0, 0, 0, 1, 32, len(inner), 22)
    return header + inner


def _billion_laughs() -> str:
    entities = '<!ENTITY a "lol">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
    return (f'<?xml version="1.0"?><!DOCTYPE svg [{entities}]>'
            '<svg xmlns="http://www.w3.org/2000/svg"><text>&j;</text></svg>')


def _use_bomb(levels: int = 9) -> str:
    """No entities: <use> of <use> of ..., 10^9 shapes once expanded."""
    groups = "".join(f'<g id="l{i}">' + f'<use href="#l{i - 1}"/>' * 10 + "</g>" for i in range(1, levels))
    return ('<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><defs>'
            f'<rect id="l0" width="1" height="1"/>{groups}</defs><use href="#l{levels - 1}"/></svg>')


def _filter_bomb() -> str:
    """A few bytes of feMorphology that take resvg minutes to render."""
    shapes = '<rect width="1000" height="1000" filter="url(#f)"/>' * 3
    return ('<svg xmlns="http://www.w3.org/2000/svg" width="1000" height="1000"><defs>'
            f'<filter id="f"><feMorphology radius="50"/></filter></defs>{shapes}</svg>')


def _reaching_svgs(url: str, outside: Path) -> dict[str, str]:
    """SVGs that try to read files or fetch from the loopback server, every way SVG allows."""
    head = ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
            'width="100" height="100">')
    # resvg itself would read a plain path (relative to the working folder, the tree's top)
    # but not a file: URL; every form is tried.
    targets = {"passwd": "/etc/passwd", "passwd-url": "file:///etc/passwd", "outside": "../outside.png",
               "outside-up": "../../outside.png", "outside-abs": str(outside), "outside-url": outside.as_uri(),
               "http": f"{url}/logo.png"}
    out = {}
    for name, target in targets.items():
        out[f"href-{name}.svg"] = f'{head}<image href="{target}" width="100" height="100"/></svg>'
        out[f"xlink-{name}.svg"] = f'{head}<image xlink:href="{target}" width="100" height="100"/></svg>'
        out[f"css-{name}.svg"] = (f'{head}<style>@import url("{target}"); rect {{ fill: url({target}); }}'
                                  f'</style><rect width="50" height="50" style="fill: url({target})"/>'
                                  f'<rect width="9" height="9" filter="url({target}#f)"/></svg>')
        out[f"use-{name}.svg"] = f'{head}<use href="{target}#x"/><feImage href="{target}"/></svg>'
    out["stylesheet-pi.svg"] = f'<?xml-stylesheet href="{url}/style.css"?>{head}<rect width="9" height="9"/></svg>'
    out["xinclude.svg"] = (f'{head}<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" '
                           f'href="file:///etc/passwd" parse="text"/></svg>')
    out["system-entity.svg"] = (f'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                                f'{head}<text>&x;</text></svg>')
    return out


def hostile_specials(url: str, outside: Path) -> dict[str, bytes]:
    jpeg = _encoded(_picture(), "JPEG")
    specials = {
        "png-huge-declared.png": _png(100_000, 100_000, rows=b"\0" * 64),
        "png-over-limit.png": _png(9000, 9000, colour=0),
        "png-at-limit-rgba.png": _png(7999, 7999, colour=6),
        "png-chunk-bomb.png": _png(8, 8)[:33] + _png_chunk(b"zzZz", b"") * 2_000_000 + _png(8, 8)[33:],
        "jpeg-huge-declared.jpg": _jpeg_with_size(jpeg, 65000, 65000),
        # JPEGs are decoded at reduced size (imaging.JPEG_REDUCTION): their limit is 64 times higher.
        "jpeg-over-limit.jpg": _jpeg_with_size(jpeg, 64000, 64001),
        "jpeg-scan-bomb.jpg": _scan_bomb(),
        "gif-3000-frames.gif": _many_frames_gif(),
        "ico-huge-png.ico": _ico_with_huge_png(),
        "lfs-pointer.png": b"version https://git-lfs.github.com/spec/v1\noid sha256:"
                           + b"0" * 64 + b"\nsize 12345\n",
        **_tiff_bombs(),
    }
    svgs = {
        "billion-laughs.svg": _billion_laughs(),
        "deep-nesting.svg": '<svg xmlns="http://www.w3.org/2000/svg">' + "<g>" * 50_000
                            + "</g>" * 50_000 + "</svg>",
        "deep-unclosed.svg": '<svg xmlns="http://www.w3.org/2000/svg">' + "<g>" * 200_000,
        "use-bomb.svg": _use_bomb(),
        "filter-bomb.svg": _filter_bomb(),
        **_reaching_svgs(url, outside),
        # Text that made a pattern backtrack for minutes: runs with no end to find.
        "long-width.svg": f'<svg xmlns="http://www.w3.org/2000/svg" width="{"1" * 24000}x" viewBox="0 0 9 9"/>',
        "spaced-width.svg": f'<svg xmlns="http://www.w3.org/2000/svg" width="1{" " * 60000}x" viewBox="0 0 9 9"/>',
        "open-doctypes.svg": "<!DOCTYPE " * 80_000,
        "open-urls.svg": '<svg xmlns="http://www.w3.org/2000/svg"><rect fill="' + "url(" * 250_000 + '"/></svg>',
        "spaced-data.svg": '<svg xmlns="http://www.w3.org/2000/svg"><style>a{b:url(' + " " * 100_000 + "}</style></svg>",
    }
    specials.update({name: text.encode() for name, text in svgs.items()})
    return specials


def build_tree(tree: Path, url: str, outside: Path) -> dict[str, str]:
    """Write the corpus under `tree`; return {relative path: kind} for every file."""
    rng = random.Random(5)
    kinds: dict[str, str] = {}

    def write(relative: str, data: bytes, kind: str) -> None:
        path = tree / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        kinds[relative] = kind

    for name, data in seeds().items():
        write(f"valid/{name}", data, "valid")
        for mutated, bytes_ in mutations(name, data, rng).items():
            write(f"mutated/{mutated}", bytes_, "mutated")
    for suffix in ("png", "jpg", "jpeg", "gif", "webp", "bmp", "tif", "tiff", "ico", "svg", "svgz"):
        write(f"empty/empty.{suffix}", b"", "empty")
    for name, data in hostile_specials(url, outside).items():
        write(f"{'svg' if name.endswith('.svg') else 'bombs'}/{name}", data, name)
    for example in ("old-logo.png", "new-logo.png", "other-photo.jpg"):
        write(f"examples/{example}", (EXAMPLES / example).read_bytes(), example)
    # A link out of the tree: not image content, so not followed when walking folders.
    (tree / "svg" / "link-out.png").symlink_to(outside)
    # A FIFO: opening it the plain way waits for a writer that never comes.
    os.mkfifo(tree / "bombs" / "fifo.png")
    kinds["bombs/fifo.png"] = "fifo.png"
    return kinds


# --- the run --------------------------------------------------------------------------

class _Recorder(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        self.server.seen.append(self.path)
        self.send_response(404)
        self.end_headers()

    do_POST = do_HEAD = do_GET

    def log_message(self, *args):
        pass


# Measures the command it runs: peak RSS of it and every process below it.
_MEASURE = """
import json, resource, subprocess, sys
done = subprocess.run(sys.argv[2:])
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
json.dump({"peak_rss": peak}, open(sys.argv[1], "w"))
sys.exit(done.returncode)
"""

# Records every file Python opens (when strace is missing), in this process and in
# every Python process it starts, with the time it was opened, and when each one exits.
_AUDIT = """
import atexit, os, sys, time
_log = os.open(os.environ["LOGOLINT_OPEN_LOG"], os.O_WRONLY | os.O_APPEND | os.O_CREAT)
def _write(path):
    os.write(_log, f"{os.getpid()} {time.time():.6f} {path}\\n".encode())
def _hook(event, args):
    if event == "open" and isinstance(args[0], (str, bytes)):
        path, mode, flags = args
        if not (flags & os.O_CREAT or set(mode or "") & set("wax+")):  # reads only
            _write(os.path.abspath(os.fsdecode(path)))
atexit.register(_write, "")
sys.addaudithook(_hook)
"""


def _strace_works() -> bool:
    if not shutil.which("strace"):
        return False
    probe = subprocess.run(["strace", "-f", "-qq", "-o", os.devnull, "true"], capture_output=True)
    return probe.returncode == 0


def _trace(log: Path, traced_with_strace: bool, cwd: Path) -> tuple[list[tuple[float, str]], float]:
    """(time, absolute path) of every open that did not fail, and the time of the last event."""
    opens, last = [], 0.0
    for line in log.read_text(errors="replace").splitlines():
        _, when, *rest = line.split(None, 2)  # strace pads short pids with spaces
        rest = rest[0] if rest else ""
        last = max(last, float(when))
        if traced_with_strace:
            # 123 1700000000.123456 openat(AT_FDCWD, "path", O_RDONLY) = 3; reads only
            if not rest.startswith("open") or " = -1 " in rest or '"' not in rest or "O_CREAT" in rest:
                continue
            rest = os.path.join(cwd, rest.split('"')[1])
        if rest:
            opens.append((float(when), os.path.normpath(rest)))
    return opens, last


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    tree, cache, outside = base / "tree", base / "cache", base / "outside.png"
    Image.new("RGB", (50, 50), (0, 255, 0)).save(outside)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.seen = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        kinds = build_tree(tree, f"http://127.0.0.1:{server.server_port}", outside)
        log, measured = base / "opens.log", base / "measured.json"
        command = [sys.executable, "-m", "logolint", "check", ".", "--format", "json",
                   "--cache-dir", str(cache), "--model", str(tiny_model(base))]
        env = {**os.environ}
        strace = _strace_works()
        if strace:
            command = ["strace", "-f", "-qq", "-ttt", "--seccomp-bpf", "-e", "trace=open,openat,openat2",
                       "-o", str(log), *command]
        else:
            hooks = base / "hooks"
            hooks.mkdir()
            (hooks / "sitecustomize.py").write_text(_AUDIT)
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(hooks), env.get("PYTHONPATH")]))
            env["LOGOLINT_OPEN_LOG"] = str(log)
        done = subprocess.run([sys.executable, "-c", _MEASURE, str(measured), *command],
                              cwd=tree, env=env, capture_output=True, text=True, timeout=600)
    finally:
        server.shutdown()
    return {
        "done": done, "kinds": kinds, "tree": tree.resolve(), "cache": cache.resolve(), "outside": outside,
        "model": base / "tiny.tflite", "requests": server.seen, "trace": _trace(log, strace, tree),
        "peak_rss": json.loads(measured.read_text())["peak_rss"],
    }


@pytest.fixture(scope="module")
def results(hostile_run) -> dict[str, dict]:
    done = hostile_run["done"]
    assert done.returncode == 1, done.stderr[-3000:]  # the corpus holds bombs: not checked fails the run
    return {Path(r["path"]).as_posix(): r for r in json.loads(done.stdout)["results"]}


def test_the_corpus_is_large_and_varied(hostile_run):
    kinds = hostile_run["kinds"]
    assert len(kinds) >= 1000
    suffixes = {name.rsplit(".", 1)[1] for name in kinds}
    assert {"png", "jpg", "gif", "webp", "tif", "ico", "svg"} <= suffixes


def test_no_crash_and_no_traceback(hostile_run, results):
    done = hostile_run["done"]
    assert done.stderr == "", done.stderr[-3000:]


def test_every_file_gets_a_score_or_an_error(hostile_run, results):
    assert set(results) == set(hostile_run["kinds"])
    for path, result in results.items():
        assert (result["score"] is None) == (result["error"] is not None), path
        assert result["error"] is None or result["error"].strip(), path
    assert not any(r["error"] and r["error"].startswith("internal error") for r in results.values()), [(p, r["error"]) for p, r in results.items() if r["error"] and r["error"].startswith("internal error")][:8]


def test_valid_files_still_get_scores(hostile_run, results):
    valid = [path for path, kind in hostile_run["kinds"].items() if kind == "valid"]
    assert len(valid) == len(seeds())
    for path in valid + [path for path in results if path.startswith("examples/")]:
        assert results[path]["error"] is None and 0 <= results[path]["score"] <= 1, results[path]


@pytest.mark.parametrize("name, reason", [
    ("bombs/png-huge-declared.png", "too large"),
    ("bombs/png-over-limit.png", "too large"),
    ("bombs/jpeg-huge-declared.jpg", "too large"),
    ("bombs/jpeg-over-limit.jpg", "too large"),
    ("bombs/jpeg-scan-bomb.jpg", "scans"),
    ("bombs/png-chunk-bomb.png", "chunks"),
    ("bombs/tiff-bomb-huge.tif", "too large"),
    ("bombs/ico-huge-png.ico", "too large"),
    ("bombs/lfs-pointer.png", "Git LFS pointer"),
    ("svg/billion-laughs.svg", "entities"),
    ("svg/system-entity.svg", "entities"),
    ("svg/deep-nesting.svg", "nested"),
    ("svg/deep-unclosed.svg", "nested"),
    ("svg/use-bomb.svg", "cannot render SVG"),
    ("svg/filter-bomb.svg", "longer than"),
    ("svg/open-doctypes.svg", "syntax error"),
    ("svg/open-urls.svg", "other files"),
    ("svg/spaced-data.svg", "other files"),
    ("empty/empty.png", "empty file"),
    ("bombs/fifo.png", "not a regular file"),
])
def test_bombs_are_refused_with_a_reason(results, name, reason):
    assert results[name]["error"] is not None and reason in results[name]["error"], results[name]


def test_large_but_allowed_files_are_checked(results):
    for name in ("bombs/png-at-limit-rgba.png", "bombs/tiff-bomb-8000.tif", "bombs/gif-3000-frames.gif",
                 "svg/long-width.svg", "svg/spaced-width.svg"):
        assert results[name]["error"] is None, results[name]


def test_no_request_reaches_the_server(hostile_run, results):
    assert hostile_run["requests"] == []


def _allowed_prefixes(hostile_run) -> tuple[str, ...]:
    """Where a run may read files: the checked tree, its cache, the model, the project and
    the Python installation, and the system's libraries, fonts and pseudo-files."""
    python = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    system = ("/usr/", "/lib/", "/lib64/", "/etc/ld.so.", "/etc/localtime", "/etc/fonts/",
              "/proc/", "/sys/", "/dev/")
    project = {str(ROOT)} | {p for p in sys.path if p and os.path.isdir(p)}
    mine = {str(hostile_run["tree"]), str(hostile_run["cache"])}
    return (tuple(sorted(os.path.join(p, "") for p in python | project | mine)) + system
            + (str(hostile_run["model"]),))


def test_nothing_outside_the_checked_tree_is_read(hostile_run, results):
    opens = [path for _, path in hostile_run["trace"][0]]
    assert any(path.startswith(str(hostile_run["tree"])) for path in opens), "the trace saw no file"
    assert "/etc/passwd" not in opens
    assert str(hostile_run["outside"]) not in opens
    allowed = _allowed_prefixes(hostile_run)
    files = {p for p in opens if not os.path.isdir(p)}  # a folder opened to list it, or for a temp file
    strays = sorted(p for p in files if not p.startswith(allowed) and not os.path.realpath(p).startswith(allowed))
    assert strays == []
    assert not any(path.startswith("svg/link-out") for path in results)


def test_every_file_finishes_within_the_bound(hostile_run, results):
    tree, (opens, last) = str(hostile_run["tree"]), hostile_run["trace"]
    starts = sorted((when, path) for when, path in opens
                    if path.startswith(tree) and path[len(tree) + 1:] in hostile_run["kinds"])
    assert len({path for _, path in starts}) == len(hostile_run["kinds"])
    ends = [when for when, _ in starts[1:]] + [last]
    durations = sorted(((end - start, path) for (start, path), end in zip(starts, ends)), reverse=True)
    print("slowest files:", [(round(seconds, 2), Path(path).name) for seconds, path in durations[:5]])
    assert durations[0][0] <= PER_FILE_SECONDS, durations[:5]


def test_peak_memory_stays_under_1_gb(hostile_run, results):
    assert 0 < hostile_run["peak_rss"] <= PEAK_RSS_BYTES


def test_bundled_model_run_with_hostile_files(tmp_path: Path):
    """The real model among bombs: the bombs are refused, the examples judged as usual,
    and the largest image allowed stays within the memory budget with the real model."""
    for name in ("old-logo.png", "new-logo.png", "other-photo.jpg"):
        shutil.copyfile(EXAMPLES / name, tmp_path / name)
    (tmp_path / "at-limit.png").write_bytes(_png(7999, 7999, colour=6))
    bombs = {"laughs.svg": _billion_laughs().encode(), "deep.svg": ("<svg>" + "<g>" * 9999).encode(),
             "huge.png": _png(100_000, 100_000, rows=b"\0" * 64),
             "truncated.jpg": (EXAMPLES / "other-photo.jpg").read_bytes()[:999]}
    for name, data in bombs.items():
        (tmp_path / name).write_bytes(data)
    measured = tmp_path.parent / f"{tmp_path.name}-measured.json"
    done = subprocess.run([sys.executable, "-c", _MEASURE, str(measured), sys.executable, "-m", "logolint",
                           "check", ".", "--format", "json", "--no-cache", "--model", str(bundled_model_path())],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1 and done.stderr == "", done.stderr
    assert json.loads(measured.read_text())["peak_rss"] <= PEAK_RSS_BYTES
    results = {r["path"]: r for r in json.loads(done.stdout)["results"]}
    assert results["at-limit.png"]["error"] is None
    assert results["old-logo.png"]["flagged"] is True
    assert results["new-logo.png"]["flagged"] is False and results["new-logo.png"]["error"] is None
    assert results["other-photo.jpg"]["flagged"] is False and results["other-photo.jpg"]["error"] is None
    assert all(results[name]["error"] for name in bombs)
