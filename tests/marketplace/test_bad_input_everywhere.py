"""Bad input, everywhere: no URL of the project answers 500 to the characters
or the values of what it is sent.

Every URL pattern is read from Django's resolvers when the test runs, so a
page added later is swept without a change here; its path is filled with
objects of a seeded database (the demo data, plus a photo, an import, an
invitation...), or with a plain value for an argument this file does not
know. Each pattern is visited as an anonymous visitor, the demo shopper, the
active demo seller and QA staff (the demo's superuser, admin included):

1. a plain GET, whose HTML gives the parameters its links and GET forms use
   and the POST forms it shows (by their action, for step 3);
2. up to three of the page's own links (filters, pages, sorts): legitimate
   values, never refused;
3. GETs, and POSTs (urlencoded and multipart, with files where the form takes
   them) to the same path, carrying control characters, NUL, lone surrogates
   and bytes that are not UTF-8: always the 400 of
   ``marketplace.bad_input``; then long values, malformed numbers
   (``1e999``, ``١٢``, ``--1``, ``NaN``...) and out-of-range dates and years,
   spread over every parameter and form field: never a 500;
4. under /api/, the schema's query parameters and JSON bodies with the same
   values at every leaf, with the seller's key for the seller;
5. in the admin, the date drill-down of every list with bad years, months and
   days, alone and together.

Each request runs in a savepoint rolled back after it, so every request
meets the same seeded data. Each role must reach a number of its own pages
(REACHED_AT_LEAST), so a change that turns it away everywhere (a new sign-in
step, say) fails here instead of quietly sweeping sign-in pages only.

The whole sweep is about 13,400 requests: 2 minutes on an idle 2-core
machine, up to 4.5 under load.
"""

from __future__ import annotations

import copy
import json
import traceback
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode, urlsplit

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client
from django.urls import Resolver404, resolve

from demo.onboarding import ACTIVE_SELLER, APPLICANT
from demo.orders import ADDRESS, SHOPPER
from demo.seed import demo_seed
from listings.models import Listing
from listings.services.listing_imports import listing_import_upload
from listings.services.photos import listing_photos_add
from marketplace.api.throttling import PerIpThrottle, PerKeyThrottle
from orders.models import (
    ClaimProblem,
    ClaimStatus,
    ReturnStatus,
    SellerOrderStatus,
    Warranty,
    WarrantyClaim,
)
from orders.services.checkout import CheckoutLine, checkout_start
from orders.services.checkout_session import checkout_pay
from orders.services.claims import claim_file
from orders.services.messages import message_send
from refurbishers.models import ApplicationDocument, Membership
from refurbishers.services.members import invitation_accept, invitation_create
from tests.support.api import seller_key_make
from tests.support.images import jpeg_with_gps, png_bomb, upload
from tests.support.refurbisher_builders import user_make
from tests.support.second_factor import sign_in_verified
from tests.support.sweep import (
    Route,
    page_forms,
    schema_body,
    schema_operations,
    url_routes,
)

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "shopper", "seller", "qa")

# Refused by marketplace.bad_input wherever they are: a 400, never a view.
CHARACTERS = ["a\x00b", "\x01", "\x1b[2J", "\x7f", "x\x0by", "\x1f"]
RAW_ESCAPES = ["%ED%A0%80", "%FF", "%C0%80", "a%00b", "%ED%BF%BF"]  # as sent
SURROGATES = ["\ud800", "x\udfffy"]  # a JSON body's \uXXXX escapes

