"""Accounts pages: sign-in (password, then TOTP where the role needs it), enterprise
registration, and the staff page that verifies organisations.

Sign-in happens in two steps. After the password the person is *not* signed in yet: the
session only remembers who is pending (for a few minutes, tied to the password hash). Django's
``login()`` runs when the second factor has passed, so no page, API or other context can ever
mistake a half-signed-in session for a signed-in one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhengwu.contexts.identity.forms import ApiTokenForm, LoginForm, ReasonForm, RegistrationForm, TotpForm
from zhengwu.contexts.identity.models import LoginFailure, Organisation, User
from zhengwu.contexts.identity.roles import ROLE_LABELS, Role
from zhengwu.contexts.identity.rules import (
    ORGANISATION_STATUS_LABELS,
    SIGNIN_PENDING_MAX_AGE,
    login_allowed,
    uscc_override_applicable,
)
from zhengwu.contexts.identity.selectors import (
    actor_for,
    api_tokens_of,
    organisation_counts,
    organisation_get,
    organisations_list,
)
from zhengwu.contexts.identity.services import (
    api_token_create,
    api_token_revoke,
    enterprise_register,
    organisation_reject,
    organisation_suspend,
    organisation_uscc_override,
    organisation_verify,
    totp_enrol_confirm,
)
from zhengwu.contexts.identity.throttle import (
    client_ip,
    login_attempt_release,
    login_attempt_reserve,
    login_failures_clear,
)
from zhengwu.contexts.identity.totp import (
    totp_code_accept,
    totp_code_normalize,
    totp_qr_svg,
    totp_secret_new,
    totp_secret_open,
    totp_secret_seal,
    totp_uri,
)
from zhengwu.kernel.clock import clock_now
from zhengwu.kernel.errors import (
    InvalidInput,
    NotAuthenticated,
    PermissionDenied,
    ZhengwuError,
)
from zhengwu.kernel.uscc import uscc_validate
from zhengwu.platform.web.access import roles_required
from zhengwu.platform.web.exports import xlsx_response

SESSION_PENDING = "zw_signin_pending"
SESSION_TOTP_OK = "zw_totp_ok"
SESSION_ENROL_SECRET = "zw_totp_enrol_secret"  # noqa: S105 - a session key name, not a secret
SESSION_REGISTERED = "zw_registered"
AUTH_BACKEND = "django.contrib.auth.backends.ModelBackend"

# Chinese names for messages that tell people where to sign in instead.
PLATFORM_NAMES_ZH = {
    "public": "公共服务平台",
    "trading": "交易平台",
    "supervision": "行政监督平台",
    "appraisal": "政务服务第三方评价平台",
    "center": "政务服务中心",
}


# --- helpers ---------------------------------------------------------------------------------


def _platform(request: HttpRequest) -> str:
    return getattr(request, "zw_platform", None) or "public"


def _home(platform: str) -> str:
    return "/" + settings.ZHENGWU_PLATFORM_META[platform]["prefix"]


def _url(request: HttpRequest, name: str, *args: Any, platform: str | None = None) -> str:
    return reverse(f"{platform or _platform(request)}:accounts:{name}", args=args)


def _safe_next(request: HttpRequest, candidate: str) -> str:
    """``candidate`` if it stays on this site, else the empty string (no open redirects)."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


def _where_to_sign_in(user: User) -> str:
    places = []
    for name in settings.ZHENGWU_PLATFORMS:
        meta = settings.ZHENGWU_PLATFORM_META[name]
        if login_allowed(user_roles=user.role_codes, login_roles=meta["login_roles"]):
            places.append(f"{PLATFORM_NAMES_ZH.get(name, name)}（/{meta['prefix']}accounts/login/）")
    return "、".join(places)


