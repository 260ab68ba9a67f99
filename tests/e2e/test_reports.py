"""Alerts and reports end to end: scheduled through the API, delivered to the twin's mail relay.

Beat's `reports.scheduler` runs every minute, the worker executes each schedule (Chromium through
Selenium for screenshots, the chart's data for CSV, the alert's SQL for alerts) and sends the
e-mail with smtplib to the twin's relay, which keeps each message as an .eml file. The tests open
the messages: a PNG of real content (its size, many colours, no single colour filling it), CSV rows
equal to the data. On the like-aws twin the same runs under forced HTTPS, the worker's browser
reaching gunicorn directly over plain http on loopback (as over the web service's internal name on
ECS), and the mail goes over STARTTLS verified against the twin's CA, with a login.

While the reports run, the worker's process tree (Celery, its pool, chromedriver and Chromium) is
sampled: its peak memory is written to artifacts/report-memory.json and checked against the
sizing model the worker-size validator uses.
"""

from __future__ import annotations

import csv
import email
import io
import json
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any

import pytest

from superset_stack import sizing
from superset_stack.local.twin import Twin, browser_problem
from tests.e2e.conftest import ARTIFACTS, Api, Chart
from tests.missing import missing
from tests.runtime_venv import runtime_python

MAIL_TIMEOUT_SECONDS = 420  # the next minute's scheduler tick, a cold browser and a busy 2-core machine


@pytest.fixture(scope="module", autouse=True)
def browser() -> None:
    if problem := browser_problem():
        missing(problem)


# --- the worker's memory while reports run ----------------------------------------------------


def _tree(root: int) -> list[int]:
    """`root` and every descendant, from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents.setdefault(ppid, []).append(int(entry.name))
    found, queue = [], [root]
    while queue:
        pid = queue.pop()
        found.append(pid)
        queue.extend(parents.get(pid, []))
    return found


def _memory_kib(pid: int) -> tuple[int, int, str]:
    """(PSS, RSS) in KiB of one process, and its command name; zeros once it is gone."""
    try:
        rollup = (Path(f"/proc/{pid}/smaps_rollup")).read_text()
        name = Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return 0, 0, ""
    values = {line.split(":")[0]: int(line.split()[1]) for line in rollup.splitlines()[1:] if "kB" in line}
    return values.get("Pss", 0), values.get("Rss", 0), name


@dataclass
class MemorySampler:
    """Samples the worker's process tree every half second; keeps the peak total and its parts."""

    root: int
    peak_pss_kib: int = 0
    peak_rss_kib: int = 0
    peak_parts: dict[str, int] = field(default_factory=dict)
    baseline_pss_kib: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    def sample(self) -> None:
        parts: dict[str, int] = {}
        pss_total = rss_total = 0
        for pid in _tree(self.root):
            pss, rss, name = _memory_kib(pid)
            pss_total, rss_total = pss_total + pss, rss_total + rss
            kind = "chromium" if "chrom" in name and "driver" not in name else name or "?"
            if name.startswith(("python", "celery")):
                kind = "celery main" if pid == self.root else "celery pool"
            parts[kind] = parts.get(kind, 0) + pss
        if not self.baseline_pss_kib:
            self.baseline_pss_kib = pss_total
        if pss_total > self.peak_pss_kib:
            self.peak_pss_kib, self.peak_parts = pss_total, parts
        self.peak_rss_kib = max(self.peak_rss_kib, rss_total)

    def run(self) -> None:
        while not self._stop.wait(0.5):
            self.sample()

    def stop(self) -> dict[str, Any]:
        self._stop.set()
        return {
            "baseline_pss_mib": round(self.baseline_pss_kib / 1024),
            "peak_pss_mib": round(self.peak_pss_kib / 1024),
            "peak_rss_mib": round(self.peak_rss_kib / 1024),
            "peak_pss_mib_by_process": {
                name: round(kib / 1024) for name, kib in sorted(self.peak_parts.items())
            },
        }