# Meaning: each view or form judges them; never a 500.
VALUES = [
    "x" * 10_001,
    "1e999",
    "١٢",  # Arabic-Indic digits: Python's int() takes them
    "--1",
    "NaN",
    "-1",
    "99999999999999999999",
    "Infinity",
    "1.5",
    "",
    "9999-12-31",
    "99999-01-01",
    "2024-13-45",
    "0000-00-00",
    "2024-02-30T25:61:00+99:00",
    "99999",
    "😀👍🏽",
    "' OR 1=1 --",
]
PATH_VALUES = ["99999999999999999999", "x" * 10_001, "-1", "١٢"]
# Requests of meaning values per method on a page the role can use; each
# carries VALUES spread over the parameters (offset per URL and request), so
# every parameter meets several values and every value many parameters.
VALUE_REQUESTS = 6
# On a page the role is turned away from (sign-in, 403): the view never runs.
VALUE_REQUESTS_TURNED_AWAY = 1
LINKS_PER_PAGE = 3

# Names views read that no link or form of theirs may show.
GENERIC_QUERY = [
    "q", "page", "per_page", "page_size", "sort", "ordering", "o", "status",
    "market", "since", "year", "month", "day", "next", "token", "show",
    "variant", "select", "offers", "grade", "cancelled", "brand", "category",
    "price_min", "price_max", "storage", "battery", "in_stock", "e", "p",
]  # fmt: skip
GENERIC_POST = [
    "next", "reason", "body", "message", "carrier", "tracking_number", "remedy",
    "refund_amount", "problem", "outcome", "market", "instructions", "details",
    "description", "quantity", "selected", "total_seen", "action", "email",
]  # fmt: skip

# Which seeded story fills the arguments of a URL, by its name; others get
# the "delivered" story and the plain values below.
STORY_OF_URL = {
    "order-delivery-confirm": "in_transit",
    "order-cancel": "to_ship",
    "order-return": "return_requested",
    "order-return-sent-back": "return_requested",
    "order-return-withdraw": "return_requested",
    "order-claim": "claim_answered",
    "order-claim-accept": "claim_answered",
    "order-claim-escalate": "claim_answered",
    "seller:order": "to_ship",
    "seller:order-accept": "to_ship",
    "seller:order-ship": "to_ship",
    "seller:order-cancel": "to_ship",
    "seller:order-deliver": "in_transit",
    "seller:claim": "claim_waiting",
    "seller:claim-answer": "claim_waiting",
    "seller:return": "return_requested",
    "seller:return-authorise": "return_requested",
    "seller:return-received": "return_sent_back",
    "api-seller-order-detail": "to_ship",
    "api-seller-order-accept": "to_ship",
    "api-seller-order-ship": "to_ship",
    "api-seller-order-cancel": "to_ship",
    "api-seller-claim-detail": "claim_waiting",
    "api-seller-claim-answer": "claim_waiting",
}


@dataclass
class World:
    users: dict[str, object]
    api_key: str
    stories: dict[str, dict[str, str]]
    values: dict[str, str]
    admin_objects: dict[str, str]

    def arguments(self, route: Route) -> dict[str, str]:
        values = dict(self.values)
        values.update(self.stories["delivered"])
        values.update(self.stories[STORY_OF_URL.get(route.name, "delivered")])
        if route.name.startswith("admin:"):
            model = route.name.removeprefix("admin:").rsplit("_", 1)[0]
            if model in self.admin_objects:
                values["object_id"] = values["id"] = self.admin_objects[model]
        if route.name.startswith("seller:listing-photo"):
            values["photo_id"] = values["listing_photo_id"]
        if route.name.startswith("api-catalog-model"):
            values["id"] = values["model_slug"]
        return values


def _story(seller_order, **extra) -> dict[str, str]:
    line = seller_order.lines.order_by("pk").first()
    warranty = Warranty.objects.filter(line=line).first()
    values = {
        "reference": seller_order.order.reference,
        "seller_order_id": seller_order.pk,
        "line_id": line.pk,
        **({"warranty_id": warranty.pk} if warranty else {}),
        **extra,
    }
    return {name: str(value) for name, value in values.items()}


