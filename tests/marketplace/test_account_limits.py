"""Limits on accounts: sign-in lockouts (site and admin) and account emails.

Real requests through the test client, from the addresses a connection would
have (``REMOTE_ADDR``); lockouts counted by django-axes in the database, email
limits by django-ratelimit in the Redis cache; expiry waited for in real time
with short settings.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client, RequestFactory
from django.urls import reverse
from django_ratelimit.core import get_usage

from tests.support.refurbisher_builders import PASSWORD, user_make
from tests.support.second_factor import second_factor_give, totp_code

pytestmark = pytest.mark.django_db
SIGN_IN = reverse("accounts:login")
STRONG = "plum-orchard-kettle-93"


def _sign_in(client, email, password, address="203.0.113.7", **extra):
    return client.post(
        SIGN_IN, {"username": email, "password": password}, REMOTE_ADDR=address, **extra
    )


def _signed_in(client) -> bool:
    return client.get("/").wsgi_request.user.is_authenticated


class TestSignInLockout:
    def test_five_wrong_passwords_lock_the_account_with_a_page_saying_when(
        self, client
    ):
        user_make(email="ana@example.com")
        for _ in range(4):
            response = _sign_in(client, "ana@example.com", "wrong")
            assert response.status_code == 200
            assert "do not match" in response.content.decode()

        locked = _sign_in(client, "ana@example.com", "wrong")

        assert locked.status_code == 429
        page = locked.content.decode()
        assert "Too many attempts" in page
        assert "Try again in 15 minutes." in page
        assert 800 < int(locked["Retry-After"]) <= 900
        # The right password, even from another address, waits as well.
        again = _sign_in(Client(), "ANA@example.com", PASSWORD, address="198.51.100.9")
        assert again.status_code == 429
        assert not _signed_in(client)

    def test_five_failures_from_one_address_lock_that_address_only(self, client):
        for number in range(5):
            _sign_in(client, f"guess{number}@example.com", "wrong")
        user = user_make(email="bo@example.com")

        from_there = _sign_in(Client(), user.email, PASSWORD)
        assert from_there.status_code == 429

        elsewhere = Client()
        response = _sign_in(elsewhere, user.email, PASSWORD, address="198.51.100.9")
        assert response.status_code == 302
        assert _signed_in(elsewhere)

    def test_a_forged_forwarded_for_does_not_escape_the_address_lock(self, client):
        for number in range(5):
            _sign_in(
                client, f"guess{number}@example.com", "wrong",
                HTTP_X_FORWARDED_FOR=f"192.0.2.{number}",
            )  # fmt: skip
        user = user_make(email="bo@example.com")

        response = _sign_in(
            Client(), user.email, PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.200"
        )

        assert response.status_code == 429

    def test_behind_a_trusted_proxy_the_address_it_saw_is_counted(
        self, client, settings
    ):
        settings.API_TRUSTED_PROXIES = 1
        for number in range(5):
            # The proxy (203.0.113.7) appends the client it saw; the client may
            # have written anything before it.
            _sign_in(
                client, f"guess{number}@example.com", "wrong",
                HTTP_X_FORWARDED_FOR=f"10.9.9.{number}, 192.0.2.50",
            )  # fmt: skip
        user = user_make(email="bo@example.com")

        same_client = _sign_in(
            Client(), user.email, PASSWORD,
            HTTP_X_FORWARDED_FOR="10.1.1.1, 192.0.2.50",
        )  # fmt: skip
        other_client = _sign_in(
            Client(), user.email, PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.51"
        )

        assert same_client.status_code == 429
        assert other_client.status_code == 302

    def test_the_lockout_ends_by_itself(self, client, settings):
        settings.AXES_COOLOFF_TIME = timedelta(seconds=2)
        user = user_make(email="ana@example.com")
        for _ in range(5):
            _sign_in(client, user.email, "wrong")
        locked = _sign_in(client, user.email, PASSWORD)
        assert locked.status_code == 429
        assert "Try again in 1 minute." in locked.content.decode()

        time.sleep(2.2)
        response = _sign_in(client, user.email, PASSWORD)

        assert response.status_code == 302
        assert _signed_in(client)

    def test_trying_during_the_lockout_does_not_push_its_end(self, client, settings):
        settings.AXES_COOLOFF_TIME = timedelta(seconds=3)
        user = user_make(email="ana@example.com")
        for _ in range(5):
            _sign_in(client, user.email, "wrong")
        started = time.monotonic()
        while time.monotonic() - started < 2:
            assert _sign_in(client, user.email, "wrong").status_code == 429
            time.sleep(0.5)

        time.sleep(max(0, 3.2 - (time.monotonic() - started)))

        assert _sign_in(client, user.email, PASSWORD).status_code == 302

    def test_wrong_second_factor_codes_count_and_lock_like_passwords(self, client):
        user = user_make(email="ana@example.com")
        device, _ = second_factor_give(user)
        assert _sign_in(client, user.email, PASSWORD)["Location"] == reverse(
            "accounts:sign-in-code"
        )
        code_page = reverse("accounts:sign-in-code")
        responses = []
        for _ in range(4):
            responses.append(
                client.post(code_page, {"code": "000000"}, REMOTE_ADDR="203.0.113.7")
            )
            # django-otp makes each next try wait longer (1 s, 2 s, 4 s...):
            # a quick retry is refused without counting, so wait it out.
            device.refresh_from_db()
            time.sleep(2 ** (device.throttling_failure_count - 1) + 0.05)
        assert [r.status_code for r in responses] == [400] * 4

        locked = client.post(code_page, {"code": "000000"}, REMOTE_ADDR="203.0.113.7")
        assert locked.status_code == 429
        # The right code no longer helps until the lockout ends.
        right = client.post(
            code_page, {"code": totp_code(device)}, REMOTE_ADDR="203.0.113.7"
        )
        assert right.status_code == 429
        assert not _signed_in(client)


class TestAdminSignIn:
    def test_the_admin_sends_to_the_sites_sign_in_and_takes_no_password(self, client):
        staff = user_make(email="qa@example.com", is_staff=True, is_superuser=True)

        page = client.get("/admin/")
        assert page.status_code == 302
        login = client.get(page["Location"])
        assert login.status_code == 302
        assert login["Location"].startswith(SIGN_IN)
        assert "next=/admin/" in login["Location"]
        posted = client.post(
            "/admin/login/?next=/admin/",
            {"username": staff.email, "password": PASSWORD},
        )
        assert posted["Location"].startswith(SIGN_IN)
        assert not _signed_in(client)

    def test_the_admin_lockout_is_the_sign_in_lockout(self, client):
        staff = user_make(email="qa@example.com", is_staff=True, is_superuser=True)
        for _ in range(5):
            client.post(
                f"{SIGN_IN}?next=/admin/",
                {"username": staff.email, "password": "wrong", "next": "/admin/"},
            )

        response = client.post(
            f"{SIGN_IN}?next=/admin/",
            {"username": staff.email, "password": PASSWORD, "next": "/admin/"},
        )

        assert response.status_code == 429
        assert client.get("/admin/").status_code == 302


class TestAccountEmailLimits:
    def _signup(self, client, email, address="203.0.113.7"):
        return client.post(
            reverse("accounts:signup"),
            {"email": email, "password": STRONG},
            REMOTE_ADDR=address,
        )

    def test_sign_ups_for_one_address_stop_after_three_an_hour(
        self, client, django_capture_on_commit_callbacks
    ):
        for number in range(3):
            with django_capture_on_commit_callbacks(execute=True):
                response = self._signup(
                    Client(), "ana@example.com", address=f"198.51.100.{number}"
                )
            assert response.status_code == 302

        refused = self._signup(client, "ana@example.com", address="198.51.100.99")

        assert refused.status_code == 200
        page = refused.content.decode()
        assert "We already sent several emails to this address." in page
        assert "Try again in" in page
        assert 'value="ana@example.com"' in page
        assert len(mail.outbox) == 3

    def test_sign_ups_from_one_network_stop_at_its_rate(self, client, settings):
        settings.ACCOUNT_EMAIL_RATE_PER_ADDRESS = "2/h"
        assert self._signup(client, "a@example.com").status_code == 302
        assert self._signup(Client(), "b@example.com").status_code == 302

        refused = self._signup(Client(), "c@example.com")

        assert "Too many requests came from your network." in refused.content.decode()
        assert (
            self._signup(Client(), "c@example.com", address="198.51.100.1").status_code
            == 302
        )

    def test_an_email_limit_ends_with_its_window(self, client, settings):
        settings.ACCOUNT_EMAIL_RATE_PER_EMAIL = "1/4s"
        # Windows are fixed 4-second slices (django-ratelimit counts whole
        # seconds; ``time_left`` is how many whole seconds follow this one).
        # Start just after one begins, so both sign-ups below fall in it.
        time_left = get_usage(
            RequestFactory().post("/"), group="accounts.signup.email",
            key=lambda _group, _request: "ana@example.com", rate="1/4s",
            increment=False,
        )["time_left"]  # fmt: skip
        now = time.time()
        time.sleep(max(0.0, int(now) + time_left + 1 - now) + 0.05)
        assert self._signup(client, "ana@example.com").status_code == 302
        refused = self._signup(Client(), "ana@example.com")
        assert refused.status_code == 200
        assert "Try again in 1 minute." in refused.content.decode()

        time.sleep(4.1)

        assert self._signup(Client(), "ana@example.com").status_code == 302

    def test_password_resets_for_one_address_stop_after_three_an_hour(
        self, client, django_capture_on_commit_callbacks
    ):
        user_make(email="ana@example.com")
        url = reverse("accounts:password-reset")
        for _ in range(3):
            with django_capture_on_commit_callbacks(execute=True):
                assert client.post(url, {"email": "ana@example.com"}).status_code == 302

        refused = client.post(url, {"email": "ANA@example.com"})

        assert refused.status_code == 429
        assert "Try again in" in refused.content.decode()
        assert len(mail.outbox) == 3

    def test_new_confirmation_links_stop_after_three_an_hour(
        self, client, django_capture_on_commit_callbacks
    ):
        user = user_make(email="ana@example.com")
        client.force_login(user)
        url = reverse("accounts:confirm-resend")
        for _ in range(3):
            with django_capture_on_commit_callbacks(execute=True):
                client.post(url)
        assert len(mail.outbox) == 3

        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                url, {"next": reverse("accounts:security")}, follow=True
            )

        assert len(mail.outbox) == 3
        assert "We already sent several emails" in response.content.decode()
