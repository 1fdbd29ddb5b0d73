"""A regulator sets TOTP up in a real browser at 360 px: the page loads, the browser fetches
its favicon, and the code computed from the secret on screen is accepted."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator

from accounts.models import Role
from tests.factories import PASSWORD, AuthorityFactory, MembershipFactory, UserFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_regulator_sets_up_totp_in_the_browser(phone, totp_code, screenshot_dir):
    # given a regulator without a second factor
    user = UserFactory(username="newreg", phone_verified=True)
    MembershipFactory(user=user, organisation=AuthorityFactory(), role=Role.REGULATOR)
    page = phone()

    # when they log in, they land on the set-up page
    page.goto(f"{page.base}/accounts/login/")
    page.fill("input[name=login]", "newreg")
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{page.base}/admin/")
    page.wait_for_load_state()
    if "/accounts/reauthenticate/" in page.url:  # allauth confirms the password before a set-up
        page.fill("input[name=password]", PASSWORD)
        page.click("main form button[type=submit]")
        page.wait_for_load_state()
    assert "/accounts/2fa/totp/activate/" in page.url
    secret = page.input_value("#authenticator_secret")
    # Chromium fetches /favicon.ico after the page; once more here, as it does on a reload
    favicon = page.evaluate(
        "fetch('/favicon.ico', {redirect: 'manual'}).then(r => r.type === 'opaqueredirect' ? 302 : r.status)"
    )
    page.screenshot(path=str(screenshot_dir / "totp-01-setup.png"), full_page=True)
    assert favicon != 302
    code_box = page.locator("input[name=code]")
    assert code_box.get_attribute("inputmode") == "numeric"
    assert code_box.get_attribute("autocomplete") == "one-time-code"

    # and type the code their app shows for the secret on screen
    code_box.fill(totp_code(secret))
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    page.screenshot(path=str(screenshot_dir / "totp-02-activated.png"), full_page=True)

    # then TOTP is on, the page said nothing about a wrong code, and the site opens
    assert "验证码错误" not in page.inner_text("body")
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    page.goto(f"{page.base}/me/")
    page.wait_for_load_state()
    assert "/accounts/" not in page.url, page.url