def world_build() -> World:
    """The demo data, and what it lacks for a path to name: photos on a
    listing, a claim and a message, an import, an invitation, a member, a
    checkout waiting for its test payment."""
    demo_seed(listings=300)
    users = get_user_model().objects
    shopper = users.get(username=SHOPPER)
    seller = users.get(username=ACTIVE_SELLER)
    qa = users.get(username="qa")
    refurbisher = Membership.objects.get(user=seller).refurbisher
    sold = refurbisher.seller_orders.filter(order__user=shopper).order_by("pk")
    delivered = sold.filter(
        status=SellerOrderStatus.DELIVERED, claims__isnull=True, returns__isnull=True
    )
    recent, older = delivered.order_by("-delivered_at")[:2]
    claim_waiting = WarrantyClaim.objects.filter(
        refurbisher=refurbisher, status=ClaimStatus.OPEN
    ).first()
    claim_answered = WarrantyClaim.objects.filter(
        refurbisher=refurbisher, status=ClaimStatus.ANSWERED
    ).first()
    returns = {
        status: refurbisher.seller_orders.filter(returns__status=status)
        .first()
        .returns.get()
        for status in (ReturnStatus.REQUESTED, ReturnStatus.SENT_BACK)
    }
    photo = jpeg_with_gps()
    message = message_send(
        seller_order=recent, author="shopper", sender=shopper, body="See the box.",
        image=upload(photo),
    )  # fmt: skip
    claim = claim_file(
        warranty=Warranty.objects.filter(line__seller_order=older).first(),
        problem=ClaimProblem.BATTERY,
        description="The battery drains in an hour since last week.",
        photos=[upload(photo)],
        actor=shopper,
    )
    listing = (
        Listing.objects.filter(
            refurbisher=refurbisher,
            stock__gte=3,
            offers__market="US",
            offers__is_purchasable=True,
        )
        .order_by("pk")
        .first()
    )
    (listing_photo,) = listing_photos_add(listing=listing, uploads=[upload(photo)])
    listing_import = listing_import_upload(
        refurbisher=refurbisher, user=seller,
        upload=upload(b"sku,variant,grade,stock,price_US\nX-1,0,Z,-1,abc\n",
                      "listings.csv", "text/csv"),
    )  # fmt: skip
    invitation = invitation_create(
        refurbisher=refurbisher, actor=seller, email="newcomer@example.com"
    )
    member = user_make()
    membership = invitation_accept(
        token=invitation_create(
            refurbisher=refurbisher, actor=seller, email=member.email
        ).token,
        user=member,
    )
    waiting = checkout_start(
        lines=[CheckoutLine(listing.offers.get(market="US").pk, 1)],
        email=shopper.email, address=ADDRESS, market="US", user=shopper,
    )  # fmt: skip
    checkout_pay(waiting, "http://testserver")
    waiting.refresh_from_db()
    variant = listing.variant
    stories = {
        "to_ship": _story(sold.filter(status=SellerOrderStatus.PAID).first()),
        "in_transit": _story(sold.filter(status=SellerOrderStatus.SHIPPED).first()),
        "delivered": _story(recent),
        "claim_waiting": _story(claim_waiting.seller_order, claim_id=claim_waiting.pk),
        "claim_answered": _story(
            claim_answered.seller_order, claim_id=claim_answered.pk
        ),
        "return_requested": _story(
            returns[ReturnStatus.REQUESTED].seller_order,
            pk=returns[ReturnStatus.REQUESTED].pk,
        ),
        "return_sent_back": _story(
            returns[ReturnStatus.SENT_BACK].seller_order,
            pk=returns[ReturnStatus.SENT_BACK].pk,
        ),
    }
    stories["delivered"]["claim_id"] = str(claim.pk)
    values = {
        "message_id": message.pk,
        "photo_id": claim.photos.get().pk,
        "listing_id": listing.pk,
        "import_id": listing_import.pk,
        "token_id": refurbisher.api_tokens.first().pk,
        "payout_id": refurbisher.payouts.first().pk,
        "review_id": recent.review.pk if hasattr(recent, "review") else 1,
        "invitation_id": invitation.pk,
        "membership_id": membership.pk,
        "document_id": ApplicationDocument.objects.filter(
            application__refurbisher__memberships__user__username=APPLICANT
        )
        .first()
        .pk,
        "session_id": waiting.payment_session_id,
        "slug": refurbisher.slug,
        "category_slug": variant.device_model.category.slug,
        "model_slug": variant.device_model.slug,
        "kind": "phone",
        "colour": "333333",
        "section": "grades",
        "size": "thumb",
        "pk": variant.pk,
        "id": variant.pk,
        "app_label": "listings",
        "url": "nothing-here/",
        "content_type_id": ContentType.objects.get_for_model(Listing).pk,
        "object_id": listing.pk,
    }
    # A listing photo's path names the listing and the photo.
    values["listing_photo_id"] = listing_photo.pk
    admin_objects = {
        f"{model._meta.app_label}_{model._meta.model_name}": str(
            model._default_manager.order_by("pk").values_list("pk", flat=True).first()
        )
        for model in admin.site._registry
    }
    return World(
        users={"anonymous": None, "shopper": shopper, "seller": seller, "qa": qa},
        api_key=seller_key_make(refurbisher).key,
        stories=stories,
        values={name: str(value) for name, value in values.items()},
        admin_objects=admin_objects,
    )


