"""Domain errors that carry an HTTP status, a machine code and messages in two languages."""

from __future__ import annotations


class ApiError(Exception):
    """An error a client can act on.

    Args:
        status: HTTP status code.
        code: stable machine-readable code, e.g. ``invalid_lat``.
        message_id: message in Bahasa Indonesia.
        message_en: the same message in English.
        field: name of the request field at fault, if any.
        value: the offending value, echoed back (never personal data).
    """

    def __init__(
        self,
        status: int,
        code: str,
        message_id: str,
        message_en: str,
        *,
        field: str | None = None,
        value: object = None,
        details: dict | None = None,
    ) -> None:
        super().__init__(message_en)
        self.status = status
        self.code = code
        self.message_id = message_id
        self.message_en = message_en
        self.field = field
        self.value = value
        self.details = details or {}

    def message(self, language: str) -> str:
        """Return the message in the given language ("id" or "en"), Indonesian by default."""
        return self.message_en if language == "en" else self.message_id

    def as_json(self, language: str) -> dict:
        """Render the one JSON error shape of every API endpoint."""
        body = {
            "status": self.status,
            "code": self.code,
            "message": self.message(language),
            "field": self.field,
            "value": self.value,
        }
        if self.details:
            body["details"] = self.details
        return {"error": body}


class NotFound(ApiError):
    """A record does not exist, or the caller may not know that it does."""

    def __init__(self, what_id: str, what_en: str, value: object) -> None:
        super().__init__(
            404,
            "not_found",
            f"{what_id} {value} tidak ditemukan.",
            f"{what_en} {value} not found.",
            value=value,
        )
