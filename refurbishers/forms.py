"""The application's steps as forms; the views save them through the services."""

from __future__ import annotations

import zoneinfo

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from marketplace.markets import MARKET_CHOICES, MARKETS, PLATFORM_WARRANTY_MIN_MONTHS
from refurbishers.models import Application, ApplicationDocument

# The time zones a refurbisher in each market most likely works in; the first
# one is the market's default.
COMMON_TIME_ZONES: dict[str, list[str]] = {
    "US": [
        "America/New_York", "America/Chicago", "America/Denver",
        "America/Phoenix", "America/Los_Angeles", "America/Anchorage",
        "Pacific/Honolulu",
    ],
    "FR": ["Europe/Paris"],
    "BE": ["Europe/Brussels"],
    "DE": ["Europe/Berlin"],
    "IT": ["Europe/Rome"],
    "ES": ["Europe/Madrid", "Atlantic/Canary"],
}  # fmt: skip


def default_time_zone(country: str) -> str:
    zones = COMMON_TIME_ZONES.get(country) or COMMON_TIME_ZONES["US"]
    return zones[0]


def time_zone_choices(current: str = "") -> list:
    groups = [
        (MARKETS[code].name, [(zone, zone.replace("_", " ")) for zone in zones])
        for code, zones in COMMON_TIME_ZONES.items()
    ]
    known = {zone for zones in COMMON_TIME_ZONES.values() for zone in zones}
    if current and current not in known:
        groups.insert(0, (gettext("Current"), [(current, current.replace("_", " "))]))
    return [("", gettext("Choose a time zone")), *groups]


def _months_text(message: str) -> str:
    return gettext(message) % {"months": PLATFORM_WARRANTY_MIN_MONTHS}


# A class-level text with the platform's minimum warranty, translated when shown.
def _lazy_months(message: str):
    return lazy(_months_text, str)(message)


class CompanyForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Trading name"),
        max_length=120,
        help_text=gettext_lazy("The name shoppers see on your offers."),
    )
    legal_name = forms.CharField(label=gettext_lazy("Legal name"), max_length=200)
    registration_number = forms.CharField(
        label=gettext_lazy("Registration number"),
        max_length=64,
        help_text=gettext_lazy("Company register number (SIREN, HRB, EIN, ...)."),
    )
    vat_id = forms.CharField(label=gettext_lazy("VAT or tax id"), max_length=32)
    country = forms.ChoiceField(
        label=gettext_lazy("Country"),
        choices=[("", "Choose a country"), *MARKET_CHOICES],
        help_text=gettext_lazy(
            "Where the business is registered. US refurbishers sell in "
            "the US; European ones across the EU markets."
        ),
    )
    address = forms.CharField(
        label=gettext_lazy("Business address"), widget=forms.Textarea(attrs={"rows": 3})
    )
    time_zone = forms.ChoiceField(
        label=gettext_lazy("Time zone"),
        help_text=gettext_lazy(
            "Your trial's daily sales cap counts days in this time zone."
        ),
    )
    website = forms.URLField(
        label=gettext_lazy("Website"),
        required=False,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )
    years_in_business = forms.IntegerField(
        label=gettext_lazy("Years in business"), min_value=0, max_value=200
    )
    devices_per_month = forms.IntegerField(
        label=gettext_lazy("Devices refurbished per month"),
        min_value=0,
        max_value=10_000_000,
    )

    def __init__(self, *args, current_time_zone: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = time_zone_choices(current_time_zone)

    def clean_time_zone(self) -> str:
        zone = self.cleaned_data["time_zone"]
        if zone not in zoneinfo.available_timezones():
            raise forms.ValidationError(gettext("Choose a time zone from the list."))
        return zone

    def clean(self):
        cleaned = super().clean()
        country, zone = cleaned.get("country"), cleaned.get("time_zone")
        if country and zone:
            known = {z for zones in COMMON_TIME_ZONES.values() for z in zones}
            if zone in known and zone not in COMMON_TIME_ZONES.get(country, []):
                self.add_error(
                    "time_zone",
                    gettext("Choose a time zone in %(country)s.")
                    % {"country": MARKETS[country].name},
                )
        return cleaned


class OperationsForm(forms.Form):
    testing_checkpoints = forms.IntegerField(
        label=gettext_lazy("Test checkpoints per device"),
        min_value=1,
        max_value=1000,
        help_text=gettext_lazy(
            "How many points each device is checked on before sale."
        ),
    )
    testing_tools = forms.CharField(
        label=gettext_lazy("Testing tools"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy(
            "Software and benches you test with (for example Phonecheck)."
        ),
    )
    repair_process = forms.CharField(
        label=gettext_lazy("Repair process"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("Who repairs, how repairs are checked and recorded."),
    )
    parts = forms.ChoiceField(
        label=gettext_lazy("Parts used"),
        choices=Application.Parts.choices,
        widget=forms.RadioSelect,
    )
    erasure_method = forms.CharField(
        label=gettext_lazy("Data erasure method"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("The tool or procedure that wipes every device."),
    )
    erasure_standard = forms.CharField(
        label=gettext_lazy("Data erasure standard"),
        max_length=80,
        help_text=gettext_lazy("For example NIST 800-88 Purge."),
    )
    erasure_certificate = forms.CharField(
        label=gettext_lazy("Erasure certificate"),
        max_length=120,
        required=False,
        help_text=gettext_lazy("A certificate you issue per device, if any."),
    )
    warranty_months = forms.IntegerField(
        label=gettext_lazy("Warranty you can carry (months)"),
        min_value=PLATFORM_WARRANTY_MIN_MONTHS,
        max_value=120,
        help_text=_lazy_months(
            gettext_noop(
                "At least %(months)s months; France, Belgium, Germany, Italy and "
                "Spain require 12."
            )
        ),
        error_messages={
            "min_value": _lazy_months(
                gettext_noop(
                    "Every device on ReMarket carries a warranty of at least "
                    "%(months)s months."
                )
            ),
        },
    )
    service_channels = forms.MultipleChoiceField(
        label=gettext_lazy("Customer-service channels"),
        choices=Application.Channel.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    service_hours = forms.CharField(
        label=gettext_lazy("Customer-service hours"),
        max_length=120,
        help_text=gettext_lazy("For example Mon-Fri 9:00-18:00."),
    )
    service_team_size = forms.IntegerField(
        label=gettext_lazy("Customer-service team size"), min_value=1, max_value=10_000
    )
    return_address = forms.CharField(
        label=gettext_lazy("Return address"), widget=forms.Textarea(attrs={"rows": 3})
    )


class CertificationsForm(forms.Form):
    certifications = forms.MultipleChoiceField(
        label=gettext_lazy("Certifications"),
        choices=Application.Certification.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=gettext_lazy(
            "Tick the ones your business holds; upload the certificates "
            "in the next step."
        ),
    )


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Document"),
        choices=ApplicationDocument.Kind.choices,
        widget=forms.RadioSelect,
    )
    file = forms.FileField(
        label=gettext_lazy("File"),
        widget=forms.FileInput(
            attrs={
                "accept": ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"
            }
        ),
    )

    def __init__(self, *args, max_bytes: int, **kwargs):
        super().__init__(*args, **kwargs)
        megabytes = max(1, max_bytes // (1024 * 1024))
        self.fields["file"].help_text = gettext(
            "PDF, PNG or JPEG, up to %(megabytes)s MB. Only you and our quality "
            "team can open it."
        ) % {"megabytes": megabytes}
