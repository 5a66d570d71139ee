"""The LLM layer's exception."""

from gsfm_model.errors import GSFMError


class LLMError(GSFMError):
    """A language model backend is missing, misconfigured or failed; the message names the fix."""
