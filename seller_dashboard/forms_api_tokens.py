"""The seller dashboard's form to create a named API key."""

from __future__ import annotations

from django import forms

from refurbishers.services.api_tokens import NAME_MAX


class ApiTokenCreateForm(forms.Form):
    name = forms.CharField(
        label="Name of the key",
        max_length=NAME_MAX,
        help_text="What will use it, so you know which key to revoke later, "
        "e.g. “Stock system” or “Warehouse scanner”.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
