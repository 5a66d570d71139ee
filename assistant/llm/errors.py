"""The LLM layer's exception, and one readable line for any failure of a language model or its server."""

from __future__ import annotations

from gsfm_model.errors import GSFMError


class LLMError(GSFMError):
    """A language model backend is missing, misconfigured or failed; the message names the fix."""


def describe_failure(exc: BaseException) -> str:
    """One line a user can read for a failed model call (the details go to the debug log, never to the answer):
    unreachable server, timeout, an HTTP status, a malformed reply, or the error's type."""
    name = type(exc).__name__
    status = getattr(exc, "status_code", None)
    if isinstance(exc, LLMError):
        return str(exc).split("\n")[0][:200]
    if "Timeout" in name or isinstance(exc, TimeoutError):
        return "the model server did not answer in time"
    if "Connect" in name or isinstance(exc, ConnectionError):
        return "the model server could not be reached"
    if status is not None and 200 <= int(status) < 300:
        return f"the model's reply could not be read ({name})"
    if status is not None:
        kind = "refused the request" if 400 <= int(status) < 500 else "failed"
        return f"the model server {kind} (HTTP {status})"
    if isinstance(exc, ValueError | KeyError | TypeError) or "JSON" in name or "Decode" in name:
        return f"the model's reply could not be read ({name})"
    return f"the language model failed ({name})"
