"""The one application error type. Views and the API map it to a 4xx with its message."""


class DomainError(Exception):
    """A business rule refused the request; `message` is safe to show to the person who asked."""

    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code

    def messages(self) -> list[str]:
        """Every reason to show, in order; a refusal with several reasons lists each."""
        return [self.message]


class ConflictError(DomainError):
    """The request is valid but the object's current state forbids it (HTTP 409)."""

    status_code = 409
    code = "conflict"


class PermissionDeniedError(DomainError):
    status_code = 403
    code = "forbidden"
