"""The CSV upload on the seller's imports page."""

from __future__ import annotations

from django import forms

from listings.services.listing_imports import MAX_FILE_BYTES


class ListingImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text=(
            f"UTF-8, comma or semicolon separated, up to "
            f"{MAX_FILE_BYTES // (1024 * 1024)} MB. Nothing changes until you "
            "have seen the check and chosen to apply it."
        ),
        widget=forms.FileInput(attrs={"accept": ".csv,.txt,text/csv"}),
        error_messages={
            "required": "Choose the CSV file to import.",
            "empty": "This file is empty.",
        },
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                f"This file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB: "
                "split it in several files."
            )
        return upload
