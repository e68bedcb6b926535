"""logolint: catch an organisation's old logo in images before it lands."""

__version__ = "0.1.0"