# --- Requests ---------------------------------------------------------------


@dataclass
class Sweep:
    client: Client
    cookies: object
    api_headers: dict[str, str]
    failures: list[str] = field(default_factory=list)
    requests: int = 0

    def send(self, method: str, path: str, **kwargs):
        """One request in a savepoint rolled back after it, as the role."""
        self.client.cookies = copy.deepcopy(self.cookies)
        if path.startswith("/api/"):
            kwargs = {**self.api_headers, **kwargs}
        self.requests += 1
        with transaction.atomic():
            response = getattr(self.client, method)(path, **kwargs)
            transaction.set_rollback(True)
        return response

    def check(self, response, what: str, *, expect: int | None = None) -> None:
        status = response.status_code
        # 503 is the health check's "a service is down" (no Celery worker here).
        if (status >= 500 and status != 503) or (
            expect is not None and status != expect
        ):
            error = ""
            if getattr(response, "exc_info", None):
                kind, value, trace = response.exc_info
                frames = traceback.extract_tb(trace)
                ours = [f for f in frames if "site-packages" not in f.filename]
                where = ", ".join(
                    f"{frame.filename.rsplit('/', 2)[-1]}:{frame.lineno}"
                    for frame in [*ours[-2:], frames[-1]]
                )
                error = f": {kind.__name__}: {str(value)[:300]} at {where}"
            wanted = f" (wanted {expect})" if expect else ""
            self.failures.append(f"{status}{wanted} {what[:300]!r}{error}")


def _spread(names: list[str], values: list[str], turn: int) -> dict[str, str]:
    return {name: values[(index + turn) % len(values)] for index, name in
            enumerate(names)}  # fmt: skip


def _raw_query(names: list[str], escape: str) -> str:
    return "&".join(f"{quote(name)}={escape}" for name in names)


def _multipart(fields: dict[str, str], files: set[str], turn: int) -> dict:
    data = dict(fields)
    kinds = [
        (png_bomb(), "bomb.png", "image/png"),
        (jpeg_with_gps(), "photo.jpg", "image/jpeg"),
        (b"\xff\xd8\xff not really a jpeg", "junk.jpg", "image/jpeg"),
        (b"", "empty.csv", "text/csv"),
    ]
    for index, name in enumerate(sorted(files)):
        data[name] = upload(*kinds[(turn + index) % len(kinds)])
    return data


def _takes_forms(path: str) -> bool:
    """Whether a view answers at ``path`` and parses its forms (a CSRF-exempt
    view, such as the Stripe webhook, reads its body itself)."""
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return not getattr(match.func, "csrf_exempt", False)


