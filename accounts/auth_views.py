"""Sign-in pages: password with lock-out, then the second factor for the roles that need it."""

import math

import qrcode
import qrcode.image.svg
from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp import login as otp_login
from django_otp.models import MAX_THROTTLE_DELAY_SECONDS

from . import security

LOCKED_OUT_MESSAGE = _("Too many failed attempts. Try again later.")


class LockoutAuthenticationForm(AuthenticationForm):
    def clean(self):
        username = self.cleaned_data.get("username")
        if username and not security.claim_attempt(username, self.request):
            raise ValidationError(LOCKED_OUT_MESSAGE, code="locked_out")
        return super().clean()


class AdminLockoutAuthenticationForm(AdminAuthenticationForm):
    """The admin's own sign-in page obeys the same lock-out (and the two-factor middleware afterwards)."""

    def clean(self):
        username = self.cleaned_data.get("username")
        if username and not security.claim_attempt(username, self.request):
            raise ValidationError(LOCKED_OUT_MESSAGE, code="locked_out")
        return super().clean()


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True
    form_class = LockoutAuthenticationForm

    def form_invalid(self, form):
        locked = any(e.code == "locked_out" for e in form.errors.as_data().get("__all__", []))
        return self.render_to_response(self.get_context_data(form=form), status=429 if locked else 200)

    def form_valid(self, form):
        user = form.get_user()
        response = super().form_valid(form)
        if not security.two_factor_required(user):
            security.clear_failures(user.get_username())
            return response
        target = "two_factor_verify" if security.is_enrolled(user) else "two_factor_setup"
        from django.urls import reverse
        from django.utils.http import urlencode

        return redirect(f"{reverse(target)}?{urlencode({'next': self.get_success_url()})}")


class OtpForm(forms.Form):
    otp = forms.CharField(
        label=_("Code"),
        max_length=16,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


def _next_url(request) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return "/"


@login_required
def two_factor_verify(request):
    user = request.user
    if user.is_verified():
        return redirect(_next_url(request))
    if not security.is_enrolled(user):
        return redirect("two_factor_setup")
    form = OtpForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        if security.is_locked_out(user.get_username()):
            form.add_error(None, LOCKED_OUT_MESSAGE)
            status = 429
        elif wait := _totp_wait_seconds(user):
            # django-otp checks no code for a while after a wrong one: say so, or the right code looks wrong too.
            form.add_error(
                "otp",
                ngettext(
                    "After a wrong code the next one is checked only after a pause: wait %(seconds)d second and enter the current code.",
                    "After a wrong code the next one is checked only after a pause: wait %(seconds)d seconds and enter the current code.",
                    wait,
                )
                % {"seconds": wait},
            )
        else:
            device = security.match_code(user, form.cleaned_data["otp"])
            if device is not None:
                otp_login(request, device)
                security.clear_failures(user.get_username())
                security.record_auth_event("auth.otp_verify", user=user, data={"device": device.__class__.__name__})
                return redirect(_next_url(request))
            security.register_failure(user.get_username())
            security.record_auth_event("auth.otp_failed", user=user)
            wait = _totp_wait_seconds(user)
            form.add_error(
                "otp",
                _("The code is not valid.")
                if not wait
                else ngettext(
                    "The code is not valid. Wait %(seconds)d second before the next try: until then no code is checked.",
                    "The code is not valid. Wait %(seconds)d seconds before the next try: until then no code is checked.",
                    wait,
                )
                % {"seconds": wait},
            )
    return render(request, "accounts/two_factor_verify.html", {"form": form, "next": _next_url(request)}, status=status)


def _totp_wait_seconds(user) -> int:
    """Seconds until django-otp's throttle lets the authenticator's device check a code again (0: it checks now)."""
    device = security.confirmed_totp(user)
    if device is None:
        return 0
    allowed, _info = device.verify_is_allowed()
    if allowed or device.throttling_failure_timestamp is None:
        return 0
    required = min(
        device.get_throttle_factor() * (2 ** (device.throttling_failure_count - 1)), MAX_THROTTLE_DELAY_SECONDS
    )
    elapsed = (timezone.now() - device.throttling_failure_timestamp).total_seconds()
    return max(1, math.ceil(required - elapsed))


def _qr_svg(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")


@login_required
def two_factor_setup(request):
    user = request.user
    if security.is_enrolled(user):
        return redirect("two_factor_verify" if not user.is_verified() else "home")
    device = security.pending_totp(user)
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["otp"]
        if code.isdigit() and device.verify_token(code):
            codes = security.confirm_enrolment(user, device)
            otp_login(request, device)
            security.clear_failures(user.get_username())
            return render(request, "accounts/two_factor_codes.html", {"codes": codes, "next": _next_url(request)})
        form.add_error("otp", _("The code is not valid."))
    context = {
        "form": form,
        "secret": security.secret_base32(device),
        "uri": device.config_url,
        "qr_svg": _qr_svg(device.config_url),
        "next": _next_url(request),
    }
    return render(request, "accounts/two_factor_setup.html", context)