def _pending(request: HttpRequest) -> tuple[User, dict[str, Any]] | None:
    """The person who passed the password step in this session, if still valid."""
    data = request.session.get(SESSION_PENDING)
    if not isinstance(data, dict):
        return None
    try:
        started = dt.datetime.fromisoformat(str(data["at"]))
        user = User.objects.select_related("organisation").filter(pk=int(data["user_id"]), is_active=True).first()
    except (KeyError, TypeError, ValueError):
        user, started = None, None
    # A password change since the first step (the hash differs) ends the pending sign-in too.
    if (
        user is None
        or started is None
        or clock_now() - started > SIGNIN_PENDING_MAX_AGE
        or not constant_time_compare(user.get_session_auth_hash(), str(data.get("hash", "")))
    ):
        request.session.pop(SESSION_PENDING, None)
        request.session.pop(SESSION_ENROL_SECRET, None)
        return None
    return user, data


def _complete(request: HttpRequest, *, user: User, platform: str, next_url: str, second_factor: bool) -> HttpResponse:
    """Sign ``user`` in for real and send them on."""
    login(request, user, backend=AUTH_BACKEND)
    request.session.pop(SESSION_PENDING, None)
    request.session.pop(SESSION_ENROL_SECRET, None)
    # Set after login(): login() may flush the session of a previous user.
    request.session[SESSION_TOTP_OK] = second_factor
    login_failures_clear(username=user.username, ip=client_ip(request))
    return HttpResponseRedirect(next_url or _home(platform))


def _error_page(
    request: HttpRequest, template: str, context: dict[str, Any], error: ZhengwuError | None
) -> HttpResponse:
    status = error.http_status if error is not None else 200
    if error is not None and status >= 500:
        status = 400
    return render(request, template, {**context, "error": error}, status=status)


# --- sign-in ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    """The sign-in page of the platform the URL belongs to (one view for every platform)."""
    platform = _platform(request)
    meta = settings.ZHENGWU_PLATFORM_META[platform]
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next") or "")
    context: dict[str, Any] = {"platform_name": PLATFORM_NAMES_ZH.get(platform, platform)}
    if request.method == "GET":
        user = request.user
        if (
            isinstance(user, User)
            and user.is_fully_authenticated(request)
            and login_allowed(user_roles=user.role_codes, login_roles=meta["login_roles"])
        ):
            return HttpResponseRedirect(next_url or _home(platform))
        return render(request, "identity/login.html", {**context, "form": LoginForm(initial={"next": next_url})})

    form = LoginForm(request.POST)
    if not form.is_valid():
        return render(request, "identity/login.html", {**context, "form": form}, status=400)
    try:
        return _password_step(
            request,
            platform=platform,
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password"],
            next_url=next_url,
        )
    except ZhengwuError as exc:
        form = LoginForm(initial={"username": form.cleaned_data["username"], "next": next_url})
        return _error_page(request, "identity/login.html", {**context, "form": form}, exc)


def _password_step(request: HttpRequest, *, platform: str, username: str, password: str, next_url: str) -> HttpResponse:
    ip = client_ip(request)
    # Reserve first: a blocked attempt never reaches the password check, so even the right
    # password does not help an attacker whose address is blocked for this account.
    attempt = login_attempt_reserve(username=username, ip=ip, kind=LoginFailure.Kind.PASSWORD)
    user = authenticate(request, username=username, password=password)
    if not isinstance(user, User):
        raise InvalidInput("用户名或密码错误", code="login_invalid")
    login_attempt_release(attempt_id=attempt)
    login_roles = settings.ZHENGWU_PLATFORM_META[platform]["login_roles"]
    if not login_allowed(user_roles=user.role_codes, login_roles=login_roles):
        elsewhere = _where_to_sign_in(user)
        roles = "、".join(ROLE_LABELS.get(r, r) for r in sorted(user.role_codes)) or "无角色"
        hint = f"请前往{elsewhere}登录。" if elsewhere else "请联系交易中心开通权限。"
        raise PermissionDenied(
            f"您的账号（{roles}）不能登录{PLATFORM_NAMES_ZH.get(platform, platform)}。{hint}",
            code="login_wrong_platform",
        )
    if not user.needs_totp:
        return _complete(request, user=user, platform=platform, next_url=next_url, second_factor=False)
    # A new session key before anything is remembered: no fixation of a pending sign-in.
    request.session.cycle_key()
    request.session[SESSION_PENDING] = {
        "user_id": user.pk,
        "hash": user.get_session_auth_hash(),
        "at": clock_now().isoformat(),
        "platform": platform,
        "next": next_url,
    }
    target = "totp" if user.totp_enrolled else "totp_enrol"
    return HttpResponseRedirect(_url(request, target, platform=platform))


