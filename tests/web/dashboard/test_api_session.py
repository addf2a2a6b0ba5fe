"""The read API answers a signed-in dashboard session as it answers the bearer token
(contract), and nobody else."""

from __future__ import annotations

from tests.web.dashboard.support import Browser


async def test_a_dashboard_session_reads_the_api_without_a_token(browser: Browser) -> None:
    ticket = await browser.add("Projector flickers")
    assert (await browser.http.get("/api/tickets")).status_code in (401, 503)
    assert (await browser.sign_in()).status_code == 303
    listed = await browser.http.get("/api/tickets")
    assert listed.status_code == 200
    assert [t["ticket_id"] for t in listed.json()["tickets"]] == [ticket.ticket_id]
    one = await browser.http.get(f"/api/tickets/{ticket.ticket_id}")
    assert one.status_code == 200


async def test_signing_out_ends_api_access(browser: Browser) -> None:
    assert (await browser.sign_in()).status_code == 303
    board = await browser.http.get("/")
    csrf = board.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    assert (await browser.http.post("/logout", data={"csrf": csrf})).status_code == 303
    assert (await browser.http.get("/api/tickets")).status_code in (401, 503)
