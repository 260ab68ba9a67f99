"""Certificate: the TLS certificate of the Superset host name.

Either uses an ACM certificate the user already has (same region), or creates one for
`domain_name`, validates it through a DNS record in the Route 53 zone, and waits for ACM to issue
it; the HTTPS listener depends on the validated ARN, so it never attaches a pending certificate.
ACM renews a DNS-validated certificate on its own while the record stays.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws


@dataclass(frozen=True, kw_only=True)
class CertificateArgs:
    """Inputs for :class:`Certificate`.

    Attributes:
        domain_name: Host name the certificate covers, e.g. ``superset.example.com``.
        hosted_zone_id: Route 53 zone to validate in. Defaults to none (then certificate_arn is required).
        certificate_arn: An existing ACM certificate to use instead. Defaults to none.
    """

    domain_name: str
    hosted_zone_id: str = ""
    certificate_arn: str = ""


class Certificate(pulumi.ComponentResource):
    """A validated ACM certificate for the Superset host name."""

    certificate_arn: pulumi.Output[str]

    def __init__(self, name: str, args: CertificateArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("superset:certificate:Certificate", name, None, opts)
        if bool(args.hosted_zone_id) == bool(args.certificate_arn):
            raise ValueError(
                "Only one of `hosted_zone_id` or `certificate_arn` can be provided, and one is needed; "
                f"got hosted_zone_id={args.hosted_zone_id!r}, certificate_arn={args.certificate_arn!r}"
            )
        child = pulumi.ResourceOptions(parent=self)

        if args.certificate_arn:
            self.certificate_arn = pulumi.Output.from_input(args.certificate_arn)
        else:
            certificate = aws.acm.Certificate(
                name,
                domain_name=args.domain_name,
                validation_method="DNS",
                options={"certificate_transparency_logging_preference": "ENABLED"},
                opts=child,
            )
            # One host name means exactly one validation record: no apply needed to create it.
            option = certificate.domain_validation_options[0]
            record = aws.route53.Record(
                f"{name}-validation",
                zone_id=args.hosted_zone_id,
                name=option.resource_record_name,
                type=option.resource_record_type,
                records=[option.resource_record_value],
                ttl=60,
                allow_overwrite=True,
                opts=child,
            )
            validation = aws.acm.CertificateValidation(
                name, certificate_arn=certificate.arn, validation_record_fqdns=[record.fqdn], opts=child
            )
            self.certificate_arn = validation.certificate_arn
        self.register_outputs({"certificate_arn": self.certificate_arn})