@require_http_methods(["GET", "POST"])
def totp_view(request: HttpRequest) -> HttpResponse:
    """The second step: the current code from the authenticator app."""
    pending = _pending(request)
    if pending is None:
        messages.error(request, "登录已超时或尚未输入密码，请重新登录。")
        return HttpResponseRedirect(_url(request, "login"))
    user, data = pending
    if not user.totp_enrolled:
        return HttpResponseRedirect(_url(request, "totp_enrol"))
    context: dict[str, Any] = {"pending_user": user}
    if request.method == "GET":
        return render(request, "identity/totp.html", {**context, "form": TotpForm()})
    form = TotpForm(request.POST)
    error: ZhengwuError | None = None
    code = totp_code_normalize(form.data.get("code", "")) if form.is_valid() else None
    try:
        if code is None:
            raise InvalidInput("请输入6位数字动态码", code="totp_format")
        attempt = login_attempt_reserve(username=user.username, ip=client_ip(request), kind=LoginFailure.Kind.TOTP)
        if totp_code_accept(user=user, code=code):
            login_attempt_release(attempt_id=attempt)
            return _complete(
                request,
                user=user,
                platform=str(data.get("platform") or _platform(request)),
                next_url=_safe_next(request, str(data.get("next") or "")),
                second_factor=True,
            )
        raise InvalidInput("动态码不正确或已使用，请输入手机上显示的最新动态码", code="totp_invalid")
    except ZhengwuError as exc:
        error = exc
    return _error_page(request, "identity/totp.html", {**context, "form": TotpForm()}, error)


def _enrol_secret(request: HttpRequest, user: User) -> str:
    """The secret being enrolled, kept sealed in the session until a code confirms it."""
    stored = request.session.get(SESSION_ENROL_SECRET)
    if isinstance(stored, dict) and stored.get("user_id") == user.pk:
        try:
            return totp_secret_open(user_id=user.pk, sealed=str(stored.get("sealed", "")))
        except ZhengwuError:
            pass
    secret = totp_secret_new()
    request.session[SESSION_ENROL_SECRET] = {
        "user_id": user.pk,
        "sealed": totp_secret_seal(user_id=user.pk, secret=secret),
    }
    return secret


@require_http_methods(["GET", "POST"])
def totp_enrol_view(request: HttpRequest) -> HttpResponse:
    """First sign-in of a role that needs a second factor: bind an authenticator app."""
    pending = _pending(request)
    if pending is None:
        messages.error(request, "登录已超时或尚未输入密码，请重新登录。")
        return HttpResponseRedirect(_url(request, "login"))
    user, data = pending
    if user.totp_enrolled:
        return HttpResponseRedirect(_url(request, "totp"))
    secret = _enrol_secret(request, user)
    uri = totp_uri(secret=secret, username=user.username)
    context: dict[str, Any] = {
        "pending_user": user,
        "secret": secret,
        "secret_grouped": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "uri": uri,
        "qr_svg": totp_qr_svg(uri),
    }
    if request.method == "GET":
        return render(request, "identity/totp_enrol.html", {**context, "form": TotpForm()})
    form = TotpForm(request.POST)
    error: ZhengwuError | None = None
    try:
        code = totp_code_normalize(form.data.get("code", "")) if form.is_valid() else None
        if code is None:
            raise InvalidInput("请输入6位数字动态码", code="totp_format")
        attempt = login_attempt_reserve(username=user.username, ip=client_ip(request), kind=LoginFailure.Kind.TOTP)
        totp_enrol_confirm(user=user, secret=secret, code=code, ip=client_ip(request) or None)
        login_attempt_release(attempt_id=attempt)
        return _complete(
            request,
            user=user,
            platform=str(data.get("platform") or _platform(request)),
            next_url=_safe_next(request, str(data.get("next") or "")),
            second_factor=True,
        )
    except ZhengwuError as exc:
        error = exc
    return _error_page(request, "identity/totp_enrol.html", {**context, "form": TotpForm()}, error)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    """Sign out (POST only, with the CSRF token) and go to the platform's front page."""
    logout(request)
    return HttpResponseRedirect(_home(_platform(request)))