def _turned_away(response) -> bool:
    """Whether the role was sent to sign in, refused, or told it is no member."""
    location = response.get("Location", "")
    templates = {template.name for template in response.templates}
    return (
        response.status_code in (401, 403)
        or "seller/not_member.html" in templates
        or (
            response.status_code == 302
            and ("/sign-in/" in location or "/admin/login/" in location)
        )
    )


# Pages of its own area each role must reach (a page it is turned away from
# does not count), so that the sweep cannot quietly test sign-in pages only.
# ("*": every area.)
REACHED_AT_LEAST = {
    "anonymous": {"*": 15},
    "shopper": {"orders": 8},
    "seller": {"seller": 25, "api": 10},
    "qa": {"admin": 60},
}


@pytest.fixture
def sweep_settings(settings, tmp_path, monkeypatch, caplog):
    settings.MEDIA_ROOT = tmp_path
    settings.STRIPE_SECRET_KEY = ""  # the offline test gateway
    settings.HEALTHZ_CELERY_TIMEOUT = 0.05  # no worker here: Celery is "down"
    monkeypatch.setattr(PerKeyThrottle, "THROTTLE_RATES", {"api_key": "100000/s"})
    monkeypatch.setattr(PerIpThrottle, "THROTTLE_RATES", {"api_ip": "100000/s"})
    # Thousands of 4xx would each be logged.
    caplog.set_level("CRITICAL", logger="django.request")
    caplog.set_level("CRITICAL", logger="marketplace.bad_input")
    caplog.set_level("CRITICAL", logger="django.security")


def _api_requests(sweep, path, operations, document, turn, reachable) -> None:
    matching = [op for op in operations if op.pattern.match(path)]
    names = sorted({name for op in matching for name in op.query} | {"page"})
    text = CHARACTERS[turn % len(CHARACTERS)]
    sweep.check(
        sweep.send("get", path, data={name: text for name in names}),
        f"GET {path} all={text!r}", expect=400,
    )  # fmt: skip
    raw = f"{path}?{_raw_query(names, RAW_ESCAPES[turn % len(RAW_ESCAPES)])}"
    sweep.check(sweep.send("get", raw), f"GET {raw[:200]}", expect=400)
    count = VALUE_REQUESTS if reachable else VALUE_REQUESTS_TURNED_AWAY
    for k in range(count):
        query = _spread(names, VALUES, turn + k)
        sweep.check(sweep.send("get", path, data=query), f"GET {path} {query}")
    for op in matching:
        if op.body is None:
            continue
        method = op.method
        bad = [*CHARACTERS[:2], *SURROGATES]
        for text in bad[turn % 2 :: 2]:
            body = json.dumps(schema_body(op.body, document, text))
            sweep.check(
                sweep.send(method, path, data=body, content_type="application/json"),
                f"{method} {path} {body[:200]}", expect=400,
            )  # fmt: skip
        for k in range(count):
            body = json.dumps(schema_body(op.body, document, VALUES[(turn + k) % len(
                VALUES)]))  # fmt: skip
            sweep.check(
                sweep.send(method, path, data=body, content_type="application/json"),
                f"{method} {path} {body[:200]}",
            )
        # Numbers as JSON numbers: one no float holds (Python reads 1e999 as
        # infinity), refused with the characters; a huge whole number, judged
        # by the view.
        for number, expect in (("1e999", 400), ("-99999999999999999999", None)):
            body = json.dumps(schema_body(op.body, document, "<n>")).replace(
                '"<n>"', number
            )
            sweep.check(
                sweep.send(method, path, data=body, content_type="application/json"),
                f"{method} {path} {body[:200]}",
                expect=expect,
            )


DATE_PARTS = ("year", "month", "day")


