"""Checkout forms: the shopper's contact and shipping address, checked per country.

The country is never a field: it is the shopper's market, fixed and shown.
Postal codes follow the country's format (US ZIP 12345 or 12345-6789, four
digits in Belgium, five in France, Germany, Italy and Spain); a US address
also needs its state, kept with the city ("Austin, TX") because an order
stores one city line.
"""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext, gettext_lazy

from marketplace.markets import Market
from orders.services.checkout import ShippingAddress

POSTAL_CODES: dict[str, tuple[re.Pattern[str], str]] = {
    "US": (
        re.compile(r"^\d{5}(-\d{4})?$"),
        gettext_lazy(
            "Enter a ZIP code of 5 digits, or 5+4 digits (94107 or 94107-1234)."
        ),
    ),
    "BE": (
        re.compile(r"^\d{4}$"),
        gettext_lazy("Enter a postal code of 4 digits (1000)."),
    ),
    "FR": (
        re.compile(r"^\d{5}$"),
        gettext_lazy("Enter a postal code of 5 digits (75011)."),
    ),
    "DE": (
        re.compile(r"^\d{5}$"),
        gettext_lazy("Enter a postal code of 5 digits (10115)."),
    ),
    "IT": (
        re.compile(r"^\d{5}$"),
        gettext_lazy("Enter a postal code of 5 digits (00184)."),
    ),
    "ES": (
        re.compile(r"^\d{5}$"),
        gettext_lazy("Enter a postal code of 5 digits (28013)."),
    ),
}

US_STATES = [
    ("AL", "Alabama"), ("AK", "Alaska"), ("AZ", "Arizona"), ("AR", "Arkansas"),
    ("CA", "California"), ("CO", "Colorado"), ("CT", "Connecticut"),
    ("DE", "Delaware"), ("DC", "District of Columbia"), ("FL", "Florida"),
    ("GA", "Georgia"), ("HI", "Hawaii"), ("ID", "Idaho"), ("IL", "Illinois"),
    ("IN", "Indiana"), ("IA", "Iowa"), ("KS", "Kansas"), ("KY", "Kentucky"),
    ("LA", "Louisiana"), ("ME", "Maine"), ("MD", "Maryland"),
    ("MA", "Massachusetts"), ("MI", "Michigan"), ("MN", "Minnesota"),
    ("MS", "Mississippi"), ("MO", "Missouri"), ("MT", "Montana"),
    ("NE", "Nebraska"), ("NV", "Nevada"), ("NH", "New Hampshire"),
    ("NJ", "New Jersey"), ("NM", "New Mexico"), ("NY", "New York"),
    ("NC", "North Carolina"), ("ND", "North Dakota"), ("OH", "Ohio"),
    ("OK", "Oklahoma"), ("OR", "Oregon"), ("PA", "Pennsylvania"),
    ("RI", "Rhode Island"), ("SC", "South Carolina"), ("SD", "South Dakota"),
    ("TN", "Tennessee"), ("TX", "Texas"), ("UT", "Utah"), ("VT", "Vermont"),
    ("VA", "Virginia"), ("WA", "Washington"), ("WV", "West Virginia"),
    ("WI", "Wisconsin"), ("WY", "Wyoming"),
]  # fmt: skip
PHONE = re.compile(r"^\+?[0-9 ().-]{6,24}$")
# What the checkout keeps in the session between the details and the review.
FIELDS = ("email", "name", "line1", "line2", "postal_code", "city", "state", "phone")


def _text(label: str, max_length: int, autocomplete: str, **kwargs) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=max_length,
        widget=forms.TextInput(attrs={"autocomplete": autocomplete}),
        **kwargs,
    )


class CheckoutDetailsForm(forms.Form):
    """Email and shipping address, for the shopper's market (its country)."""

    email = forms.EmailField(
        label=gettext_lazy("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=gettext_lazy(
            "For the order confirmation and the link to follow your order."
        ),
    )
    name = _text(gettext_lazy("Full name"), 120, "shipping name")
    line1 = _text(gettext_lazy("Address"), 200, "shipping address-line1")
    line2 = _text(
        gettext_lazy("Apartment, floor, building"),
        200,
        "shipping address-line2",
        required=False,
    )
    postal_code = _text(gettext_lazy("Postal code"), 16, "shipping postal-code")
    city = _text(gettext_lazy("City"), 80, "shipping address-level2")
    state = forms.ChoiceField(
        label=gettext_lazy("State"),
        choices=[("", gettext_lazy("Choose a state")), *US_STATES],
        widget=forms.Select(attrs={"autocomplete": "shipping address-level1"}),
    )
    phone = forms.CharField(
        label=gettext_lazy("Phone"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "shipping tel", "type": "tel"}),
        help_text=gettext_lazy("Only for the carrier, if it needs to reach you."),
    )

    def __init__(self, *args, market: Market, **kwargs):
        super().__init__(*args, **kwargs)
        self.market = market
        if market.code == "US":
            self.fields["postal_code"].label = gettext("ZIP code")
            self.fields["postal_code"].widget.attrs["inputmode"] = "numeric"
        else:
            del self.fields["state"]
            self.fields["postal_code"].widget.attrs["inputmode"] = "numeric"

    def clean_postal_code(self) -> str:
        value = re.sub(r"\s+", "", self.cleaned_data["postal_code"])
        pattern, message = POSTAL_CODES[self.market.code]
        if not pattern.match(value):
            raise forms.ValidationError(message)
        return value

    def clean_phone(self) -> str:
        value = self.cleaned_data["phone"].strip()
        if value and not PHONE.match(value):
            raise forms.ValidationError(
                gettext("Enter a phone number with digits, spaces and an optional +.")
            )
        return value

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def details(self) -> dict[str, str]:
        """The cleaned values, as kept in the session between the steps."""
        return {key: self.cleaned_data.get(key, "") for key in FIELDS}

    def address(self) -> ShippingAddress:
        """The shipping address in the shopper's market."""
        data = self.cleaned_data
        city = data["city"]
        if self.market.code == "US":
            city = f"{city}, {data['state']}"
        return ShippingAddress(
            name=data["name"],
            line1=data["line1"],
            line2=data["line2"],
            postal_code=data["postal_code"],
            city=city,
            country=self.market.code,
            phone=data["phone"],
        )
