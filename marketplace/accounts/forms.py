"""Sign-up and sign-in forms: the email is the username."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm

from marketplace.accounts.services import email_is_taken, email_normalize


class SignupForm(forms.Form):
    email = forms.EmailField(
        max_length=150,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
        help_text="We send a link to confirm it.",
    )
    password = forms.CharField(
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters, not a common password, not only digits.",
    )

    def clean_email(self) -> str:
        email = email_normalize(self.cleaned_data["email"])
        if email_is_taken(email):
            raise forms.ValidationError(
                "An account with this email already exists. Sign in instead."
            )
        return email

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password")
        if password:
            # The validators compare the password with the email as well.
            email = cleaned.get("email") or ""
            probe = get_user_model()(username=email, email=email)
            try:
                password_validation.validate_password(password, probe)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class EmailAuthenticationForm(AuthenticationForm):
    """Django's sign-in form, asking for the email instead of a username."""

    username = forms.EmailField(
        label="Email",
        max_length=150,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That email and password do not match an account.",
    }

    def clean_username(self) -> str:
        email = email_normalize(self.cleaned_data["username"])
        # Accounts made elsewhere (the admin, demo data) may have another username.
        User = get_user_model()
        if not User.objects.filter(username=email).exists():
            other = (
                User.objects.filter(email__iexact=email)
                .values_list("username", flat=True)
                .first()
            )
            if other:
                return other
        return email