# Lookups any admin list takes on a field it filters by: the admin checks
# that the field may be filtered, not what the lookup sends to the database.
FIELD_LOOKUPS = [
    ("regex", "("), ("iregex", "[a-"), ("unaccent", "x"), ("trigram_similar", "x"),
    ("search", "x"), ("year", "99999"), ("month", "13"), ("in", "1,x,99999999999"),
    ("gt", "1e999"), ("isnull", "maybe"), ("date", "99999-01-01"),
    ("exact", "99999999999999999999"), ("range", "1,2,3"), ("contains", "\\"),
]  # fmt: skip


def _admin_lookups() -> dict[str, list[dict[str, str]]]:
    """Bad date drill-downs and filter lookups per admin list (by URL name)."""
    found = {}
    for model, model_admin in admin.site._registry.items():
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"
        fields = [
            entry[0] if isinstance(entry, (list, tuple)) else entry
            for entry in model_admin.list_filter
        ]
        fields = [name for name in fields if isinstance(name, str)]
        # Each lookup once per list, on its filtered fields in turn.
        combos = [
            {f"{fields[index % len(fields)]}__{lookup}": value}
            for index, (lookup, value) in enumerate(FIELD_LOOKUPS)
            if fields
        ]
        field_name = model_admin.date_hierarchy
        if field_name:
            year, month, day = (f"{field_name}__{part}" for part in DATE_PARTS)
            combos += [
                {year: "99999"}, {year: "0"}, {year: "-1"}, {year: "١٢"},
                {year: "9999"}, {year: "9999", month: "12"},
                {year: "9999", month: "12", day: "31"}, {year: "2024", month: "13"},
                {year: "2024", month: "0"}, {year: "2024", month: "2", day: "30"},
                {year: "2024", month: "1", day: "32"},
                {year: "1", month: "1", day: "1"},
                {year: "2024", day: "99999999999999999999"},
                {month: "12"}, {day: "1e999"},
                {f"{field_name}__gte": "99999-01-01",
                 f"{field_name}__lt": "0000-00-00"},
            ]  # fmt: skip
        if combos:
            found[name] = combos
    return found