@pytest.fixture(scope="module")
def worker_memory(twin: Twin) -> Iterator[MemorySampler]:
    sampler = MemorySampler(root=twin.running()["worker"])
    sampler.sample()
    thread = threading.Thread(target=sampler.run, daemon=True)
    thread.start()
    yield sampler
    figures = {**sampler.stop(), "celery_concurrency": twin.options.celery_concurrency}
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "report-memory.json").write_text(json.dumps(figures, indent=2))
    print(f"\nworker memory while reports ran: {figures}")


# --- scheduling and the mail folder -------------------------------------------------------------


def schedule(api: Api, name: str, recipient: str, **content: Any) -> int:
    """A report or alert every minute, e-mailed to `recipient`; its id."""
    return api.create("/api/v1/report/", {
        "type": "Report", "name": name, "crontab": "* * * * *", "timezone": "UTC", "active": True,
        "creation_method": "alerts_reports", "working_timeout": 600, "log_retention": 1, "grace_period": 60,
        "recipients": [{"type": "Email", "recipient_config_json": {"target": recipient}}], **content,
    })  # fmt: skip


def stop_schedule(api: Api, report_id: int) -> None:
    api.session.put(f"{api.base}/api/v1/report/{report_id}", json={"active": False}, timeout=60)


def mail_to(twin: Twin, recipient: str, *, timeout_seconds: float = MAIL_TIMEOUT_SECONDS) -> Message:
    """The first message in the twin's mail folder addressed to `recipient`, waiting for it."""
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        for path in twin.mail().messages():
            message = email.message_from_bytes(path.read_bytes())
            if recipient in message.get("To", ""):
                return message
        time.sleep(2)
    worker = (twin.logs / "worker.log").read_text(errors="replace").splitlines()[-40:]
    raise AssertionError(
        f"no mail to {recipient} after {timeout_seconds:.0f} s; worker log:\n" + "\n".join(worker)
    )


def attachments(message: Message, content_type: str) -> list[bytes]:
    """The payloads of one type; CSV by its file name (Superset sends it as octet-stream)."""
    return [
        part.get_payload(decode=True)
        for part in message.walk()
        if part.get_content_type() == content_type
        or (content_type == "text/csv" and (part.get_filename() or "").endswith(".csv"))
    ]


def executions(api: Api, report_id: int) -> list[str]:
    """The states of a schedule's executions so far, newest first."""
    answer = api.get(
        f"/api/v1/report/{report_id}/log/", params={"q": "(order_column:end_dttm,order_direction:desc)"}
    )
    assert answer.status_code == 200, answer.text
    return [row["state"] for row in answer.json()["result"]]


