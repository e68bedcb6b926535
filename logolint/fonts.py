"""Fonts for the text in SVG files.

resvg's generic font families are named fonts (Times New Roman, Arial, Courier New), and a
font-family it cannot find falls back to them. Where they are not installed (most Linux
machines, every CI image), text in `sans-serif`, in a font the machine lacks, or in no
font-family at all was drawn as nothing, and an old wordmark set in <text> passed as "ok".
So the generic families are named after fonts found on the machine; a font named in the
file and installed still wins.
"""

from __future__ import annotations

import functools
import os
import sys

# (file name, family) in the order preferred, per resvg option: fonts that ship with the
# common systems or their usual packages.
_SANS = (("DejaVuSans.ttf", "DejaVu Sans"), ("LiberationSans-Regular.ttf", "Liberation Sans"),
         ("Arial.ttf", "Arial"), ("arial.ttf", "Arial"), ("Helvetica.ttc", "Helvetica"),
         ("NotoSans-Regular.ttf", "Noto Sans"), ("FreeSans.ttf", "FreeSans"), ("FreeSans.otf", "FreeSans"),
         ("Verdana.ttf", "Verdana"), ("verdana.ttf", "Verdana"))
_SERIF = (("DejaVuSerif.ttf", "DejaVu Serif"), ("LiberationSerif-Regular.ttf", "Liberation Serif"),
          ("Times New Roman.ttf", "Times New Roman"), ("times.ttf", "Times New Roman"), ("Times.ttc", "Times"),
          ("NotoSerif-Regular.ttf", "Noto Serif"), ("FreeSerif.ttf", "FreeSerif"), ("FreeSerif.otf", "FreeSerif"),
          ("Georgia.ttf", "Georgia"), ("georgia.ttf", "Georgia"))
_MONO = (("DejaVuSansMono.ttf", "DejaVu Sans Mono"), ("LiberationMono-Regular.ttf", "Liberation Mono"),
         ("Courier New.ttf", "Courier New"), ("cour.ttf", "Courier New"), ("Menlo.ttc", "Menlo"),
         ("NotoSansMono-Regular.ttf", "Noto Sans Mono"), ("FreeMono.ttf", "FreeMono"), ("FreeMono.otf", "FreeMono"))
MAX_FILES = 50_000  # a font folder is walked this far at most
MAX_FONT_BYTES = 64 << 20  # a larger file is no font to give resvg (a font collection is a few MB)


def font_dirs() -> list[str]:
    """Where this system keeps fonts (the folders resvg's own font database reads)."""
    home = os.path.expanduser("~")
    if sys.platform == "win32":
        return [os.path.join(os.environ.get("WINDIR", r"C:\Windows"), "Fonts"),
                os.path.join(os.environ.get("LOCALAPPDATA", home), "Microsoft", "Windows", "Fonts")]
    if sys.platform == "darwin":
        return ["/System/Library/Fonts", "/Library/Fonts", os.path.join(home, "Library", "Fonts")]
    data = os.environ.get("XDG_DATA_HOME") or os.path.join(home, ".local", "share")
    return ["/usr/share/fonts", "/usr/local/share/fonts", os.path.join(data, "fonts"), os.path.join(home, ".fonts")]


def _usable(path: str) -> bool:
    """A regular file of a font's size: resvg reads the files it is given, and a FIFO under
    a font's name hung every render."""
    try:
        return os.path.isfile(path) and 0 < os.path.getsize(path) <= MAX_FONT_BYTES
    except OSError:
        return False


def _bold(name: str) -> str:
    """The usual file name of a font's bold beside it: DejaVuSans-Bold.ttf, LiberationSans-Bold.ttf."""
    stem, dot, suffix = name.rpartition(".")
    return f"{stem.removesuffix('-Regular')}-Bold{dot}{suffix}"


@functools.lru_cache(maxsize=2)
def _found(folders: tuple[str, ...] | None = None) -> dict[str, str]:
    """File name -> path of the fonts of _SANS, _SERIF and _MONO, and their bolds, found in
    `folders` (default font_dirs())."""
    regular = {name for choices in (_SANS, _SERIF, _MONO) for name, _ in choices}
    wanted = regular | {_bold(name) for name in regular}
    paths: dict[str, str] = {}
    seen = 0
    for folder in folders if folders is not None else font_dirs():
        for top, _, files in os.walk(folder):
            paths.update((name, os.path.join(top, name)) for name in files
                         if name in wanted and name not in paths and _usable(os.path.join(top, name)))
            seen += len(files)
            if seen > MAX_FILES:
                break
        if seen > MAX_FILES:
            break
    return paths


def text_fonts(folders: tuple[str, ...] | None = None, most: int = 8) -> tuple[str, ...]:
    """Files of common fonts found, for pages of text (logolint.plain_text): each sans,
    serif and monospace font of _SANS, _SERIF and _MONO in turn, then their bolds; `most` at most."""
    paths = _found(folders)
    order = [name for group in zip(_SANS, _SERIF, _MONO) for name, _ in group]
    order += [name for choices in (_SANS, _SERIF, _MONO) for name, _ in choices[len(_MONO):]]
    found = [paths[name] for name in order if name in paths]
    return tuple(found + [paths[_bold(name)] for name in order if name in paths and _bold(name) in paths])[:most]


@functools.lru_cache(maxsize=1)
def generic_families(folders: tuple[str, ...] | None = None) -> tuple[tuple[str, object], ...]:
    """resvg's options naming a font found in `folders` (default font_dirs()) for each
    generic family and the default one, and those fonts' files (`font_files`: resvg's own
    search may not look where they were found); () where no known font is there."""
    paths = _found(folders)
    found = {option: next(((family, paths[name]) for name, family in choices if name in paths), None)
             for option, choices in (("sans_serif_family", _SANS), ("serif_family", _SERIF),
                                     ("monospace_family", _MONO))}
    fallback = found["sans_serif_family"] or found["serif_family"] or found["monospace_family"]
    if fallback is None:
        return ()
    sans, serif = found["sans_serif_family"] or fallback, found["serif_family"] or fallback
    mono = found["monospace_family"] or fallback
    # The default (no font-family, or none installed) is serif, as in browsers and resvg.
    return (("font_family", serif[0]), ("sans_serif_family", sans[0]), ("serif_family", serif[0]),
            ("monospace_family", mono[0]), ("cursive_family", sans[0]), ("fantasy_family", sans[0]),
            ("font_files", tuple(sorted({sans[1], serif[1], mono[1]}))))
