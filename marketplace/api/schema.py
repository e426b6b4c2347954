"""The OpenAPI schema's shared parts: every operation documents the errors it
can answer with, in the one error shape (``marketplace.api.errors``)."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from marketplace.api.permissions import ApiKeyRequired


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text="Stable, for programs: validation_error, not_found, conflict…"
    )
    message = serializers.CharField(help_text="For people, in plain words.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="What was wrong per field; a bulk request's as rows.<i>.<field>.",
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


ERRORS = {
    "400": "The request is not valid: see error.fields.",
    "401": "No API key, or a key that is not valid or was revoked.",
    "404": "Not found, or not yours.",
    "405": "This method is not allowed here.",
    "406": "The Accept header asks for a format the API does not serve.",
    "409": "The marketplace's rules refuse this change in the object's current state.",
    "415": "The body's Content-Type is not JSON.",
    "429": "Too many requests: wait the Retry-After header's seconds.",
}
READ_ONLY = {"GET", "HEAD", "OPTIONS"}


class ApiAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        sellers_only = any(
            isinstance(permission, ApiKeyRequired)
            for permission in self.view.get_permissions()
        )
        for code, description in ERRORS.items():
            if code == "401" and not sellers_only:
                continue
            if code in {"409", "415"} and self.method in READ_ONLY:
                continue
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description=description), code,
                    direction=direction,
                )  # fmt: skip
        return responses
