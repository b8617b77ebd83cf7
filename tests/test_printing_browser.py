"""The print view in a real browser: hostile text stays inert, and it prints on A4.

Drives Debian's chromium (/usr/bin/chromium) through Playwright on a file:// page; skipped when
chromium is absent.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from runtime.forms.samples import valid_sample
from runtime.printing import render_html
from tests.forms.shipped import KITCHEN_SINK, get, make_form

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at "
                                                     "/usr/bin/chromium; skipped"),
]

HOSTILE = ("<script>window.pwned=1</script><img src=x onerror=\"window.pwned=2\">"
           "{{ 7*7 }}{% raw %}</td></tr></table><svg onload=\"window.pwned=3\">")


@pytest.fixture(scope="module")
def page() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser.new_page()
        finally:
            browser.close()


def test_hostile_record_is_inert_even_without_the_csp(page: Any, tmp_path: Path) -> None:
    form = make_form(KITCHEN_SINK)
    data = {**valid_sample(form), "detail": HOSTILE, "reporter": HOSTILE[:20],
            "involved": [{"name": HOSTILE, "role": "owner"}]}
    html = render_html(None, form, {"number": HOSTILE, "data": data})
    # Prove the escaping alone suffices: drop the Content-Security-Policy for this check.
    html = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html)
    path = tmp_path / "x.html"
    path.write_text(html, encoding="utf-8")
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(path.as_uri())
    page.wait_for_timeout(300)
    assert page.evaluate("window.pwned === undefined")
    assert page.evaluate("document.querySelectorAll('script, img, svg').length") == 0
    assert not dialogs
    text = page.inner_text('[data-field="detail"] td')
    assert text.strip() == HOSTILE


def test_prints_on_a4(page: Any, tmp_path: Path) -> None:
    hb, form = get(None, "complaint-register")
    path = tmp_path / "c.html"
    path.write_text(render_html(hb, form, {"number": "TS-1", "data": valid_sample(form)}),
                    encoding="utf-8")
    page.goto(path.as_uri())
    pdf = page.pdf(prefer_css_page_size=True)
    boxes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    assert boxes
    for w, h in boxes:  # A4 is 595 x 842 points
        assert abs(float(w) - 595.3) < 2 and abs(float(h) - 841.9) < 2
