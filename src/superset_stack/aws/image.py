"""Image: the Superset image ECS runs, in the stack's own ECR repository.

Creates an ECR repository (immutable tags, scan on push, encrypted with the stack key, never
force-deleted, a lifecycle rule that keeps the last 30 images) and builds both targets of
src/superset_stack/runtime/Dockerfile for the tasks' CPU architecture with BuildKit: `web` (web,
beat and the migration) and `worker` (the same plus Debian's Chromium and chromedriver for report
screenshots, hundreds of MiB that the other tasks do without). Each is pushed under a tag derived
from every build input: the target, the platform, the build arguments (the base image's digest,
the RDS CA bundle's checksum, the drivers, the sign-in extras; for the worker the Debian snapshot
and Chromium's version), the Dockerfile and every file it copies, the locks included. The same
inputs always give the same tag, and any change gives a new one, which the immutable repository
requires (a second image under a tag is refused). Tasks use the images by digest. With `image_uri`
(already digest-pinned, with Chromium in it for screenshots) nothing is built and no repository is
created: every task runs that image.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_aws as aws
import pulumi_docker_build as docker_build

SOURCE_ROOT = Path(__file__).resolve().parents[3]  # the repository: the build context
DOCKERFILE = SOURCE_ROOT / "src" / "superset_stack" / "runtime" / "Dockerfile"
DRIVERS = DOCKERFILE.parent / "drivers"
EXTRAS = DOCKERFILE.parent / "extras"
KEEP_IMAGES = 30
# The Dockerfile's pins, passed explicitly so the plan shows them and the tag follows them.
PINNED_ARGS = ("SUPERSET_DIGEST", "RDS_CA_BUNDLE_SHA256")
# The worker target's pins besides: which Debian archive moment, which Chromium.
WORKER_PINNED_ARGS = ("DEBIAN_SNAPSHOT", "CHROMIUM_VERSION")
TARGETS = ("web", "worker")
PLATFORMS = {"ARM64": "linux/arm64", "X86_64": "linux/amd64"}


def build_inputs() -> list[Path]:
    """Every file the build reads (the Dockerfile and what it copies, see .dockerignore), in a
    stable order: the runtime package with its lock and driver locks, the contract, the sizing."""
    package = SOURCE_ROOT / "src" / "superset_stack"
    files = [DOCKERFILE, package / "__init__.py", package / "contract.py", package / "sizing.py"]
    files += sorted(
        path
        for path in (package / "runtime").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    )
    return list(dict.fromkeys(files))


def dockerfile_defaults(text: str) -> dict[str, str]:
    """The Dockerfile's `ARG NAME=value` defaults (quotes removed)."""
    return {
        match.group(1): match.group(2).strip('"')
        for match in re.finditer(r"^ARG (\w+)=(.*)$", text, re.MULTILINE)
    }


def build_args(drivers: Sequence[str], extras: Sequence[str] = (), target: str = "web") -> dict[str, str]:
    """The build arguments of a target: the Dockerfile's pins it uses, the chosen drivers and sign-in
    extras, sorted."""
    defaults = dockerfile_defaults(DOCKERFILE.read_text())
    pins = PINNED_ARGS + (WORKER_PINNED_ARGS if target == "worker" else ())
    return {
        **{name: defaults[name] for name in pins},
        "WAREHOUSE_DRIVERS": " ".join(sorted(drivers)),
        "SIGN_IN_EXTRAS": " ".join(sorted(extras)),
    }


def content_tag(
    platform: str,
    args: Mapping[str, str],
    files: Sequence[Path] | None = None,
    root: Path = SOURCE_ROOT,
    target: str = "web",
) -> str:
    """A tag from every build input: the target, the platform, the build arguments and each file's
    path and bytes. Each field is length-prefixed, so no two different sets of inputs hash alike."""
    digest = hashlib.sha256()

    def field(data: bytes) -> None:
        digest.update(len(data).to_bytes(8, "big") + data)

    field(target.encode())
    field(platform.encode())
    for name in sorted(args):
        field(name.encode())
        field(args[name].encode())
    for path in build_inputs() if files is None else files:
        field(path.relative_to(root).as_posix().encode())
        field(path.read_bytes())
    return f"runtime-{digest.hexdigest()[:16]}"


