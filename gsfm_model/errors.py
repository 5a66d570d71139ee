"""Exceptions. Every message says what was wrong and how to fix it."""


class GSFMError(Exception):
    """Base class of every error this project raises on purpose."""


class DataError(GSFMError):
    """A data source or file could not be read, downloaded or verified."""


class InputError(GSFMError):
    """A caller's input (gene list, term, option) is unusable."""
