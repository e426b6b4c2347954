"""Password reset by email: Django's views with our templates, limited, noted.

The reset page answers the same whether or not the address has an account
(Django's behaviour). Asking is limited per address and per client address
(``ACCOUNT_EMAIL_RATE_PER_EMAIL`` / ``..._PER_ADDRESS``); a reset that went
through confirms the address and forgets the account's sign-in failures
(``password_reset_done``). The person then signs in, second factor included.
"""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.db import transaction
from django.urls import reverse_lazy

from marketplace.accounts.forms import PasswordResetForm
from marketplace.accounts.limits import account_email_refusal
from marketplace.accounts.services import password_reset_done


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    form_class = PasswordResetForm
    success_url = reverse_lazy("accounts:password-reset-sent")

    def form_valid(self, form):
        refusal = account_email_refusal(
            self.request, action="reset", email=form.cleaned_data["email"]
        )
        if refusal:
            form.add_error(None, refusal)
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().form_valid(form)


class PasswordResetSentView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_sent.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password-reset-complete")

    def form_valid(self, form):
        # Django's view saves the new password; noting it belongs with it.
        with transaction.atomic():
            response = super().form_valid(form)
            password_reset_done(user=form.user)
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"
