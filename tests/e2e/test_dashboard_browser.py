"""The web dashboard in a real browser (headless Chromium through Playwright) against the real
`priemnaya run` process: an analyst asks the bot for /dashboard, opens the one-time link,
applies a filter, downloads the export; expired, reused and forged links are refused; a head
sees only their authority. Screenshots go to var/test-reports/."""

from __future__ import annotations

import asyncio
import io
import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, Page, sync_playwright

from core.signin import SignInLinks
from priemnaya.bootstrap import bootstrap
from priemnaya.settings import Settings
from tests.analytics_seed import ANALYST, DIRECTORY, EXECUTOR_GKH, HEAD_GKH, seed
from tests.e2e.harness import ROOT, BotProcess, text_of

CHROMIUM = "/usr/bin/chromium"
REPORTS = ROOT / "var" / "test-reports"
SECRET = "dashboard-test-secret-" + "x" * 20
ROOF = "Течёт крыша в подъезде дома 5 на Канищеве в Рязани, управляющая компания не чинит"


@pytest.fixture(scope="module")
def bot(tg, module_db, tmp_path_factory) -> Iterator[BotProcess]:
    for authority in DIRECTORY.authorities:
        if authority.chat_id is not None:
            tg.add_group(authority.chat_id, authority.name)
        for official in authority.officials:
            tg.add_user(official.tg_user_id, first_name=official.full_name.split()[1])

    async def prepare() -> None:
        services = await bootstrap(Settings(database_url=module_db.url))
        try:
            await seed(services)
        finally:
            await services.close()

    asyncio.run(prepare())
    process = BotProcess(
        tg, module_db.url, tmp_path_factory.mktemp("dash-bot"), WEB_SECRET_KEY=SECRET
    ).start()
    yield process
    assert process.stop() == 0, process.log()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(accept_downloads=True, locale="ru-RU")
    yield context.new_page()
    context.close()


def shot(page: Page, name: str) -> None:
    REPORTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(REPORTS / f"dashboard-{name}.png"), full_page=True)


def ask_for_link(tg, user_id: int) -> str:
    mark = tg.mark()
    tg.send_message(user_id, "/dashboard")
    answer = text_of(tg.wait_for_bot_message(user_id, after=mark, timeout=15))
    match = re.search(r"(http://\S+/auth/\S+)", answer)
    assert match, answer
    return match.group(1)


def open_link(page: Page, link: str) -> None:
    """What a person does with the bot's link: opens it, presses «Войти»."""
    page.goto(link)
    page.click("#sign-in")


def kpi(page: Page, name: str) -> str:
    return page.locator(f'[data-kpi="{name}"] b').inner_text().strip()


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_an_analyst_signs_in_filters_and_downloads(tg, bot, citizen, page: Page, tmp_path):
    number = citizen.file_appeal(ROOF)  # a live case, through the bot, today
    link = ask_for_link(tg, ANALYST)
    assert link.startswith(bot.web_url + "/auth/")

    # opening the link (as a link preview would) spends nothing: «Войти» does
    assert status_of(link) == 200
    open_link(page, link)
    assert page.url == bot.web_url + "/dashboard"
    assert "Аналитикова Ольга Петровна · аналитик ЦУР" in page.inner_text("header")
    cookie = next(c for c in page.context.cookies() if c["name"] == "priemnaya_session")
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Lax"
    assert page.locator("svg.chart").count() >= 10
    assert page.locator("table.data").count() >= 12
    shot(page, "default")

    # the live case shows up on today's cut, its number nowhere (no personal data either)
    today = datetime.now(ZoneInfo("Europe/Moscow")).date().isoformat()
    page.goto(f"{bot.web_url}/dashboard?from={today}&to={today}")
    assert kpi(page, "total") == "1"
    assert number not in page.content() and "Канищеве" not in page.content()

    # a filter through the form: November, waste
    page.fill('input[name="from"]', "2026-11-01")
    page.fill('input[name="to"]', "2026-11-30")
    page.select_option('select[name="sector"]', "waste")
    page.click('form.filters button[type="submit"]')
    page.wait_for_url(re.compile(r".*sector=waste.*"))
    assert kpi(page, "total") == "2" and kpi(page, "overdue") == "1"
    assert "2026-900006" in page.inner_text("#panel-overdue")
    shot(page, "filtered")

    with page.expect_download() as info:
        page.click("#export-xlsx")
    download = info.value
    assert download.suggested_filename == "dashboard-20261101-20261130.xlsx"
    saved = REPORTS / download.suggested_filename
    download.save_as(saved)
    book = load_workbook(io.BytesIO(saved.read_bytes()), read_only=True)
    summary = list(book.worksheets[0].iter_rows(values_only=True))
    assert ("поступило обращений", 2) in summary
    assert any(sheet.title == "Просроченные обращения" for sheet in book.worksheets)

    page.click("text=Рейтинг ведомств")
    assert "Как считается балл" in page.inner_text("#formula")
    assert page.locator("#panel-rating table.data tbody tr").count() == 3
    shot(page, "ratings")
    page.goto(f"{bot.web_url}/reports/monthly/2026-11.html")
    assert "Доклад об обращениях граждан за 11.2026" in page.inner_text("h1")
    shot(page, "monthly")

    page.goto(bot.web_url + "/reports")
    page.click('button:has-text("Выйти")')
    assert status_of(bot.web_url + "/dashboard") == 401
    page.goto(bot.web_url + "/dashboard")
    assert "Войдите" in page.inner_text(".reason")


