"""The error types logolint raises; the CLI turns each into one line of output."""


EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2  # the CLI's and the Action's


class LogolintError(Exception):
    """Base class: a problem the user can fix, with a message that says how."""


class ConfigError(LogolintError):
    """Bad configuration or command-line arguments (exit code 2)."""


class ModelError(LogolintError):
    """The model file is missing, corrupt or not a logolint model (exit code 2)."""


class ImageError(LogolintError):
    """One file could not be checked; reported per file, never fatal for the run."""


class ImageUnfinished(ImageError):
    """A file whose check did not finish this time (its renderer was killed, by a limit or
    from outside): reported like any ImageError, but never cached, as another run may
    finish it."""


class ImageTimeout(ImageUnfinished):
    """A file that took too long to check this time (on a busy machine it may not next
    time)."""


def shown(value: object) -> str:
    """A bad value as an error message quotes it: its repr, cut short, so that a YAML alias
    bomb or a long list still gives one readable line."""
    import reprlib

    quoted = reprlib.Repr()
    quoted.maxlevel, quoted.maxstring, quoted.maxother = 2, 60, 60
    quoted.maxlist = quoted.maxdict = quoted.maxtuple = quoted.maxset = 6
    return quoted.repr(value)
