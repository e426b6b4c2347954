"""Forms of the quality app: QA's verdict form and action pages in the admin,
the shopper's review and the seller's answer on the site.

Forms only check what was typed; the services check the rules again and are
the only writers.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext, gettext_lazy

from quality.models import TRIAL_SALE_VERDICT_MOVES, TrialSaleReview, TrialSaleVerdict
from quality.selectors import CHECKLIST, TrialSaleFacts, trial_review_dossier
from quality.services.reviews import (
    ANSWER_MAX_CHARS,
    COMMENT_MAX_CHARS,
    HIDDEN_REASON_MAX_CHARS,
)
from quality.services.trial_reviews import (
    NOTES_MAX_CHARS,
    TrialReviewRefused,
    trial_review_verdict_check,
)

YES, NO, NOT_KNOWN = "yes", "no", ""
CHECK_CHOICES = [
    (YES, gettext_lazy("Yes")),
    (NO, gettext_lazy("No")),
    (NOT_KNOWN, gettext_lazy("Not known")),
]
# What the data says about a check, one whole sentence each.
SAYS = {
    True: gettext_lazy("The data says yes: %(note)s."),
    False: gettext_lazy("The data says no: %(note)s."),
    None: gettext_lazy("The data says not known yet: %(note)s."),
}
# What QA clicks, in QA's words.
VERDICT_LABELS = {
    TrialSaleVerdict.PASSED: gettext_lazy("Pass"),
    TrialSaleVerdict.FAILED: gettext_lazy("Fail"),
    TrialSaleVerdict.FOLLOW_UP: gettext_lazy("Follow-up needed"),
}
VERDICT_FIELD = "new_verdict"
NOTES_FIELD = "verdict_notes"


def check_field_name(name: str) -> str:
    return f"check_{name}"


CHECK_FIELDS = [check_field_name(name) for name, _ in CHECKLIST]


def _as_choice(value: bool | None) -> str:
    return YES if value is True else NO if value is False else NOT_KNOWN


def _as_bool(choice: str) -> bool | None:
    return {YES: True, NO: False}.get(choice)


class _VerdictFormBase(forms.ModelForm):
    """QA's checklist and verdict for one trial sale, pre-filled from the facts.

    Saves nothing itself: the admin passes ``verdict``, ``notes`` and
    ``checklist()`` to ``trial_review_verdict``. The dossier it reads is kept
    on the instance (``instance.dossier``) for the page's read-only facts.
    """

    class Meta:
        model = TrialSaleReview
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        review = self.instance
        if review.pk is None:
            return
        dossier = getattr(review, "dossier", None) or trial_review_dossier(review)
        review.dossier = dossier
        facts: TrialSaleFacts = dossier.facts
        decided_before = review.reviewed_at is not None
        for name, _, fact in facts.items():
            field = self.fields.get(check_field_name(name))
            if field is None:
                continue
            stored = getattr(review, name)
            field.initial = _as_choice(
                stored if decided_before and stored is not None else fact.value
            )
            field.help_text = SAYS[fact.value] % {"note": fact.note}
        verdict = self.fields.get(VERDICT_FIELD)
        if verdict is not None:
            allowed = TRIAL_SALE_VERDICT_MOVES[review.verdict]
            verdict.choices = [("", gettext("Choose"))] + [
                (value, label)
                for value, label in VERDICT_LABELS.items()
                if value in allowed
            ]
        notes = self.fields.get(NOTES_FIELD)
        if notes is not None and review.notes:
            notes.initial = review.notes

    def checklist(self) -> dict[str, bool | None]:
        return {
            name: _as_bool(self.cleaned_data.get(check_field_name(name), NOT_KNOWN))
            for name, _ in CHECKLIST
        }

    def clean(self):
        cleaned = super().clean()
        verdict = cleaned.get(VERDICT_FIELD)
        if not verdict or self.instance.pk is None:
            return cleaned
        try:
            trial_review_verdict_check(
                review=self.instance,
                verdict=verdict,
                notes=cleaned.get(NOTES_FIELD, ""),
                checklist=self.checklist(),
            )
        except TrialReviewRefused as refusal:
            field = {"verdict": VERDICT_FIELD, "notes": NOTES_FIELD}.get(
                refusal.field or "", check_field_name(refusal.field or "")
            )
            self.add_error(field if field in self.fields else None, refusal.message)
        return cleaned


def _verdict_fields() -> dict[str, forms.Field]:
    fields: dict[str, forms.Field] = {
        check_field_name(name): forms.ChoiceField(
            label=label,
            choices=CHECK_CHOICES,
            required=False,
            widget=forms.RadioSelect,
        )
        for name, label in CHECKLIST
    }
    fields[VERDICT_FIELD] = forms.ChoiceField(
        label=gettext_lazy("Verdict"),
        choices=[("", "Choose"), *VERDICT_LABELS.items()],
        error_messages={"required": gettext_lazy("Choose a verdict.")},
    )
    fields[NOTES_FIELD] = forms.CharField(
        label=gettext_lazy("Notes"),
        required=False,
        max_length=NOTES_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text=gettext_lazy(
            "Required to fail a sale or ask for a follow-up: the "
            "refurbisher reads them when a sale fails."
        ),
    )
    return fields


# Declared on the class (the admin's form factory accepts only declared extra
# fields), as the refurbishers' vetting form does.
TrialReviewVerdictForm = type(_VerdictFormBase)(
    "TrialReviewVerdictForm",
    (_VerdictFormBase,),
    {"__module__": __name__, **_verdict_fields()},
)


class FollowUpForm(forms.Form):
    notes = forms.CharField(
        label=gettext_lazy("What to check"),
        max_length=NOTES_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text=gettext_lazy("Kept with each trial sale's verdict history."),
        error_messages={"required": gettext_lazy("Please say what to check.")},
    )


class HideReviewForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why hide it"),
        max_length=HIDDEN_REASON_MAX_CHARS,
        help_text=gettext_lazy(
            "For example: abusive words, personal data, not about the order."
        ),
        error_messages={
            "required": gettext_lazy("Please say why the review is hidden.")
        },
    )


# --- On the site ------------------------------------------------------------------

RATING_CHOICES = [
    (5, gettext_lazy("5 stars: excellent")),
    (4, gettext_lazy("4 stars: good")),
    (3, gettext_lazy("3 stars: all right")),
    (2, gettext_lazy("2 stars: poor")),
    (1, gettext_lazy("1 star: very poor")),
]


class ReviewForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=gettext_lazy("Your rating"),
        choices=RATING_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Please choose 1 to 5 stars.")},
    )
    comment = forms.CharField(
        label=gettext_lazy("Your comment (optional)"),
        required=False,
        max_length=COMMENT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "How was the device, the packaging, the delivery, the "
            "seller? Shown publicly with your first name and initial."
        ),
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=gettext_lazy("Your public answer"),
        max_length=ANSWER_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "Shown under the review on ReMarket; you can answer once."
        ),
        error_messages={"required": gettext_lazy("Please write your answer.")},
    )