@dataclass(frozen=True, kw_only=True)
class ImageArgs:
    """Inputs for :class:`Image`.

    Attributes:
        kms_key_arn: Key that encrypts the repository.
        cpu_architecture: ``ARM64`` or ``X86_64``, as the task definitions run.
        warehouse_drivers: drivers from runtime/drivers/ to install. Defaults to ClickHouse.
        sign_in_extras: extras from runtime/extras/ to install (``ldap`` for LDAP sign-in), in both
            targets. Defaults to none.
        image_uri: A prebuilt image pinned by digest, for every task (with Chromium, for screenshots);
            skips the repository and the builds. Defaults to none.
    """

    kms_key_arn: pulumi.Input[str]
    cpu_architecture: str = "ARM64"
    warehouse_drivers: Sequence[str] = ("clickhouse",)
    sign_in_extras: Sequence[str] = ()
    image_uri: str = ""


class Image(pulumi.ComponentResource):
    """The digest-pinned Superset image, built and pushed, or given."""

    image_ref: pulumi.Output[str]
    worker_image_ref: pulumi.Output[str]
    repository_arn: pulumi.Output[str] | None

    def __init__(self, name: str, args: ImageArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("superset:image:Image", name, None, opts)
        if args.cpu_architecture not in PLATFORMS:
            raise ValueError(f"cpu_architecture must be ARM64 or X86_64, got {args.cpu_architecture!r}")
        unknown = [d for d in args.warehouse_drivers if not (DRIVERS / f"{d}.lock").exists()]
        if unknown:
            raise ValueError(f"no driver lock for {unknown} in {DRIVERS}")
        unknown = [e for e in args.sign_in_extras if not (EXTRAS / f"{e}.lock").exists()]
        if unknown:
            raise ValueError(f"no extra lock for {unknown} in {EXTRAS}")
        if args.image_uri and "@sha256:" not in args.image_uri:
            raise ValueError(
                f"image_uri must be pinned by digest (repository@sha256:...), got {args.image_uri!r}"
            )
        child = pulumi.ResourceOptions(parent=self)

        if args.image_uri:
            self.image_ref = self.worker_image_ref = pulumi.Output.from_input(args.image_uri)
            self.repository_arn = None
        else:
            repository = aws.ecr.Repository(
                name,
                image_tag_mutability="IMMUTABLE",
                image_scanning_configuration={"scan_on_push": True},
                encryption_configurations=[{"encryption_type": "KMS", "kms_key": args.kms_key_arn}],
                force_delete=False,
                opts=child,
            )
            aws.ecr.LifecyclePolicy(
                name,
                repository=repository.name,
                policy=pulumi.Output.json_dumps(
                    {
                        "rules": [
                            {
                                "rulePriority": 1,
                                "description": f"keep the last {KEEP_IMAGES} images",
                                "selection": {
                                    "tagStatus": "any",
                                    "countType": "imageCountMoreThan",
                                    "countNumber": KEEP_IMAGES,
                                },
                                "action": {"type": "expire"},
                            }
                        ],
                    }
                ),
                opts=child,
            )
            credentials = aws.ecr.get_authorization_token_output(
                registry_id=repository.registry_id, opts=pulumi.InvokeOutputOptions(parent=self)
            )
            platform = PLATFORMS[args.cpu_architecture]
            refs: dict[str, pulumi.Output[str]] = {}
            for target in TARGETS:
                arguments = build_args(args.warehouse_drivers, args.sign_in_extras, target)
                tag = content_tag(platform, arguments, target=target)
                image = docker_build.Image(
                    name if target == "web" else f"{name}-{target}",
                    context={"location": str(SOURCE_ROOT)},
                    dockerfile={"location": str(DOCKERFILE)},
                    target=target,
                    platforms=[platform],
                    build_args=arguments,
                    tags=[pulumi.Output.concat(repository.repository_url, ":", tag)],
                    push=True,
                    registries=[
                        {
                            "address": repository.repository_url,
                            "username": credentials.user_name,
                            # a short-lived registry token, still never stored in clear in the state
                            "password": pulumi.Output.secret(credentials.password),
                        }
                    ],
                    opts=child,
                )
                refs[target] = pulumi.Output.concat(repository.repository_url, "@", image.digest)
            self.image_ref, self.worker_image_ref = refs["web"], refs["worker"]
            self.repository_arn = repository.arn
        self.register_outputs(
            {
                "image_ref": self.image_ref,
                "worker_image_ref": self.worker_image_ref,
                "repository_arn": self.repository_arn,
            }
        )
