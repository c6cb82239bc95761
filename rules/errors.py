"""The one error bad rules and carts raise, naming the field at fault."""

from __future__ import annotations


class ValidationError(ValueError):
    """A rule or cart the engine refuses; ``field`` is a path such as ``lines[2].quantity``.

    The plugin turns it into a 422 with ``fields[field] = message`` and the CLI into one
    line on stderr, so the message is written for a shop admin, not a developer.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(field, message)
        self.field = field
        self.message = message

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message

    def prefixed(self, prefix: str) -> ValidationError:
        """The same error seen from a containing document, e.g. ``rules`` + ``[2].id``."""
        if not self.field:
            field = prefix
        elif self.field.startswith("["):
            field = f"{prefix}{self.field}"
        else:
            field = f"{prefix}.{self.field}"
        return ValidationError(field, self.message)


#: The name the brief and older notes use; the same class.
RuleError = ValidationError
