"""Filter fields every API list shares."""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.utils.translation import gettext
from django_filters.fields import IsoDateTimeField


class MomentField(IsoDateTimeField):
    """An ISO 8601 moment, sent on in UTC: PostgreSQL refuses offsets beyond
    15:59 that Python accepts, which must be a 400, not a database error."""

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            return moment.astimezone(dt.UTC)
        except OverflowError:  # the first or last moments of year 1 or 9999
            raise forms.ValidationError(
                gettext("Give a moment such as 2026-11-27T09:30:00+01:00."),
                code="invalid",
            ) from None


class MomentFilter(django_filters.IsoDateTimeFilter):
    field_class = MomentField
