"""The one base class of business-rule refusals, and how pages show them.

A service that refuses what it was asked (a move out of turn, a quantity
over the stock, a review without stars) raises a subclass of
``BusinessRuleError`` declared in its app's ``exceptions``. Every path
translates it the same way: the API's exception handler answers the error
shape (``marketplace.api.errors``), a page puts the message on its form
(``refusal_to_form``) or beside the object, with the same status.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django import forms

# A refusal that names the input at fault is a bad request; one about the
# object's state (it cannot make this move now) is a conflict.
FIELD_STATUS = 400
STATE_STATUS = 409


class BusinessRuleError(Exception):
    """A change the marketplace's rules refuse; ``message`` says why in words
    that can be shown as they are.

    ``field`` names the input at fault (``quantity``, ``tracking_number``), if
    any; ``code`` is the stable code the API answers (``invalid`` when a field
    is named, else ``conflict``) and ``status`` the HTTP status (400 or 409).
    """

    def __init__(
        self, message: str, field: str | None = None, *, code: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self._code = code

    @property
    def code(self) -> str:
        return self._code or ("invalid" if self.field else "conflict")

    @property
    def status(self) -> int:
        return FIELD_STATUS if self.field else STATE_STATUS


def refusal_to_form(form: forms.BaseForm, error: BusinessRuleError) -> None:
    """Show a refusal on the form, next to its field when the form has it."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)
