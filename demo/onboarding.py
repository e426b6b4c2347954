"""Demo refurbishers onboarded through the same services as real ones.

Each demo refurbisher has an owner who applied (company, operations,
certifications, two small generated PDFs) and sent the application; the demo
QA user passed every criterion and approved it, which started its trial.
Active ones then ended their trial, the suspended one was suspended, each by
``qa`` with a reason, so the admin shows a believable history. One more
application waits, submitted and complete, for a newcomer to vet as ``qa``.

Running again is cheap and changes nothing: a refurbisher that has an
application is left as it is, so what someone did to it in the demo (a
suspension, an approval) stays. A demo refurbisher written by the seed before
onboarding existed (no application, no owner) is deleted with its listings
and onboarded again; its listings come back the same, drawn from the same
seed.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test.utils import override_settings
from django.utils.text import slugify

from demo import DEMO_EMAIL_DOMAIN
from demo.catalog import RefurbisherSpec
from listings.models import Listing
from marketplace.markets import markets_reachable_from
from refurbishers.models import (
    Application,
    ApplicationDocument,
    Criterion,
    Membership,
    Refurbisher,
    RefurbisherStatus,
)
from refurbishers.services import (
    application_approve,
    application_certifications_update,
    application_document_add,
    application_operations_update,
    application_submit,
    criterion_review_set,
    refurbisher_apply,
    refurbisher_suspend,
    trial_end,
)

# Demo logins that own a refurbisher (see DEMO_LOGINS), by the spec's code.
TRIAL_SELLER = f"trial-seller@{DEMO_EMAIL_DOMAIN}"
ACTIVE_SELLER = f"active-seller@{DEMO_EMAIL_DOMAIN}"
APPLICANT = f"applicant@{DEMO_EMAIL_DOMAIN}"
OWNER_LOGINS = {"LS": TRIAL_SELLER, "SB": ACTIVE_SELLER}
QA_USERNAME = "qa"
# The application a newcomer vets in the admin.
APPLICANT_SPEC = RefurbisherSpec(
    "NV", "Nouvelle Vie Mobiles", "FR", "Europe/Paris", "submitted", None, 2,
    "0", 0, "2026-01-01", 0,
)  # fmt: skip

LEGAL_SUFFIX = {
    "US": "LLC", "FR": "SAS", "DE": "GmbH", "IT": "S.r.l.", "ES": "S.L.", "BE": "BV",
}  # fmt: skip
CITY = {
    "America/New_York": "410 Atlantic Ave, Brooklyn, NY 11217",
    "America/Los_Angeles": "2100 Harrison St, Oakland, CA 94612",
    "America/Chicago": "1800 Commerce St, Dallas, TX 75201",
    "Europe/Paris": "18 rue de la Roquette, 75011 Paris",
    "Europe/Berlin": "Friedrichstraße 120, 10117 Berlin",
    "Europe/Rome": "Via Tortona 31, 20144 Milano",
    "Europe/Madrid": "Calle de Alcalá 155, 28009 Madrid",
    "Europe/Brussels": "Rue de la Loi 42, 1040 Bruxelles",
}  # fmt: skip
OPERATIONS = {
    "testing_checkpoints": 52,
    "testing_tools": "Phonecheck diagnostics, battery cycler, display colour probe",
    "repair_process": (
        "Bench repair by trained technicians; every part is logged against the "
        "device's IMEI or serial number and re-tested after assembly."
    ),
    "parts": Application.Parts.BOTH,
    "erasure_method": "Blancco Mobile Diagnostics & Erasure, one report per device",
    "erasure_standard": "NIST 800-88 Purge",
    "erasure_certificate": "Blancco erasure certificate per device",
    "warranty_months": 12,
    "service_channels": [Application.Channel.EMAIL, Application.Channel.PHONE],
    "service_hours": "Monday to Friday, 9:00-18:00",
    "service_team_size": 4,
}
CERTIFICATIONS = [Application.Certification.R2, Application.Certification.ISO_9001]
DOCUMENTS = [
    (ApplicationDocument.Kind.BUSINESS_REGISTRATION, "business-registration.pdf"),
    (ApplicationDocument.Kind.INSURANCE, "insurance-certificate.pdf"),
]
CRITERION_NOTES = {
    Criterion.TESTING: "52-point test plan seen on a video call.",
    Criterion.REPAIR: "Parts traced per IMEI; original screens on premium grades.",
    Criterion.ERASURE: "Blancco reports checked on 10 sample devices.",
    Criterion.WARRANTY: "12 months on every device, insured.",
    Criterion.SERVICE: "4 people, email and phone, answers within a day.",
    Criterion.LEGITIMACY: "Registration and VAT number verified.",
}


def demo_pdf(title: str) -> bytes:
    """A small valid one-page PDF showing ``title`` (ASCII only)."""
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore")
    text = text.replace(b"\\", b"").replace(b"(", b"").replace(b")", b"")
    stream = b"BT /F1 18 Tf 72 720 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    pdf = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(pdf)


def _company(spec: RefurbisherSpec) -> dict:
    since = date.fromisoformat(spec.selling_since)
    digits = sum(ord(c) for c in spec.name) * 7919 % 10**9
    return {
        "name": spec.name,
        "legal_name": f"{spec.name.removesuffix(' GmbH')} {LEGAL_SUFFIX[spec.country]}",
        "registration_number": f"{spec.country}-{digits:09d}",
        "vat_id": f"{spec.country}{digits:09d}",
        "country": spec.country,
        "address": CITY[spec.time_zone],
        "time_zone": spec.time_zone,
        "website": f"https://{slugify(spec.name)}.example",
        "years_in_business": max(1, 2026 - since.year + 2),
        "devices_per_month": 200 + spec.rating_count // 4,
    }


def _owner(username: str):
    """The owner's account: a demo login's (made by demo_logins_ensure) or new."""
    user_model = get_user_model()
    user = user_model.objects.filter(username=username).first()
    if user is None:
        # Owners of the other demo refurbishers never sign in: no password.
        user = user_model.objects.create_user(username=username, email=username)
    return user


def _email_confirmed(user) -> None:
    """Confirm the owner's address through the accounts service, as a link would."""
    from marketplace.accounts.services import email_confirm, email_is_confirmed
    from marketplace.accounts.tokens import confirmation_token_make

    if not email_is_confirmed(user):
        email_confirm(token=confirmation_token_make(user_id=user.pk, email=user.email))