# --- registration ----------------------------------------------------------------------------


def _trading_only(request: HttpRequest) -> None:
    if _platform(request) != "trading":
        raise Http404


@require_http_methods(["GET", "POST"])
def register_view(request: HttpRequest) -> HttpResponse:
    """Enterprise self-registration on the trading platform; staff verify it afterwards."""
    _trading_only(request)
    if request.method == "GET":
        return render(request, "identity/register.html", {"form": RegistrationForm()})
    form = RegistrationForm(request.POST)
    if not form.is_valid():
        return render(request, "identity/register.html", {"form": form}, status=400)
    data = form.cleaned_data
    try:
        organisation, user = enterprise_register(
            uscc=data["uscc"],
            name=data["name"],
            market_roles=data["market_roles"],
            contact_name=data["contact_name"],
            contact_phone=data["contact_phone"],
            username=data["username"],
            password=data["password1"],
            display_name=data["display_name"],
            phone=data["phone"],
            ip=client_ip(request) or None,
            uscc_legacy_declared=data["uscc_legacy_declared"],
        )
    except ZhengwuError as exc:
        field = {"password": "password1"}.get(str(exc.detail.get("field")), str(exc.detail.get("field")))
        form.add_error(field if field in form.fields else None, exc.message)
        return render(request, "identity/register.html", {"form": form, "error_code": exc.code}, status=exc.http_status)
    request.session[SESSION_REGISTERED] = {
        "uscc": organisation.uscc,
        "name": organisation.name,
        "username": user.username,
        "needs_override": organisation.uscc_legacy_declared,
    }
    return HttpResponseRedirect(_url(request, "register_done"))


@require_GET
def register_done_view(request: HttpRequest) -> HttpResponse:
    """Thanks, and what happens next: staff verify the organisation."""
    _trading_only(request)
    registered = request.session.get(SESSION_REGISTERED)
    if not isinstance(registered, dict):
        return HttpResponseRedirect(_url(request, "register"))
    return render(request, "identity/register_done.html", {"registered": registered})


@require_GET
def uscc_check_view(request: HttpRequest) -> JsonResponse:
    """Live check of a code as it is typed: the verdict with its specific reason."""
    raw = request.GET.get("code", "")[:64]
    verdict = uscc_validate(raw)
    return JsonResponse(
        {
            "code": verdict.code,
            "valid": verdict.valid,
            "reason": verdict.reason,
            "error_code": verdict.error_code,
            "override_applicable": uscc_override_applicable(verdict),
        },
        json_dumps_params={"ensure_ascii": False},
    )


# --- staff: organisations --------------------------------------------------------------------


def _staff_platform_only(request: HttpRequest) -> None:
    login_roles = settings.ZHENGWU_PLATFORM_META[_platform(request)]["login_roles"]
    if Role.CENTRE_STAFF not in login_roles:
        raise Http404


@require_GET
@roles_required(Role.CENTRE_STAFF)
def organisations_view(request: HttpRequest) -> HttpResponse:
    """Organisations by status, with verify / reject / suspend / override for staff."""
    _staff_platform_only(request)
    status = request.GET.get("status", "")
    if status not in ORGANISATION_STATUS_LABELS:
        status = ""
    if request.GET.get("format") == "xlsx":
        return xlsx_response(
            filename=gettext("organisations"),
            sheet=gettext("Organisations"),
            headers=[
                gettext("Organisation name"),
                gettext("Unified social credit code"),
                gettext("Market roles"),
                gettext("Status"),
                gettext("Contact person"),
                gettext("Contact phone"),
                gettext("Confirmed by staff"),
            ],
            rows=(
                (
                    o.name,
                    o.uscc,
                    "、".join(ROLE_LABELS.get(r, r) for r in o.market_roles),
                    ORGANISATION_STATUS_LABELS.get(o.status, o.status),
                    o.contact_name,
                    o.contact_phone,
                    o.uscc_override,
                )
                for o in organisations_list(status=status or None)
            ),
        )
    counts = organisation_counts()
    page = Paginator(organisations_list(status=status or None), 50).get_page(request.GET.get("page"))
    rows = []
    for organisation in page.object_list:
        verdict = uscc_validate(organisation.uscc)
        rows.append(
            {
                "org": organisation,
                "verdict": verdict,
                "needs_override": uscc_override_applicable(verdict) and not organisation.uscc_override,
                "roles": "、".join(ROLE_LABELS.get(r, r) for r in organisation.market_roles),
            }
        )
    return render(
        request,
        "identity/organisations.html",
        {
            "rows": rows,
            "page": page,
            "status": status,
            "statuses": [
                {"code": code, "label": label, "count": counts.get(code, 0)}
                for code, label in ORGANISATION_STATUS_LABELS.items()
            ],
            "reason_form": ReasonForm(),
        },
    )