@pytest.mark.parametrize("role", ROLES)
def test_no_url_answers_500_to_bad_characters_or_values(role, sweep_settings):
    world = world_build()
    client = Client(raise_request_exception=False)
    user = world.users[role]
    if user is not None:
        # Signed in with the second factor passed: QA reaches the admin, a
        # seller owner its payout account and API keys.
        sign_in_verified(client, user)
    sweep = Sweep(
        client=client,
        cookies=copy.deepcopy(client.cookies),
        api_headers={"HTTP_AUTHORIZATION": f"Bearer {world.api_key}"}
        if role == "seller"
        else {},
    )
    routes = url_routes()
    operations, document = schema_operations()
    admin_lookups = _admin_lookups()

    # 1. Every page as it is: its links, its GET parameters, its POST forms.
    pages = {}
    posts: dict[str, dict[str, str]] = defaultdict(dict)
    files: dict[str, set[str]] = defaultdict(set)
    for route in routes:
        path = route.path(world.arguments(route))
        response = sweep.send("get", path)
        sweep.check(response, f"GET {path}")
        html = ""
        if response.get("Content-Type", "").startswith("text/html"):
            html = response.content.decode(errors="replace")
        forms = page_forms("http://testserver" + path, html)
        pages[route] = (path, response, forms)
        for form in forms.forms:
            if form.method == "post":
                action = urlsplit(form.action).path
                posts[action].update(form.fields)
                files[action] |= form.files
    assert len(pages) == len(routes) > 200
    reached = Counter(
        path.split("/")[1] if path.count("/") > 1 else ""
        for path, response, _ in pages.values()
        if response.status_code == 200 and not _turned_away(response)
    )
    reached["*"] = sum(reached.values())
    for area, least in REACHED_AT_LEAST[role].items():
        assert reached[area] >= least, (role, area, reached)

    for turn, route in enumerate(routes):
        path, first, forms = pages[route]
        reachable = not _turned_away(first)
        # 2. The page's own links: legitimate values are never refused.
        for query in forms.same_page_queries()[:LINKS_PER_PAGE]:
            response = sweep.send("get", f"{path}?{query}")
            sweep.check(response, f"GET {path}?{query}")
            if response.status_code == 400:
                sweep.failures.append(f"400 for a link of the page: {path}?{query}")
        # The path's own arguments.
        if route.arguments:
            bad = {name: CHARACTERS[turn % len(CHARACTERS)] for name in route.arguments}
            bad_path = route.path(bad)
            sweep.check(sweep.send("get", bad_path), f"GET {bad_path!r}", expect=400)
            for value in PATH_VALUES if reachable else PATH_VALUES[:1]:
                odd = route.path({name: value for name in route.arguments})
                sweep.check(sweep.send("get", odd), f"GET {odd[:200]}")
        if path.startswith("/api/"):
            _api_requests(sweep, path, operations, document, turn, reachable)
            continue
        # 3. Query strings.
        names = sorted(forms.query_names() | set(GENERIC_QUERY))
        text = CHARACTERS[turn % len(CHARACTERS)]
        sweep.check(
            sweep.send("get", path, data={name: text for name in names}),
            f"GET {path} all={text!r}", expect=400,
        )  # fmt: skip
        escape = RAW_ESCAPES[turn % len(RAW_ESCAPES)]
        raw = f"{path}?{_raw_query(names, escape)}"
        sweep.check(sweep.send("get", raw), f"GET {raw[:200]}", expect=400)
        count = VALUE_REQUESTS if reachable else VALUE_REQUESTS_TURNED_AWAY
        for k in range(count):
            query = _spread(names, VALUES, turn + k)
            sweep.check(sweep.send("get", path, data=query), f"GET {path} {query}")
        for combo in admin_lookups.get(route.name, []) if reachable else []:
            sweep.check(sweep.send("get", path, data=combo), f"GET {path} {combo}")
        # 4. Forms posted to this path.
        fields = sorted(set(posts.get(path, {})) | set(GENERIC_POST))
        file_fields = files.get(path, set())
        sweep.check(
            sweep.send(
                "post", path, data=urlencode({name: text for name in fields}),
                content_type="application/x-www-form-urlencoded",
            ),
            f"POST {path} urlencoded all={text!r}", expect=400,
        )  # fmt: skip
        sweep.check(
            sweep.send(
                "post", path, data=_raw_query(fields, escape),
                content_type="application/x-www-form-urlencoded",
            ),
            f"POST {path} urlencoded all={escape}", expect=400,
        )  # fmt: skip
        other = CHARACTERS[(turn + 1) % len(CHARACTERS)]
        sweep.check(
            sweep.send(
                "post", path,
                data=_multipart({name: other for name in fields}, file_fields, turn),
            ),
            f"POST {path} multipart all={other!r}",
            expect=400 if _takes_forms(path) else None,
        )  # fmt: skip
        defaults = posts.get(path, {})
        for k in range(count if defaults else VALUE_REQUESTS_TURNED_AWAY):
            # The form as the page filled it, a third of its fields bad: the
            # rest passes, so the bad ones reach the checks behind the first.
            junk = _spread(fields, VALUES, turn + k)
            data = {
                name: junk[name] if index % 3 == k % 3 or name not in defaults
                else defaults[name]
                for index, name in enumerate(fields)
            }  # fmt: skip
            sweep.check(
                sweep.send("post", path, data=_multipart(data, file_fields, turn + k)),
                f"POST {path} {data}",
            )

    print(f"{role}: {len(routes)} URL patterns, {sweep.requests} requests, {reached}")
    assert not sweep.failures, f"{len(sweep.failures)} failures:\n" + "\n".join(
        sweep.failures[:80]
    )
