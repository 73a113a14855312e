"""Signing in to the operator's Portal: in a browser page, or over HTTP with the csrf token its forms
carry."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from tests.support.server import RunningServer


def sign_in(page: Any, server: RunningServer, key: str | None = None) -> None:
    page.goto(f"{server.base_url}/portal/login")
    page.get_by_label("API key").fill(key or server.api_key)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/portal/companies")


def hidden_csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no csrf field"
    return found.group(1)


@contextmanager
def http_sign_in(server: RunningServer, key: str | None = None) -> Iterator[tuple[httpx.Client, str]]:
    """An httpx client signed in to the Portal, and the csrf token of its pages."""
    with httpx.Client(base_url=server.base_url, follow_redirects=False, timeout=30) as browser:
        login = browser.get("/portal/login")
        signed = browser.post(
            "/portal/login", data={"api_key": key or server.api_key, "csrf": hidden_csrf(login.text)}
        )
        assert signed.status_code == 303 and signed.headers["location"] == "/portal/companies"
        companies = browser.get("/portal/companies")
        assert companies.status_code == 200
        yield browser, hidden_csrf(companies.text)


# Cards and badges past the right edge of the window, other than inside a region that scrolls sideways (a wide
# table's): on a narrow screen they would be cut off.
_OVERFLOWING = """() => Array.from(document.querySelectorAll('.card, .badge, .chart')).filter(element => {
  if (element.getBoundingClientRect().right <= window.innerWidth + 1) { return false; }
  for (let a = element.parentElement; a && a !== document.body; a = a.parentElement) {
    if (['auto', 'scroll'].includes(getComputedStyle(a).overflowX)) { return false; }
  }
  return true;
}).map(element => element.className + ': ' + element.textContent.trim().slice(0, 40))"""


def overflowing(page: Any) -> list[str]:
    """What sticks out of the page sideways at its current width (nothing should), and whether the page
    itself scrolls sideways."""
    found: list[str] = page.evaluate(_OVERFLOWING)
    if page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
        found.append("the page scrolls sideways")
    return found
