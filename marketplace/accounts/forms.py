"""Account forms: the email is the username; codes for the second factor."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from marketplace.accounts.services import email_normalize, password_reset_email_send


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
        # Whether the address has an account is never said here: the email
        # that goes to the address says it (marketplace.accounts.services).
        return email_normalize(self.cleaned_data["email"])

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


class SignupFinishForm(forms.Form):
    """The password chosen at sign-up, asked when the link opens elsewhere."""

    password = forms.CharField(
        label=_("The password you chose"),
        strip=False,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class EmailAuthenticationForm(AuthenticationForm):
    """Django's sign-in form, asking for the email instead of a username."""

    # Staff made in the admin may sign in with a plain username (the demo's
    # ``qa``): the field takes any text, the email keyboard stays on phones.
    username = forms.CharField(
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


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        help_text=_(
            "The 6-digit code your authenticator app shows now, or one of your "
            "recovery codes."
        ),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autofocus": True,
                "spellcheck": "false",
                "autocapitalize": "off",
            }
        ),
    )


class SetupCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the app"),
        max_length=10,
        help_text=_("The 6 digits the app shows for ReMarket."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
            }
        ),
    )


class PasswordConfirmForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form, sending its email like every account email."""

    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        # Django would render its own templates and send them itself; ours
        # live with the other account emails and go through the same helper,
        # with a link on SITE_URL rather than on the request's host.
        path = reverse(
            "accounts:password-reset-confirm",
            kwargs={"uidb64": context["uid"], "token": context["token"]},
        )
        context = {**context, "reset_url": settings.SITE_URL + path}
        password_reset_email_send(context=context, to_email=to_email)
