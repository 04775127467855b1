from django.contrib.auth import views as auth_views
from django.urls import path

from . import auth_views as sign_in
from . import views

urlpatterns = [
    path("login/", sign_in.LoginView.as_view(), name="login"),
    path("accounts/two-factor/verify/", sign_in.two_factor_verify, name="two_factor_verify"),
    path("accounts/two-factor/setup/", sign_in.two_factor_setup, name="two_factor_setup"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("language/", views.set_language, name="set_language"),
]
