"""Anti-forgery form tokens (kit/pages.py): a forged token, whatever its text, is refused, never an error."""

from __future__ import annotations

from ledgerlink.kit.pages import check_form_token, form_token


def test_a_form_token_is_checked_for_its_purpose_and_any_forgery_is_refused() -> None:
    secret = "visit-secret"
    good = form_token(secret, "connect")
    assert check_form_token(secret, "connect", good)
    assert not check_form_token(secret, "revoke", good)
    assert not check_form_token("another-visit", "connect", good)
    for forged in ("", "é", good + "é", "\u202e" + good, "x" * 5000):
        assert not check_form_token(secret, "connect", forged)
    assert not check_form_token(None, "connect", good)