def picture(png: bytes, name: str) -> dict[str, Any]:
    """Size and colours of a PNG (Pillow, from the Superset runtime); also kept in artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    path.write_bytes(png)
    script = (
        "import json, sys; from PIL import Image; image = Image.open(sys.argv[1]).convert('RGB'); "
        "colours = image.getcolors(maxcolors=1 << 24); "
        "print(json.dumps({'size': image.size, 'colours': len(colours), "
        "'largest_share': max(count for count, _ in colours) / (image.size[0] * image.size[1])}))"
    )
    result = subprocess.run([str(runtime_python()), "-c", script, str(path)], capture_output=True, text=True,
                            check=True, timeout=60)  # fmt: skip
    measured: dict[str, Any] = json.loads(result.stdout)
    return measured


def assert_real_content(png: bytes, name: str) -> None:
    measured = picture(png, name)
    width, height = measured["size"]
    assert width >= 600 and height >= 300, measured
    # a rendered table: text, borders and background, not one flat colour (a blank or error page)
    assert measured["colours"] >= 20 and measured["largest_share"] < 0.98, measured


# --- the default twin ---------------------------------------------------------------------------


@dataclass
class Schedules:
    chart_png: int
    dashboard_png: int
    chart_csv: int
    alert_fires: int
    alert_quiet: int


def make_schedules(api: Api, chart: Chart, prefix: str = "") -> Schedules:
    """Every schedule at once, so they share the next scheduler ticks (the machine has 2 cores);
    recipients start with `prefix`."""
    dashboard = api.create("/api/v1/dashboard/", {"dashboard_title": "Sales", "published": True})
    linked = api.session.put(
        f"{api.base}/api/v1/chart/{chart.chart_id}", json={"dashboards": [dashboard]}, timeout=60
    )
    assert linked.status_code == 200, linked.text
    alert = {"type": "Alert", "database": chart.database_id, "chart": chart.chart_id, "report_format": "CSV",
             "validator_type": "operator", "sql": "SELECT SUM(amount) FROM sales"}  # fmt: skip
    return Schedules(
        chart_png=schedule(
            api, "Chart PNG", f"{prefix}chart-png@example.com", chart=chart.chart_id, report_format="PNG"
        ),
        dashboard_png=schedule(
            api, "Dashboard PNG", f"{prefix}dashboard-png@example.com", dashboard=dashboard, report_format="PNG"
        ),
        chart_csv=schedule(
            api, "Chart CSV", f"{prefix}chart-csv@example.com", chart=chart.chart_id, report_format="CSV"
        ),
        # the sales add up to 35
        alert_fires=schedule(
            api, "Sales above 30", f"{prefix}alert-fires@example.com", **alert,
            validator_config_json={"op": ">", "threshold": 30},
        ),
        alert_quiet=schedule(
            api, "Sales above 100", f"{prefix}alert-quiet@example.com", **alert,
            validator_config_json={"op": ">", "threshold": 100},
        ),
    )  # fmt: skip


@pytest.fixture(scope="module")
def schedules(twin: Twin, api: Api, chart: Chart, worker_memory: MemorySampler) -> Iterator[Schedules]:
    made = make_schedules(api, chart)
    yield made
    for report_id in vars(made).values():
        stop_schedule(api, report_id)


def assert_sales_csv(message: Message) -> None:
    [data] = attachments(message, "text/csv")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert sorted((row["region"], float(row["total"])) for row in rows) == [("north", 15.0), ("south", 20.0)]


def assert_quiet_alert_sent_nothing(twin: Twin, api: Api, schedules: Schedules, prefix: str = "") -> None:
    deadline = time.monotonic() + MAIL_TIMEOUT_SECONDS
    while "Not triggered" not in (states := executions(api, schedules.alert_quiet)):
        assert time.monotonic() < deadline, states
        time.sleep(3)
    assert "Success" not in states
    mail_to(twin, f"{prefix}alert-fires@example.com")  # the other alert of the same tick has been sent by now
    quiet = f"{prefix}alert-quiet@example.com".encode()
    assert not [p for p in twin.mail().messages() if quiet in p.read_bytes()]


def test_a_chart_report_arrives_as_a_png_of_the_chart(twin: Twin, schedules: Schedules) -> None:
    message = mail_to(twin, "chart-png@example.com")
    assert message["Subject"] == "[Superset] Chart PNG: Sales by region"
    [png] = attachments(message, "image/png")
    assert_real_content(png, "report-chart.png")
    # the link in the mail is the public URL users open, not the worker's internal one
    html = b"".join(attachments(message, "text/html")).decode()
    assert f'href="{twin.superset_url()}/' in html, html  # the link users follow


def test_a_dashboard_report_arrives_as_a_png(twin: Twin, schedules: Schedules) -> None:
    message = mail_to(twin, "dashboard-png@example.com")
    assert message["Subject"] == "[Superset] Dashboard PNG: Sales"
    pngs = attachments(message, "image/png")
    assert pngs, message
    assert_real_content(pngs[0], "report-dashboard.png")


def test_a_csv_report_holds_the_chart_data(twin: Twin, schedules: Schedules) -> None:
    assert_sales_csv(mail_to(twin, "chart-csv@example.com"))


def test_an_alert_whose_sql_condition_holds_is_sent(twin: Twin, schedules: Schedules) -> None:
    message = mail_to(twin, "alert-fires@example.com")
    assert message["Subject"].startswith("[Superset] Sales above 30"), message["Subject"]
    assert attachments(message, "text/csv"), "the alert attaches its chart's data"


def test_an_alert_whose_sql_condition_fails_sends_nothing(twin: Twin, api: Api, schedules: Schedules) -> None:
    assert_quiet_alert_sent_nothing(twin, api, schedules)


def test_every_report_run_is_a_json_event_in_the_worker_log(twin: Twin, schedules: Schedules) -> None:
    mail_to(twin, "chart-csv@example.com")
    events = [json.loads(line) for line in (twin.logs / "worker.log").read_text(errors="replace").splitlines()
              if line.startswith("{") and '"report_execution"' in line]  # fmt: skip
    finished = {(event["report_name"], event["state"]) for event in events}
    assert ("Chart CSV", "Success") in finished, events[-5:]
    assert ("Sales above 100", "Not triggered") in finished or not events, events[-5:]
    assert all(event["level"] in ("INFO", "WARNING") for event in events)


def test_the_browser_fits_the_worker_sizing(
    twin: Twin, schedules: Schedules, worker_memory: MemorySampler
) -> None:
    mail_to(twin, "chart-png@example.com")
    mail_to(twin, "dashboard-png@example.com")
    figures = worker_memory.stop()
    print(f"\nworker tree while reports ran: {figures}")
    # the model behind workerMemoryMib's validator: each Celery process may hold a browser at once
    budget = sizing.worker_memory_needed_mib(twin.options.celery_concurrency)
    assert figures["peak_pss_mib"] <= budget, (figures, budget)
    assert figures["peak_pss_mib_by_process"].get("chromium", 0) > 0, "no browser ran while sampled"


# --- the like-aws twin: forced HTTPS, STARTTLS ------------------------------------------------------


@pytest.fixture(scope="module")
def aws_schedules(aws_twin: Twin, aws_api: Api, aws_chart: Chart) -> Iterator[Schedules]:
    made = make_schedules(aws_api, aws_chart, prefix="aws-")
    yield made
    for report_id in vars(made).values():
        stop_schedule(aws_api, report_id)


def test_like_aws_a_chart_report_under_forced_https_over_starttls(
    aws_twin: Twin, aws_schedules: Schedules
) -> None:
    message = mail_to(aws_twin, "aws-chart-png@example.com")
    [png] = attachments(message, "image/png")
    assert_real_content(png, "like-aws-report-chart.png")
    html = b"".join(attachments(message, "text/html")).decode()
    # the https link users open, never the worker's internal address
    assert f'href="{aws_twin.superset_url()}/' in html and aws_twin.gunicorn_url() not in html, html
    relay = (aws_twin.logs / "smtp.log").read_text()
    assert "tls=yes login=superset" in relay, relay[-2000:]
    # the worker's browser spoke plain http to gunicorn directly, and was never redirected to https
    browser = [line for line in (aws_twin.logs / "web.log").read_text(errors="replace").splitlines()
               if "HeadlessChrome" in line and '"GET /explore/' in line]  # fmt: skip
    assert browser and all('" 200 ' in line for line in browser), browser


def test_like_aws_the_dashboard_report_the_csv_report_and_both_alerts(
    aws_twin: Twin, aws_api: Api, aws_schedules: Schedules
) -> None:
    dashboard = mail_to(aws_twin, "aws-dashboard-png@example.com")
    pngs = attachments(dashboard, "image/png")
    assert pngs, dashboard
    assert_real_content(pngs[0], "like-aws-report-dashboard.png")
    assert_sales_csv(mail_to(aws_twin, "aws-chart-csv@example.com"))
    fired = mail_to(aws_twin, "aws-alert-fires@example.com")
    assert fired["Subject"].startswith("[Superset] Sales above 30"), fired["Subject"]
    assert_quiet_alert_sent_nothing(aws_twin, aws_api, aws_schedules, prefix="aws-")
