"""Seller API keys: ``Authorization: Bearer rmk_<prefix>_<secret>``.

A key is found by its prefix and checked against its stored SHA-256 in
constant time. It acts as its refurbisher: ``request.auth`` is the
``ApiToken``, ``request.refurbisher`` its refurbisher, and ``request.user``
the member who created it (for audit rows). A key stops working (401, with
the reason) when that member's account is deleted or deactivated or they no
longer work for the refurbisher, and every key of a suspended refurbisher is
refused (403, with QA's reason). Session sign-ins do not reach the seller
API: a key does. Named in the ``REST_FRAMEWORK`` setting (authentication and
default permission); the key's format is ``refurbishers.api_keys``.
"""

from __future__ import annotations

import hmac

from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext, gettext_lazy
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.settings import spectacular_settings
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from marketplace.api.permissions import ApiKeyRequired
from refurbishers.api_keys import key_hash, key_prefix
from refurbishers.models import ApiToken, RefurbisherStatus
from refurbishers.selectors import suspension_reason
from refurbishers.services.api_tokens import api_token_used

INVALID = gettext_lazy("This API key is not valid.")


class ApiTokenAuthentication(BaseAuthentication):
    keyword = b"bearer"

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                gettext(
                    "Send the key as 'Authorization: Bearer rmk_…', with no spaces "
                    "in it."
                )
            )
        try:
            key = header[1].decode()
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(
                gettext("This API key is not valid.")
            ) from None
        prefix = key_prefix(key)
        token = (
            ApiToken.objects.select_related("refurbisher", "created_by__membership")
            .filter(prefix=prefix)
            .first()
            if prefix
            else None
        )
        if token is None or not hmac.compare_digest(token.key_hash, key_hash(key)):
            raise exceptions.AuthenticationFailed(INVALID)
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(gettext("This API key was revoked."))
        _maker_check(token)
        _seller_check(token)
        api_token_used(token=token)
        request._request.refurbisher = token.refurbisher
        return token.created_by, token

    def authenticate_header(self, request) -> str:
        # Makes DRF answer 401 (with this challenge), not 403, without a key.
        return 'Bearer realm="ReMarket seller API"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """Documents the seller key for drf-spectacular (else every view warns).

    Registered when this module is imported, which DRF does when it loads the
    authentication classes of the ``REST_FRAMEWORK`` setting.
    """

    target_class = ApiTokenAuthentication
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "rmk_…"}

    def get_security_requirement(self, auto_schema):
        # The SECURITY setting already names the key on every operation.
        requirement = {self.name: []}
        return None if requirement in spectacular_settings.SECURITY else requirement


def _maker_check(token: ApiToken) -> None:
    """Refuse a key whose maker no longer acts for its refurbisher (401).

    A key acts as the member who made it (its audit rows name them): it
    stops when their account is gone or deactivated, or when they no longer
    work for the refurbisher, however that happened (removed from the team
    in the dashboard or in the admin).
    """
    maker = token.created_by
    if maker is None:
        raise exceptions.AuthenticationFailed(
            gettext(
                "This API key no longer works: the account of the member who made "
                "it was deleted. An owner can make a new key in the dashboard."
            )
        )
    if not maker.is_active:
        raise exceptions.AuthenticationFailed(
            gettext(
                "This API key no longer works: the account of the member who made "
                "it was deactivated. An owner can make a new key in the dashboard."
            )
        )
    try:
        membership = maker.membership
    except ObjectDoesNotExist:
        membership = None
    if membership is None or membership.refurbisher_id != token.refurbisher_id:
        raise exceptions.AuthenticationFailed(
            gettext(
                "This API key no longer works: the member who made it no longer "
                "works for %(name)s. An owner can make a new key in the dashboard."
            )
            % {"name": token.refurbisher.name}
        )


def _seller_check(token: ApiToken) -> None:
    """Refuse every key of a suspended refurbisher, with QA's reason (403)."""
    refurbisher = token.refurbisher
    if refurbisher.status != RefurbisherStatus.SUSPENDED:
        return
    raise exceptions.PermissionDenied(
        gettext(
            "%(name)s is suspended by ReMarket, so its API keys are refused until "
            "it is reinstated. Reason: %(reason)s"
        )
        % {
            "name": refurbisher.name,
            "reason": suspension_reason(refurbisher) or gettext("none given"),
        }
    )


class IsSellerToken(ApiKeyRequired):
    """Only a live seller API key (not a session, not staff) passes."""

    message = gettext_lazy("Send a seller API key: 'Authorization: Bearer rmk_…'.")

    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, ApiToken)
