"""Two-factor authentication: set-up, the sign-in code step, recovery codes, admin.

Codes are computed from the device's key as an authenticator app would
(tests/support/second_factor.py) and typed into the real pages.
"""

from __future__ import annotations

import re
import time

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from marketplace.accounts.models import SecurityEvent, SecurityEventKind
from tests.support.refurbisher_builders import PASSWORD, user_make
from tests.support.second_factor import second_factor_give, totp_code

pytestmark = pytest.mark.django_db
SIGN_IN = reverse("accounts:login")
CODE = reverse("accounts:sign-in-code")
SETUP = reverse("accounts:two-factor-setup")
VERIFY = reverse("accounts:two-factor-verify")


def _verified(client) -> bool:
    user = client.get("/").wsgi_request.user
    return user.is_authenticated and user.is_verified()


class TestSetUp:
    def test_a_person_turns_it_on_with_a_code_from_the_app_and_gets_recovery_codes(
        self, client
    ):
        user = user_make()
        client.force_login(user)
        page = client.get(reverse("accounts:security")).content.decode()
        assert "Off." in page

        client.post(SETUP, {"start": "1"})
        setup = client.get(SETUP).content.decode()
        assert "<svg" in setup and "QR code to scan" in setup
        device = TOTPDevice.objects.get(user=user, confirmed=False)
        secret = re.search(r"data-secret>([A-Z2-7 ]+)<", setup).group(1)
        assert len(secret.replace(" ", "")) == 32
        wrong = client.post(SETUP, {"code": "123456"})
        assert wrong.status_code == 400
        assert "not right" in wrong.content.decode()
        too_soon = client.post(SETUP, {"code": totp_code(device)})
        assert "wait 1 second," in too_soon.content.decode()
        time.sleep(1.1)  # django-otp: after a failure, the next try waits 1 s

        done = client.post(SETUP, {"code": totp_code(device)})

        assert done.status_code == 200
        assert "no-store" in done["Cache-Control"]
        codes = re.findall(
            r"<li><code>([a-z2-7]{8})</code></li>", done.content.decode()
        )
        assert len(codes) == 10
        device.refresh_from_db()
        assert device.confirmed
        assert _verified(client)
        assert SecurityEvent.objects.filter(
            user=user, kind=SecurityEventKind.TWO_FACTOR_ON
        ).exists()
        page = client.get(reverse("accounts:security")).content.decode()
        assert "On." in page and "10 recovery codes left." in page

    def test_new_recovery_codes_replace_the_old_ones(self, client):
        user = user_make()
        _, old_codes = second_factor_give(user)
        client.force_login(user)
        client.post(VERIFY, {"code": old_codes[0]})

        response = client.post(reverse("accounts:recovery-codes-new"))

        new_codes = re.findall(r"<code>([a-z2-7]{8})</code>", response.content.decode())
        assert len(new_codes) == 10
        assert set(StaticToken.objects.values_list("token", flat=True)) == set(
            new_codes
        )

    def test_turning_it_off_needs_the_password(self, client):
        user = user_make()
        device, _ = second_factor_give(user)
        client.force_login(user)
        client.post(VERIFY, {"code": totp_code(device)})

        wrong = client.post(reverse("accounts:two-factor-off"), {"password": "nope"})
        assert wrong.status_code == 400
        assert TOTPDevice.objects.filter(user=user).exists()

        client.post(reverse("accounts:two-factor-off"), {"password": PASSWORD})
        assert not TOTPDevice.objects.filter(user=user).exists()
        assert not StaticToken.objects.filter(device__user=user).exists()


