"""The seller dashboard's form to create a named API key."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from refurbishers.services.api_tokens import NAME_MAX


class ApiTokenCreateForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name of the key"),
        max_length=NAME_MAX,
        help_text=gettext_lazy(
            "What will use it, so you know which key to revoke later, "
            "e.g. “Stock system” or “Warehouse scanner”."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
