"""End to end in a real browser: sign in, file a complaint, find it in the assignee's task list.

Drives Debian's chromium (/usr/bin/chromium, never a downloaded browser) through Playwright
against `streamlit run app.py` on a free localhost port with a temporary data directory.
Screenshots of every page go to artifacts/ (gitignored). Skipped when chromium is absent.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import streamlit_deprecations

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "artifacts"
# ms for any wait on a real condition: generous, since five test runs may share two cores (the
# first sign-in after a start also creates the demo accounts); a pass is never slower for it.
WAIT = 120000
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="browser test needs Debian's chromium at /usr/bin/chromium "
                              "(apt-get install chromium); skipped"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`streamlit run app.py` on a free port; yields its URL and stops it afterwards."""
    port = _free_port()
    env = {**os.environ, "HANDBOOK_DATA": str(tmp_path_factory.mktemp("data")),
           "HANDBOOK_PBKDF2_ITERATIONS": "1000"}
    log = (tmp_path_factory.mktemp("log") / "streamlit.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "serve.py"),
         "--server.headless", "true", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
         "--client.toolbarMode", "viewer",
         "--logger.messageFormat", streamlit_deprecations.SERVER_LOG_FORMAT],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180  # a loaded machine starts slowly
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail("streamlit did not start within 180 s")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
    # Streamlit logs its deprecation notices instead of raising them: a line fails the run.
    found = streamlit_deprecations.in_server_log(Path(log.name).read_text("utf-8", "replace"))
    if found:
        pytest.fail("Streamlit deprecation in the server log: " + " | ".join(found))


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Debian's chromium through Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        b.close()


def _shot(page: object, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    _idle(page)
    page.wait_for_timeout(800)  # type: ignore[attr-defined]  # let charts and fonts settle
    # Streamlit scrolls its own container, not the window: back to the top for the picture.
    page.evaluate("() => document.querySelectorAll('[data-testid=\"stMain\"], section')"  # type: ignore[attr-defined]
                  ".forEach(e => e.scrollTo && e.scrollTo(0, 0))")
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))  # type: ignore[attr-defined]


def _idle(page: object) -> None:
    """Wait until the app has finished every rerun the last action asked for.

    Streamlit marks its root with data-test-script-state; a click or a committed input sets it
    to rerunRequested/running at once, and it returns to notRunning only when the server has
    run the script with that input. Waiting on that state, not on time, is what keeps the
    browser tests stable on a busy machine.
    """
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => { const app = document.querySelector('[data-testid=\"stApp\"]');"
        " return app && app.getAttribute('data-test-script-state') === 'notRunning'"
        " && app.getAttribute('data-test-connection-state') === 'CONNECTED'; }",
        timeout=120000)


def _sign_in(page: object, url: str, user: str) -> None:
    page.set_default_timeout(WAIT)  # type: ignore[attr-defined]  # clicks and fills wait too
    page.goto(url)  # type: ignore[attr-defined]
    page.get_by_label("用户名").fill(user)  # type: ignore[attr-defined]
    page.get_by_label("密码").fill("demo1234")  # type: ignore[attr-defined]
    page.get_by_role("button", name="登录").click()  # type: ignore[attr-defined]
    page.get_by_role("heading", name="我的待办").wait_for(timeout=WAIT)  # type: ignore[attr-defined]
    _idle(page)


def _nav(page: object, title: str) -> None:
    page.locator('[data-testid="stSidebarNav"]').get_by_text(title, exact=True).click()  # type: ignore[attr-defined]
    page.get_by_role("heading", name=title).first.wait_for(timeout=WAIT)  # type: ignore[attr-defined]
    _idle(page)


def test_file_a_complaint_and_find_it_in_the_task_list(server: str, browser: object) -> None:
    ctx = browser.new_context(viewport={"width": 1400, "height": 1300}, locale="zh-CN")  # type: ignore[attr-defined]
    page = ctx.new_page()
    page.goto(server)
    page.get_by_label("用户名").wait_for(timeout=WAIT)
    _shot(page, "01-login")

    _sign_in(page, server, "frontdesk.taoyuan")
    _shot(page, "02-tasks-frontdesk")
    _nav(page, "新建登记")
    _shot(page, "03-start-empty")
    page.get_by_label("投诉人").fill("浏览器测试")
    page.get_by_label("房号").fill("3-2-501")
    page.get_by_text("电话", exact=True).click()
    page.get_by_text("投诉", exact=True).click()
    page.get_by_label("投诉（建议）内容").fill("楼道灯不亮")
    page.get_by_role("button", name="提交登记").click()
    done = page.get_by_text(re.compile(r"已登记 TS-\d{4}-\d{4}"))
    done.wait_for(timeout=WAIT)
    number = re.search(r"TS-\d{4}-\d{4}", done.inner_text()).group(0)  # type: ignore[union-attr]
    _idle(page)
    _shot(page, "04-start-filed")

    assistant = browser.new_context(viewport={"width": 1400, "height": 1300})  # type: ignore[attr-defined]
    page2 = assistant.new_page()
    _sign_in(page2, server, "assistant.taoyuan")
    page2.get_by_text(number).first.wait_for(timeout=WAIT)
    _shot(page2, "05-tasks-assistant")
    page2.get_by_role("button", name="打开").first.click()
    page2.get_by_role("heading", name="办理案件").wait_for(timeout=WAIT)
    _idle(page2)
    _shot(page2, "06-case")
    ctx.close()
    assistant.close()


PAGES = ["组织架构图", "岗位说明书", "流程图", "礼仪与话术", "知识考核", "阅读确认", "统计看板",
         "规则浏览", "规则编辑", "管理处生效规则", "版本与发布", "导入手册", "用户与权限",
         "值班与交接班", "查询记录"]


def test_screenshot_every_page(server: str, browser: object) -> None:
    ctx = browser.new_context(viewport={"width": 1400, "height": 1300})  # type: ignore[attr-defined]
    page = ctx.new_page()
    _sign_in(page, server, "admin.zhongxing")
    for i, title in enumerate(PAGES, start=10):
        _nav(page, title)
        assert page.locator('[data-testid="stException"]').count() == 0, title
        _shot(page, f"{i:02d}-{title}")
    page.get_by_text("English", exact=True).click()
    page.get_by_role("heading", name="Search records").wait_for(timeout=WAIT)
    _shot(page, "40-english")
    ctx.close()
