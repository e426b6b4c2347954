"""The CSV upload on the seller's imports page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext, gettext_lazy, ngettext_lazy

from listings.services.listing_imports import MAX_FILE_BYTES


class ListingImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        # ngettext_lazy with a named number: the text is made when shown, in the
        # reader's language (gettext_lazy % would translate it at import).
        help_text=ngettext_lazy(
            "UTF-8, comma or semicolon separated, up to %(mb)d MB. Nothing "
            "changes until you have seen the check and chosen to apply it.",
            "UTF-8, comma or semicolon separated, up to %(mb)d MB. Nothing "
            "changes until you have seen the check and chosen to apply it.",
            "mb",
        )
        % {"mb": MAX_FILE_BYTES // (1024 * 1024)},
        widget=forms.FileInput(attrs={"accept": ".csv,.txt,text/csv"}),
        error_messages={
            "required": gettext_lazy("Choose the CSV file to import."),
            "empty": gettext_lazy("This file is empty."),
        },
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                gettext(
                    "This file is larger than %(mb)d MB: split it in several files."
                )
                % {"mb": MAX_FILE_BYTES // (1024 * 1024)}
            )
        return upload
