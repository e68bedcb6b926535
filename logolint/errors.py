"""The error types logolint raises; the CLI turns each into one line of output."""


class LogolintError(Exception):
    """Base class: a problem the user can fix, with a message that says how."""


class ConfigError(LogolintError):
    """Bad configuration or command-line arguments (exit code 2)."""


class ModelError(LogolintError):
    """The model file is missing, corrupt or not a logolint model (exit code 2)."""


class ImageError(LogolintError):
    """One file could not be checked; reported per file, never fatal for the run."""


class ImageTimeout(ImageError):
    """A file that took too long to check this time (on a busy machine it may not next
    time): reported like any ImageError, but never cached."""
