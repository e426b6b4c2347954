from django.urls import path

from marketplace.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.account_home, name="home"),
    path("sign-up/", views.signup, name="signup"),
    path("sign-in/", views.SignInView.as_view(), name="login"),
    path("sign-out/", views.SignOutView.as_view(), name="logout"),
    path("confirm/resend/", views.confirm_resend, name="confirm-resend"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
]
