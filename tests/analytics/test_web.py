"""The dashboard's web layer without a browser: every text its templates ask for exists, the
security headers, who is refused what, bad addresses answered clearly."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from core.i18n import Texts
from core.ratings import WEIGHTS
from core.signin import Refusal
from priemnaya.bootstrap import bootstrap
from priemnaya.dashboard_links import signin_links
from priemnaya.settings import Settings
from tests.analytics.test_statistics import FixedClock
from tests.analytics_seed import ANALYST, EXECUTOR_GKH, HEAD_GKH, seed
from web.app import build_app

WEB = Path(__file__).resolve().parents[2] / "web"
CALL = re.compile(r"""\bt\(\s*["']([a-z0-9-]+)["']""")


def test_every_text_of_the_web_exists():
    texts = Texts()
    used = set()
    for path in [*WEB.rglob("*.html"), *WEB.rglob("*.py")]:
        found = CALL.findall(path.read_text(encoding="utf-8"))
        used |= {i for i in found if not i.endswith("-")}  # a prefix: see `dynamic`
    dynamic = {f"dash-role-{r}" for r in ("analyst", "head")}
    dynamic |= {f"dash-refused-{r.value}" for r in Refusal} | {"dash-refused-signed_out"}
    dynamic |= {f"dash-component-{k}" for k in WEIGHTS} | {f"dash-formula-{k}" for k in WEIGHTS}
    dynamic |= {
        f"dash-filter-{n}" for n in ("sector", "municipality", "authority", "channel", "status")
    }
    assert len(used) > 30
    assert sorted(i for i in used | dynamic if not texts.has(i)) == []


@pytest.fixture
async def client(test_db, tmp_path) -> AsyncIterator[tuple[TestClient, object]]:
    settings = Settings(database_url=test_db.url, var_dir=tmp_path, web_base_url="https://x.ru")
    services = await bootstrap(settings, clock=FixedClock())
    await seed(services)
    async with TestClient(TestServer(build_app(services))) as http:
        yield http, services
    await services.close()


async def sign_in(http: TestClient, services, user: int) -> None:
    issued = await signin_links(services).issue(user)
    assert issued is not None
    page = await http.get(f"/auth/{issued.token}")
    assert page.status == 200 and 'id="sign-in"' in await page.text()
    response = await http.post(f"/auth/{issued.token}", allow_redirects=False)
    assert response.status == 303
    cookie = response.headers["Set-Cookie"]
    # https base URL: the cookie is Secure too
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    # the test talks plain HTTP: hand the session to the client's jar as a browser on https
    token = cookie.split(";", 1)[0].split("=", 1)[1]
    http.session.cookie_jar.update_cookies({"priemnaya_session": token})


async def test_pages_need_a_session_and_send_safe_headers(client):
    http, services = client
    for path in (
        "/dashboard",
        "/ratings",
        "/reports",
        "/dashboard/export.xlsx",
        "/reports/monthly/2026-11.xlsx",
        "/reports/quarterly/2026-Q4.csv",
    ):
        response = await http.get(path)
        assert response.status == 401, path
        assert "отправьте боту команду /dashboard" in await response.text()
    assert (
        signin_links(services) is not None
        and await signin_links(services).issue(EXECUTOR_GKH) is None
    )  # an executor has no dashboard
    await sign_in(http, services, ANALYST)
    page = await http.get("/dashboard?from=2026-11-01&to=2026-11-30")
    assert page.status == 200
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["Cache-Control"] == "no-store"
    body = await page.text()
    assert "<script" not in body and "Течёт крыша" not in body  # no citizen's text


async def test_a_post_from_another_site_spends_no_link(client):
    http, services = client
    issued = await signin_links(services).issue(ANALYST)
    foreign = await http.post(f"/auth/{issued.token}", headers={"Origin": "https://evil.example"})
    assert foreign.status == 403
    await sign_in(http, services, ANALYST)  # a fresh link still works …
    again = await http.post(f"/auth/{issued.token}", allow_redirects=False)
    assert again.status == 303  # … and so does the one the foreign POST did not spend


async def test_bad_input_is_answered_clearly(client):
    http, services = client
    await sign_in(http, services, ANALYST)
    page = await (await http.get("/dashboard?from=31.11.2026&to=2026-11-30&channel=fax")).text()
    assert "Не понимаю дату «31.11.2026»" in page and "Фильтр «Канал»" in page
    flipped = await (await http.get("/dashboard?from=2026-11-30&to=2026-11-01")).text()
    assert "даты поменяны местами" in flipped
    for path, status in (
        ("/reports/monthly/2026-13.html", 404),
        ("/reports/monthly/2026-11.pdf", 404),
        ("/reports/quarterly/2026-Q5.csv", 404),
        ("/dashboard/export.csv?table=nope", 404),
    ):
        assert (await http.get(path)).status == status, path
    csv = await http.get("/dashboard/export.csv?from=2026-11-01&to=2026-11-30&table=overdue")
    assert csv.status == 200 and "attachment" in csv.headers["Content-Disposition"]
    text = (await csv.read()).decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Номер;Сфера;") and "2026-900006" in text


async def test_a_heads_reports_cover_their_authority_only(client):
    http, services = client
    await sign_in(http, services, HEAD_GKH)
    csv = (await (await http.get("/reports/quarterly/2026-Q4.csv")).read()).decode("utf-8-sig")
    # the GKH's cases of Q4: №3, №4 (Nov), №2 (Dec), №8 (Oct) — all in Рязань
    assert [r.split(";")[:2] for r in csv.splitlines()[1:]] == [["Рязань", "4"], ["Итого", "4"]]
    html = await (await http.get("/reports/monthly/2026-11.html")).text()
    assert "Охват: Управление ЖКХ г. Рязани" in html
    assert "Региональный оператор ТКО" not in html
    out = await http.post("/logout")
    assert out.status == 200 and (await http.get("/dashboard")).status == 401
