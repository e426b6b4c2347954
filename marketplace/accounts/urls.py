from django.urls import path

from marketplace.accounts import views, views_password, views_security

app_name = "accounts"
urlpatterns = [
    path("", views.account_home, name="home"),
    path("sign-up/", views.signup, name="signup"),
    path("sign-up/sent/", views.signup_sent, name="signup-sent"),
    path(
        "sign-up/finish/<str:token>/",
        views.signup_finish_view,
        name="signup-finish",
    ),
    path("sign-in/", views.SignInView.as_view(), name="login"),
    path("sign-in/code/", views.sign_in_code, name="sign-in-code"),
    path("sign-out/", views.SignOutView.as_view(), name="logout"),
    path("confirm/resend/", views.confirm_resend, name="confirm-resend"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path(
        "password/reset/",
        views_password.PasswordResetView.as_view(),
        name="password-reset",
    ),
    path(
        "password/reset/sent/",
        views_password.PasswordResetSentView.as_view(),
        name="password-reset-sent",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        views_password.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path(
        "password/reset/done/",
        views_password.PasswordResetCompleteView.as_view(),
        name="password-reset-complete",
    ),
    path("security/", views_security.security, name="security"),
    path(
        "security/two-factor/set-up/",
        views_security.two_factor_setup,
        name="two-factor-setup",
    ),
    path(
        "security/two-factor/code/",
        views_security.two_factor_verify,
        name="two-factor-verify",
    ),
    path(
        "security/two-factor/off/",
        views_security.two_factor_off,
        name="two-factor-off",
    ),
    path(
        "security/recovery-codes/",
        views_security.recovery_codes_new,
        name="recovery-codes-new",
    ),
]
