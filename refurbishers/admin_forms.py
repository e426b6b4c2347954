"""Forms of QA's admin: the vetting criteria and the actions' intermediate pages.

The forms only check what was typed; every change goes through a service in
``refurbishers.services``, which checks the rules again.
"""

from __future__ import annotations

from django import forms
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext, gettext_lazy

from refurbishers.models import (
    DEFAULT_DAILY_SALES_CAP,
    DEFAULT_TRIAL_DAYS,
    Criterion,
    Refurbisher,
    RefurbisherStatus,
)
from refurbishers.services.status import MAX_DAILY_SALES_CAP, MAX_TRIAL_DAYS

# Criteria can be recorded while the application waits for QA or is in review
# (recording one takes a submitted application into review).
CRITERIA_OPEN = (RefurbisherStatus.SUBMITTED, RefurbisherStatus.IN_REVIEW)
PASS, FAIL = "pass", "fail"
VERDICTS = [
    ("", gettext_lazy("Not reviewed yet")),
    (PASS, gettext_lazy("Pass")),
    (FAIL, gettext_lazy("Fail")),
]


def verdict_field_name(criterion: str) -> str:
    return f"verdict_{criterion}"


def note_field_name(criterion: str) -> str:
    return f"note_{criterion}"


def criterion_field_rows() -> list[tuple[str, str]]:
    """The vetting fieldset: one row per criterion, verdict beside note."""
    return [(verdict_field_name(c), note_field_name(c)) for c in Criterion.values]


def _criterion_fields() -> dict[str, forms.Field]:
    fields: dict[str, forms.Field] = {}
    for criterion in Criterion:
        fields[verdict_field_name(criterion.value)] = forms.ChoiceField(
            label=criterion.label, choices=VERDICTS, required=False
        )
        fields[note_field_name(criterion.value)] = forms.CharField(
            label=gettext_lazy("Note"),
            required=False,
            widget=forms.Textarea(attrs={"rows": 2, "cols": 50}),
        )
    return fields


class _VettingFormBase(forms.ModelForm):
    """The refurbisher's change form: only QA's verdict on each criterion.

    Company details and answers are read-only on the page; the verdicts are
    saved by the admin through ``criterion_review_set``, never by this form.
    """

    class Meta:
        model = Refurbisher
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reviews = {}
        application = getattr(self.instance, "application", None)
        if self.instance.pk and application is not None:
            self.reviews = {
                review.criterion: review
                for review in application.criterion_reviews.select_related("reviewer")
            }
        is_open = self.instance.status in CRITERIA_OPEN
        for criterion in Criterion.values:
            verdict = self.fields.get(verdict_field_name(criterion))
            note = self.fields.get(note_field_name(criterion))
            if verdict is None or note is None:
                continue
            review = self.reviews.get(criterion)
            if review is not None:
                verdict.initial = PASS if review.passed else FAIL
                note.initial = review.note
                when = date_format(localtime(review.reviewed_at), "DATETIME_FORMAT")
                verdict.help_text = f"By {review.reviewer} on {when}."
            if not is_open:
                # Posted values of a disabled field are ignored.
                verdict.disabled = note.disabled = True

    def clean(self):
        cleaned = super().clean()
        for criterion in Criterion.values:
            verdict_name = verdict_field_name(criterion)
            note_name = note_field_name(criterion)
            if verdict_name not in self.fields:
                continue
            verdict = cleaned.get(verdict_name)
            if not verdict and criterion in self.reviews:
                self.add_error(
                    verdict_name, gettext("A verdict can be changed, not removed.")
                )
            if verdict == FAIL and not (cleaned.get(note_name) or "").strip():
                self.add_error(note_name, gettext("Say why the criterion failed."))
        return cleaned

    def criteria_changed(self) -> list[tuple[str, bool, str]]:
        """(criterion, passed, note) for each verdict QA set or changed."""
        changed = set(self.changed_data)
        result = []
        for criterion in Criterion.values:
            verdict_name = verdict_field_name(criterion)
            note_name = note_field_name(criterion)
            verdict = self.cleaned_data.get(verdict_name)
            if not verdict or not ({verdict_name, note_name} & changed):
                continue
            note = self.cleaned_data.get(note_name) or ""
            result.append((criterion, verdict == PASS, note))
        return result


# The criteria fields are declared on the class (the admin's form factory
# accepts only declared extra fields), one pair per criterion.
RefurbisherVettingForm = type(_VettingFormBase)(
    "RefurbisherVettingForm",
    (_VettingFormBase,),
    {"__module__": __name__, **_criterion_fields()},
)


def _reason_field(
    label: str = gettext_lazy("Reason"),
    help_text: str = "",
    required: str = gettext_lazy("Please give the reason."),
) -> forms.CharField:
    """``required`` is the whole message when it is left empty."""
    return forms.CharField(
        label=label,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        error_messages={"required": required},
    )


def _days_field(label: str, initial: int | None = None) -> forms.IntegerField:
    return forms.IntegerField(
        label=label, min_value=1, max_value=MAX_TRIAL_DAYS, initial=initial
    )


def _cap_field() -> forms.IntegerField:
    return forms.IntegerField(
        label=gettext_lazy("Daily sales cap"),
        min_value=1,
        max_value=MAX_DAILY_SALES_CAP,
        initial=DEFAULT_DAILY_SALES_CAP,
        help_text=gettext_lazy("Paid sales a day, in the refurbisher's own time zone."),
    )


class ReasonForm(forms.Form):
    reason = _reason_field(help_text=gettext_lazy("Kept in the status history."))


class ChangesRequestForm(forms.Form):
    message = _reason_field(
        gettext_lazy("Message to the applicant"),
        gettext_lazy(
            "Say what to change; the applicant reads it by email and on the "
            "application page."
        ),
        gettext_lazy("Please give the message to the applicant."),
    )


class RejectForm(forms.Form):
    reason = _reason_field(help_text=gettext_lazy("The applicant reads it by email."))


class ApproveForm(forms.Form):
    trial_days = _days_field(gettext_lazy("Trial days"), DEFAULT_TRIAL_DAYS)
    daily_sales_cap = _cap_field()


class TrialExtendForm(forms.Form):
    days = _days_field(gettext_lazy("Extend by (days)"), 10)
    reason = _reason_field()


class TrialLimitsForm(forms.Form):
    trial_days = _days_field(
        gettext_lazy("Trial days, from its start"), DEFAULT_TRIAL_DAYS
    )
    daily_sales_cap = _cap_field()
    reason = _reason_field()