def test_reused_expired_and_forged_links_are_refused(tg, bot, page: Page):
    link = ask_for_link(tg, ANALYST)
    open_link(page, link)
    assert page.url.endswith("/dashboard")
    fresh = page.context.browser.new_context()  # someone else, with the same link
    other = fresh.new_page()
    with other.expect_response(lambda r: r.request.method == "POST") as answer:
        open_link(other, link)
    assert answer.value.status == 403
    assert "уже использована" in other.inner_text(".reason")
    shot(other, "reused")

    # a correctly signed link, but issued an hour ago (links live 10 minutes)
    token = link.rsplit("/", 1)[1]
    signer = SignInLinks(None, None, SECRET)  # type: ignore[arg-type]
    payload = signer.serializer.loads_unsafe(token)[1]
    with mock.patch("time.time", return_value=time.time() - 3600):
        old = signer.sign(payload["n"], payload["u"])
    response = other.goto(f"{bot.web_url}/auth/{old}")
    assert response is not None and response.status == 403
    assert "истёк" in other.inner_text(".reason")

    # forged: signed with another key, or altered
    forged = SignInLinks(None, None, "not-the-key").sign(payload["n"], payload["u"])  # type: ignore[arg-type]
    for bad in (forged, token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "garbage"):
        response = other.goto(f"{bot.web_url}/auth/{bad}")
        assert response is not None and response.status == 403
        assert "недействительна" in other.inner_text(".reason")
    assert status_of(f"{bot.web_url}/dashboard") == 401
    fresh.close()


def test_a_head_sees_only_their_authority_and_executors_get_no_link(tg, bot, page: Page):
    mark = tg.mark()
    tg.send_message(EXECUTOR_GKH, "/dashboard")
    refusal = text_of(tg.wait_for_bot_message(EXECUTOR_GKH, after=mark, timeout=15))
    assert "доступна аналитикам ЦУР и руководителям" in refusal and "http" not in refusal

    open_link(page, ask_for_link(tg, HEAD_GKH))
    assert "руководитель ведомства" in page.inner_text("header")
    options = page.locator('select[name="authority"] option').all_inner_texts()
    assert options == ["все", "Управление ЖКХ г. Рязани"]
    page.goto(f"{bot.web_url}/dashboard?from=2026-11-01&to=2026-11-30")
    assert kpi(page, "total") == "2"
    # asking for another authority's figures by editing the address gives nothing of them
    page.goto(f"{bot.web_url}/dashboard?from=2026-11-01&to=2026-11-30&authority=eco-operator")
    assert "недоступно" in page.inner_text(".errors") and kpi(page, "total") == "2"
    page.goto(f"{bot.web_url}/ratings?from=2026-11-01&to=2026-11-30")
    assert page.locator("#panel-rating table.data tbody tr").count() == 1
    shot(page, "head")


def test_reports_are_written_by_the_cli(bot, module_db, tmp_path: Path):
    from tests.integration.test_cli import priemnaya

    env = {"DATABASE_URL": module_db.url}
    monthly = priemnaya(
        "report", "monthly", "--month", "2026-11", "--out", str(tmp_path), cwd=tmp_path, **env
    )
    assert monthly.returncode == 0, monthly.stderr
    html = (tmp_path / "monthly-2026-11.html").read_text(encoding="utf-8")
    assert "Доклад об обращениях граждан за 11.2026" in html and "весь регион" in html
    book = load_workbook(tmp_path / "monthly-2026-11.xlsx", read_only=True)
    assert [s.title for s in book.worksheets][:2] == ["Основные показатели", "Нагрузка по сферам"]
    quarterly = priemnaya(
        "report", "quarterly", "--quarter", "2026-q4", "--out", str(tmp_path), cwd=tmp_path, **env
    )
    assert quarterly.returncode == 0, quarterly.stderr
    rows = (tmp_path / "quarterly-2026-Q4.csv").read_text(encoding="utf-8-sig").splitlines()
    assert rows[0].startswith("Муниципалитет;Всего;")
    assert rows[-1].startswith("Итого;")
    assert any(r.startswith("Касимов;1;") for r in rows)
    bad = priemnaya("report", "monthly", "--month", "2026-13", cwd=tmp_path, **env)
    assert bad.returncode == 2 and "not a month YYYY-MM" in bad.stderr