def _apply(spec: RefurbisherSpec, username: str) -> Refurbisher:
    """An owner applies with a complete application and sends it."""
    owner = _owner(username)
    _email_confirmed(owner)
    refurbisher = refurbisher_apply(user=owner, company=_company(spec))
    application_operations_update(
        refurbisher=refurbisher,
        operations={**OPERATIONS, "return_address": _company(spec)["address"]},
    )
    application_certifications_update(
        refurbisher=refurbisher, certifications=CERTIFICATIONS
    )
    for kind, filename in DOCUMENTS:
        upload = SimpleUploadedFile(
            filename,
            demo_pdf(f"{spec.name}: {ApplicationDocument.Kind(kind).label}"),
            content_type="application/pdf",
        )
        application_document_add(
            refurbisher=refurbisher, kind=kind, upload=upload, user=owner
        )
    return application_submit(refurbisher=refurbisher, actor=owner)


def _vet(refurbisher: Refurbisher, spec: RefurbisherSpec, qa) -> Refurbisher:
    """QA passes every criterion, approves, and takes the spec's status."""
    for criterion, note in CRITERION_NOTES.items():
        criterion_review_set(
            refurbisher=refurbisher, criterion=criterion, passed=True, note=note,
            actor=qa,
        )  # fmt: skip
    refurbisher = application_approve(refurbisher=refurbisher, actor=qa)
    if spec.status in (RefurbisherStatus.ACTIVE, RefurbisherStatus.SUSPENDED):
        refurbisher = trial_end(
            refurbisher=refurbisher, actor=qa,
            reason=f"Demo: a seller since {spec.selling_since}, trial long passed.",
        )  # fmt: skip
    if spec.status == RefurbisherStatus.SUSPENDED:
        refurbisher = refurbisher_suspend(
            refurbisher=refurbisher, actor=qa,
            reason="Three warranty claims unanswered for over a week.",
        )  # fmt: skip
    return refurbisher


def _ships_to(spec: RefurbisherSpec) -> list[str]:
    reachable = markets_reachable_from(spec.country)
    wanted = set(spec.ships_to or reachable) | {spec.country}
    return [m for m in reachable if m in wanted]


def _profile_set(refurbisher: Refurbisher, spec: RefurbisherSpec) -> None:
    """Shop settings and scorecard figures, which no service writes yet.

    Where it ships and how fast will be the seller dashboard's settings; the
    rating is the quality app's to compute. Active sellers keep the date they
    started selling in the demo's story; trial sellers the approval's date.
    """
    values = {
        "ships_to": _ships_to(spec),
        "dispatch_days": spec.dispatch_days,
        "rating_average": Decimal(spec.rating_average),
        "rating_count": spec.rating_count,
    }
    if spec.status != RefurbisherStatus.TRIAL:
        values["selling_since"] = date.fromisoformat(spec.selling_since)
    changed = [name for name, v in values.items() if getattr(refurbisher, name) != v]
    for name in changed:
        setattr(refurbisher, name, values[name])
    if changed:
        refurbisher.save(update_fields=changed)


def _stale_delete(slugs: Iterable[str]) -> int:
    """Delete demo refurbishers the seed wrote before onboarding, with listings."""
    stale = list(
        Refurbisher.objects.filter(
            slug__in=list(slugs), application__isnull=True
        ).values_list("pk", flat=True)
    )
    if stale:
        Listing.objects.filter(refurbisher_id__in=stale).delete()
        Refurbisher.objects.filter(pk__in=stale).delete()
    return len(stale)


def owner_username(spec: RefurbisherSpec) -> str:
    default = f"owner-{slugify(spec.name)}@{DEMO_EMAIL_DOMAIN}"
    return OWNER_LOGINS.get(spec.code, default)


# Demo owners are told nothing: the console backend would print every status
# email of the run.
@override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend")
def demo_refurbishers_onboard(
    specs: list[RefurbisherSpec],
) -> tuple[dict[str, Refurbisher], int]:
    """Onboard the demo refurbishers that are missing; return all by slug.

    Each refurbisher is onboarded in its own transaction, so a run stopped
    half-way leaves whole refurbishers. Also returns how many were onboarded.
    """
    slugs = {slugify(spec.name): spec for spec in specs}
    _stale_delete(slugs)
    qa = get_user_model().objects.get(username=QA_USERNAME)
    found = {
        r.slug: r
        for r in Refurbisher.objects.filter(slug__in=list(slugs)).select_related(
            "application"
        )
    }
    onboarded = 0
    for slug, spec in slugs.items():
        if slug not in found:
            with transaction.atomic():
                refurbisher = _apply(spec, owner_username(spec))
                found[slug] = _vet(refurbisher, spec, qa)
            onboarded += 1
        _profile_set(found[slug], spec)
    with transaction.atomic():
        if not Membership.objects.filter(user__username=APPLICANT).exists():
            _apply(APPLICANT_SPEC, APPLICANT)
            onboarded += 1
    return found, onboarded
