"""Image: the Superset image ECS runs, in the stack's own ECR repository.

Creates an ECR repository (immutable tags, scan on push, encrypted with the stack key, never
force-deleted, a lifecycle rule that keeps the last 30 images) and builds
src/superset_stack/runtime/Dockerfile for the tasks' CPU architecture with BuildKit, pushing it
under a tag derived from the build inputs' content: the same sources always give the same tag, and
any change to the lock, the config or the entrypoint gives a new one. Tasks use the image by
digest. With `image_uri` (already digest-pinned) nothing is built and no repository is created.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_aws as aws
import pulumi_docker_build as docker_build

SOURCE_ROOT = Path(__file__).resolve().parents[3]  # the repository: the build context
DOCKERFILE = SOURCE_ROOT / "src" / "superset_stack" / "runtime" / "Dockerfile"
DRIVERS = DOCKERFILE.parent / "drivers"
KEEP_IMAGES = 30


def build_inputs() -> list[Path]:
    """Every file the Dockerfile copies (see .dockerignore), in a stable order."""
    package = SOURCE_ROOT / "src" / "superset_stack"
    files = [DOCKERFILE, package / "__init__.py", package / "contract.py", package / "sizing.py"]
    files += sorted(
        path for path in (package / "runtime").glob("*") if path.is_file() and path.suffix != ".pyc"
    )
    return list(dict.fromkeys(files))


def content_tag(drivers: Sequence[str] = ()) -> str:
    """Tag from the build inputs and the chosen drivers: same sources and drivers, same tag."""
    digest = hashlib.sha256(" ".join(sorted(drivers)).encode() + b"\0")
    for path in build_inputs():
        digest.update(path.relative_to(SOURCE_ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return f"runtime-{digest.hexdigest()[:16]}"


@dataclass(frozen=True, kw_only=True)
class ImageArgs:
    """Inputs for :class:`Image`.

    Attributes:
        kms_key_arn: Key that encrypts the repository.
        cpu_architecture: ``ARM64`` or ``X86_64``, as the task definitions run.
        warehouse_drivers: drivers from runtime/drivers/ to install. Defaults to ClickHouse.
        image_uri: A prebuilt image pinned by digest; skips the repository and the build. Defaults to none.
    """

    kms_key_arn: pulumi.Input[str]
    cpu_architecture: str = "ARM64"
    warehouse_drivers: Sequence[str] = ("clickhouse",)
    image_uri: str = ""


class Image(pulumi.ComponentResource):
    """The digest-pinned Superset image, built and pushed, or given."""

    image_ref: pulumi.Output[str]
    repository_arn: pulumi.Output[str] | None

    def __init__(self, name: str, args: ImageArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("superset:image:Image", name, None, opts)
        if args.cpu_architecture not in ("ARM64", "X86_64"):
            raise ValueError(f"cpu_architecture must be ARM64 or X86_64, got {args.cpu_architecture!r}")
        unknown = [d for d in args.warehouse_drivers if not (DRIVERS / f"{d}.lock").exists()]
        if unknown:
            raise ValueError(f"no driver lock for {unknown} in {DRIVERS}")
        if args.image_uri and "@sha256:" not in args.image_uri:
            raise ValueError(
                f"image_uri must be pinned by digest (repository@sha256:...), got {args.image_uri!r}"
            )
        child = pulumi.ResourceOptions(parent=self)

        if args.image_uri:
            self.image_ref = pulumi.Output.from_input(args.image_uri)
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
            platform = "linux/arm64" if args.cpu_architecture == "ARM64" else "linux/amd64"
            image = docker_build.Image(
                name,
                context={"location": str(SOURCE_ROOT)},
                dockerfile={"location": str(DOCKERFILE)},
                platforms=[platform],
                build_args={"WAREHOUSE_DRIVERS": " ".join(sorted(args.warehouse_drivers))},
                tags=[
                    pulumi.Output.concat(repository.repository_url, ":", content_tag(args.warehouse_drivers))
                ],
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
            self.image_ref = pulumi.Output.concat(repository.repository_url, "@", image.digest)
            self.repository_arn = repository.arn
        self.register_outputs({"image_ref": self.image_ref, "repository_arn": self.repository_arn})