_ACTIONS = {"verify", "reject", "suspend", "override"}


@require_POST
@roles_required(Role.CENTRE_STAFF)
def organisation_action_view(request: HttpRequest, uscc: str, action: str) -> HttpResponse:
    """One staff decision on one organisation, then back to the list."""
    _staff_platform_only(request)
    if action not in _ACTIONS:
        raise Http404
    back = _url(request, "organisations")
    status = request.POST.get("status", "")
    if status in ORGANISATION_STATUS_LABELS:
        back += f"?status={status}"
    try:
        organisation: Organisation = organisation_get(uscc=uscc)
        actor = actor_for(user=request.user, request=request)
        reason = ReasonForm(request.POST).data.get("reason", "")
        reason = str(reason)[:2000]
        if action == "verify":
            organisation_verify(organisation=organisation, by=actor)
        elif action == "reject":
            organisation_reject(organisation=organisation, reason=reason, by=actor)
        elif action == "suspend":
            organisation_suspend(organisation=organisation, reason=reason, by=actor)
        else:
            organisation_uscc_override(organisation=organisation, reason=reason, by=actor)
    except (PermissionDenied, NotAuthenticated) as exc:
        raise DjangoPermissionDenied(exc.message) from exc
    except ZhengwuError as exc:
        if exc.http_status == 404:
            raise Http404(exc.message) from exc
        messages.error(request, exc.message)
        return HttpResponseRedirect(back)
    done = {"verify": "已核验", "reject": "已驳回", "suspend": "已暂停", "override": "已记录人工确认"}[action]
    messages.success(request, f"{organisation.name}（{organisation.uscc}）{done}。")
    return HttpResponseRedirect(back)


# --- API tokens (the account holder's own) ---------------------------------------------------


def _api_tokens_page(
    request: HttpRequest, *, form: ApiTokenForm, token: str = "", error: ZhengwuError | None = None
) -> HttpResponse:
    response = _error_page(
        request,
        "identity/api_tokens.html",
        {"form": form, "tokens": api_tokens_of(user=request.user), "new_token": token, "now": clock_now()},
        error,
    )
    # The new token is shown once: no cache may keep the page that shows it.
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
@roles_required()
def api_tokens_view(request: HttpRequest) -> HttpResponse:
    """The signed-in person's API tokens: make one (shown once) and see which exist."""
    if request.method == "GET":
        return _api_tokens_page(request, form=ApiTokenForm())
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        return _api_tokens_page(request, form=form)
    try:
        actor = actor_for(user=request.user, request=request)
        _, token = api_token_create(
            name=form.cleaned_data["name"],
            lifetime_days=form.cleaned_data["lifetime_days"],
            second_factor_passed=bool(request.session.get(SESSION_TOTP_OK)),
            by=actor,
        )
    except ZhengwuError as exc:
        return _api_tokens_page(request, form=form, error=exc)
    return _api_tokens_page(request, form=ApiTokenForm(), token=token)


@require_POST
@roles_required()
def api_token_revoke_view(request: HttpRequest, uuid: str) -> HttpResponse:
    """Revoke one of the signed-in person's own tokens."""
    try:
        api_token_revoke(uuid=uuid, by=actor_for(user=request.user, request=request))
    except ZhengwuError as exc:
        return _api_tokens_page(request, form=ApiTokenForm(), error=exc)
    messages.success(request, gettext("The token was revoked."))
    return HttpResponseRedirect(_url(request, "api_tokens"))