class TestSignIn:
    def test_the_password_alone_does_not_sign_in_an_account_with_two_factor(
        self, client
    ):
        user = user_make(email="ana@example.com")
        second_factor_give(user)

        response = client.post(
            SIGN_IN, {"username": user.email, "password": PASSWORD, "next": "/cart/"}
        )

        assert response["Location"] == CODE
        assert not client.get("/").wsgi_request.user.is_authenticated
        wrong = client.post(CODE, {"code": "000000"})
        assert wrong.status_code == 400
        assert "not right" in wrong.content.decode()
        assert not client.get("/").wsgi_request.user.is_authenticated

    def test_the_code_from_the_app_signs_in_verified_and_goes_on(self, client):
        user = user_make(email="ana@example.com")
        device, _ = second_factor_give(user)
        client.post(
            SIGN_IN, {"username": user.email, "password": PASSWORD, "next": "/cart/"}
        )

        response = client.post(CODE, {"code": totp_code(device)})

        assert response["Location"] == "/cart/"
        assert _verified(client)

    def test_a_code_already_used_is_refused(self, client):
        user = user_make(email="ana@example.com")
        device, _ = second_factor_give(user)
        code = totp_code(device)
        first = Client()
        first.post(SIGN_IN, {"username": user.email, "password": PASSWORD})
        assert first.post(CODE, {"code": code}).status_code == 302

        client.post(SIGN_IN, {"username": user.email, "password": PASSWORD})
        again = client.post(CODE, {"code": code})

        assert again.status_code == 400

    def test_a_recovery_code_signs_in_once(self, client):
        user = user_make(email="ana@example.com")
        _, codes = second_factor_give(user)
        client.post(SIGN_IN, {"username": user.email, "password": PASSWORD})

        response = client.post(CODE, {"code": codes[3].upper()})

        assert response.status_code == 302
        assert _verified(client)
        assert StaticToken.objects.filter(device__user=user).count() == 9
        assert SecurityEvent.objects.filter(
            user=user, kind=SecurityEventKind.RECOVERY_CODE_USED
        ).exists()
        other = Client()
        other.post(SIGN_IN, {"username": user.email, "password": PASSWORD})
        assert other.post(CODE, {"code": codes[3]}).status_code == 400

    def test_the_code_page_without_a_password_first_goes_back_to_sign_in(self, client):
        response = client.post(CODE, {"code": "123456"})
        assert response["Location"] == SIGN_IN


class TestAdmin:
    def test_staff_without_a_second_factor_are_sent_to_set_it_up_then_let_in(
        self, client
    ):
        staff = user_make(is_staff=True, is_superuser=True)
        client.post(SIGN_IN, {"username": staff.email, "password": PASSWORD})

        to_login = client.get("/admin/orders/order/")
        to_setup = client.get(to_login["Location"])
        assert to_setup["Location"].startswith(SETUP)
        assert "next=%2Fadmin%2Forders%2Forder%2F" in to_setup["Location"]
        client.post(SETUP, {"start": "1"})
        device = TOTPDevice.objects.get(user=staff)
        done = client.post(
            to_setup["Location"],
            {"code": totp_code(device), "next": "/admin/orders/order/"},
        )
        assert 'href="/admin/orders/order/"' in done.content.decode()

        assert client.get("/admin/orders/order/").status_code == 200

    def test_staff_signed_in_without_the_code_are_asked_for_it(self, client):
        staff = user_make(is_staff=True, is_superuser=True)
        device, _ = second_factor_give(staff)
        client.force_login(staff)

        to_login = client.get("/admin/")
        to_code = client.get(to_login["Location"])
        assert to_code["Location"].startswith(VERIFY)
        assert client.get("/admin/").status_code == 302

        client.post(VERIFY, {"code": totp_code(device), "next": "/admin/"})

        assert client.get("/admin/").status_code == 200

    def test_staff_with_an_app_sign_in_with_the_code_straight_into_the_admin(
        self, client
    ):
        staff = user_make(email="qa@example.com", is_staff=True, is_superuser=True)
        device, _ = second_factor_give(staff)

        client.post(
            SIGN_IN, {"username": staff.email, "password": PASSWORD, "next": "/admin/"}
        )
        response = client.post(CODE, {"code": totp_code(device)})

        assert response["Location"] == "/admin/"
        assert client.get("/admin/").status_code == 200

    def test_someone_who_is_not_staff_is_told_the_admin_is_not_for_them(self, client):
        client.force_login(user_make())

        response = client.get("/admin/", follow=True)

        assert response.status_code == 403
        assert "not a staff account" in response.content.decode()
