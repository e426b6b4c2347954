"""Tracking numbers per carrier: the formats we can check, and tracking links.

A carrier whose format is known gets its number checked exactly; any other
carrier (and "other") takes 6 to 40 letters or digits. Numbers are compared
without spaces and in capitals, as carriers print them in groups.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from django.utils.translation import gettext, pgettext_lazy

from orders.models import Carrier

UPU = r"[A-Z]{2}\d{9}"  # a postal item number (S10): 2 letters, 9 digits, country

# carrier: (pattern, how to write it, for the error message: it completes
# "%(carrier)s numbers are %(format)s.")
_FORMAT = "tracking number format: numbers are ..."
FORMATS: dict[str, tuple[re.Pattern[str], str]] = {
    Carrier.UPS: (
        re.compile(r"1Z[0-9A-Z]{16}"),
        pgettext_lazy(_FORMAT, "1Z followed by 16 letters or digits"),
    ),
    Carrier.USPS: (
        re.compile(rf"\d{{20,22}}|{UPU}US"),
        pgettext_lazy(_FORMAT, "20 to 22 digits, or 2 letters, 9 digits and US"),
    ),
    Carrier.FEDEX: (
        re.compile(r"\d{12}|\d{15}|\d{20}"),
        pgettext_lazy(_FORMAT, "12, 15 or 20 digits"),
    ),
    Carrier.COLISSIMO: (
        re.compile(rf"{UPU}FR|[0-9A-Z]{{13}}"),
        pgettext_lazy(_FORMAT, "2 letters, 9 digits and FR, or 13 letters or digits"),
    ),
    Carrier.DHL: (re.compile(r"\d{10}"), pgettext_lazy(_FORMAT, "10 digits")),
    Carrier.CHRONOPOST: (
        re.compile(rf"{UPU}FR"),
        pgettext_lazy(_FORMAT, "2 letters, 9 digits and FR"),
    ),
}
ANY_FORMAT = (
    re.compile(r"[0-9A-Z]{6,40}"),
    pgettext_lazy(_FORMAT, "6 to 40 letters or digits"),
)

URLS: dict[str, str] = {
    Carrier.UPS: "https://www.ups.com/track?tracknum={number}",
    Carrier.USPS: "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}",
    Carrier.FEDEX: "https://www.fedex.com/fedextrack/?trknbr={number}",
    Carrier.DHL: (
        "https://www.dhl.com/global-en/home/tracking/tracking-express.html"
        "?tracking-id={number}"
    ),
    Carrier.COLISSIMO: "https://www.laposte.fr/outils/suivre-vos-envois?code={number}",
    Carrier.CHRONOPOST: (
        "https://www.chronopost.fr/tracking-no-cms/suivi-page?listeNumerosLT={number}"
    ),
}


def tracking_normalize(number: str) -> str:
    """The number as carriers store it: no spaces or dashes, in capitals."""
    return re.sub(r"[\s-]+", "", number or "").upper()


def tracking_format_error(*, carrier: str, carrier_name: str, number: str) -> str:
    """Say what is wrong with a (normalized) tracking number, or "" if nothing."""
    pattern, described = FORMATS.get(carrier, ANY_FORMAT)
    name = carrier_name if carrier == Carrier.OTHER else Carrier(carrier).label
    if not number:
        return gettext("Please give the %(carrier)s tracking number.") % {
            "carrier": name
        }
    if not pattern.fullmatch(number):
        return gettext(
            "%(number)s is not a %(carrier)s tracking number: %(carrier)s numbers "
            "are %(format)s."
        ) % {"number": number, "carrier": name, "format": described}
    return ""


def tracking_url(carrier: str, number: str) -> str:
    """The carrier's tracking page for the number, or "" where none is known."""
    template = URLS.get(carrier)
    if not template or not number:
        return ""
    return template.format(number=quote(number, safe=""))
