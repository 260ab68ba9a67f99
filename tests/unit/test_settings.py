"""Settings: presets, overrides, and a clear error for every kind of bad input."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

import pytest

from superset_stack.settings import (
    OPTIONS,
    NatGateways,
    Preset,
    Settings,
    SettingsError,
    setting_fields,
)
from tests.conftest import REGION, TODAY, make_settings

ROOT = Path(__file__).resolve().parents[2]


def problems_of(preset: str = "dev", /, **values: Any) -> tuple[str, ...]:
    with pytest.raises(SettingsError) as caught:
        make_settings(preset, **values)
    return caught.value.problems


class TestPresets:
    @pytest.mark.parametrize("environment", ["dev", "staging", "prod"])
    def test_every_preset_is_valid_on_its_own(self, environment: str) -> None:
        settings = make_settings(environment)
        assert settings.environment == environment
        assert settings.connection_budget.fits

    def test_prod_is_highly_available_and_protected(self) -> None:
        prod = make_settings("prod")
        assert len(prod.availability_zones) == 3
        assert prod.nat_gateways is NatGateways.ONE_PER_AZ
        assert prod.vpc_endpoints
        assert prod.db_multi_az and prod.db_deletion_protection
        assert prod.db_backup_retention_days >= 7
        assert prod.cache_node_count >= 2
        assert prod.web_min_tasks >= 2
        assert prod.log_retention_days == 365

    def test_dev_is_cheap_but_still_spans_two_zones(self) -> None:
        dev = make_settings("dev")
        assert dev.availability_zones == ("us-east-1a", "us-east-1b")
        # no NAT gateway: the interface endpoints in one zone are cheaper and enough to start tasks
        assert (dev.nat_gateways, dev.vpc_endpoints, dev.vpc_endpoints_all_zones) == (
            NatGateways.NONE,
            True,
            False,
        )
        assert (dev.fargate_spot, dev.cpu_architecture, dev.office_hours) == (
            True,
            "X86_64",
            "MON-FRI 07:00-19:00",
        )
        assert not dev.db_multi_az
        assert dev.cache_node_count == 1

    def test_environment_defaults_to_the_stack_name(self) -> None:
        assert make_settings("staging").environment == "staging"

    def test_an_imported_certificate_replaces_the_hosted_zone(self) -> None:
        arn = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666"
        settings = make_settings("dev", hostedZoneId="", certificateArn=arn)
        assert (settings.hosted_zone_id, settings.certificate_arn) == ("", arn)

    def test_a_policy_can_be_waived_by_name_and_a_setting_waiver_covers_its_policy(self) -> None:
        from superset_stack.policies.rules import SETTING_WAIVERS

        settings = make_settings("prod", dbMultiAz=False, waivers=[
            "dbMultiAz until 2027-01-31: single-AZ pilot",
            "aws-lb-loadbalancer-require-access-logs until 2027-02-28: log bucket moves accounts",
        ])  # fmt: skip
        assert settings.policy_waivers(SETTING_WAIVERS) == {
            "aws-rds-instance-require-multi-az": "until 2027-01-31: single-AZ pilot",
            "aws-lb-loadbalancer-require-access-logs": "until 2027-02-28: log bucket moves accounts",
        }

    def test_a_custom_stack_name_picks_a_preset_explicitly(self) -> None:
        settings = make_settings("prod", stack="prod-eu", environment="prod")
        assert settings.environment == "prod"
        assert settings.stack == "prod-eu"
        assert settings.resource_prefix == "superset-prod-eu"

    def test_tags_carry_the_cost_allocation_keys(self) -> None:
        assert make_settings("prod").tags == {
            "Project": "superset-stack", "Environment": "prod", "CostCenter": "analytics",
            "Owner": "data-platform", "Stack": "prod", "ManagedBy": "pulumi",
        }  # fmt: skip


class TestOverrides:
    def test_any_field_can_be_overridden_and_strings_are_coerced(self) -> None:
        settings = make_settings(
            "dev", dbMultiAz="true", dbBackupRetentionDays="10", availabilityZones='["us-east-1b", "us-east-1c"]',
            natGateways="one_per_az",
        )  # fmt: skip
        assert settings.db_multi_az is True
        assert settings.db_backup_retention_days == 10
        assert settings.availability_zones == ("us-east-1b", "us-east-1c")
        assert settings.nat_gateways is NatGateways.ONE_PER_AZ

    def test_derived_subnets_follow_the_vpc(self) -> None:
        settings = make_settings("dev", vpcCidr="172.20.0.0/20")
        assert settings.public_subnet_cidrs == ("172.20.0.0/24", "172.20.1.0/24")
        assert settings.private_subnet_cidrs == ("172.20.8.0/24", "172.20.9.0/24")

    @pytest.mark.parametrize("vpc", ["10.0.0.0/16", "10.8.0.0/18", "192.168.4.0/22", "10.1.2.0/24"])
    @pytest.mark.parametrize("zones", [2, 3])
    def test_derived_subnets_fit_the_vpc_and_never_overlap(self, vpc: str, zones: int) -> None:
        settings = make_settings("dev", vpcCidr=vpc, availabilityZoneCount=zones)
        networks = [
            ipaddress.IPv4Network(c) for c in settings.public_subnet_cidrs + settings.private_subnet_cidrs
        ]
        assert len(networks) == 2 * zones
        assert all(network.subnet_of(ipaddress.IPv4Network(vpc)) for network in networks)
        assert not any(a.overlaps(b) for i, a in enumerate(networks) for b in networks[i + 1 :])

    def test_prod_rules_can_be_waived_with_a_reason_and_a_date(self) -> None:
        settings = make_settings(
            "prod", dbMultiAz=False,
            waivers=["dbMultiAz until 2027-01-31: single-AZ pilot approved by the platform lead"],
        )  # fmt: skip
        waiver = settings.waived("dbMultiAz")
        assert waiver is not None
        assert waiver.reason == "single-AZ pilot approved by the platform lead"


class TestErrors:
    def test_unknown_environment(self) -> None:
        with pytest.raises(SettingsError) as caught:
            Settings.from_values(
                {"environment": "qa", "owner": "o", "costCenter": "c"}, stack="qa", region=REGION, today=TODAY
            )
        assert caught.value.problems == (
            "environment: unknown environment 'qa'; allowed: dev, staging, prod",
        )

    def test_custom_stack_name_without_environment(self) -> None:
        with pytest.raises(SettingsError) as caught:
            Settings.from_values(
                {"owner": "o", "costCenter": "c"}, stack="sandbox", region=REGION, today=TODAY
            )
        assert caught.value.problems == (
            "environment: required because the stack name 'sandbox' is not a preset; allowed: dev, staging, prod",
        )

    def test_missing_region(self) -> None:
        with pytest.raises(SettingsError) as caught:
            Settings.from_values({"owner": "o", "costCenter": "c"}, stack="dev", region=None, today=TODAY)
        assert caught.value.problems == (
            "aws:region: required; set it with `pulumi config set aws:region <region>`",
        )

    def test_region_that_is_not_a_region_name(self) -> None:
        with pytest.raises(SettingsError) as caught:
            Settings.from_values(
                {"owner": "o", "costCenter": "c"}, stack="dev", region="Virginia", today=TODAY
            )
        assert caught.value.problems[0] == "aws:region: not an AWS region name, got 'Virginia'"

    def test_missing_required_settings(self) -> None:
        with pytest.raises(SettingsError) as caught:
            Settings.from_values({}, stack="dev", region=REGION, today=TODAY)
        assert caught.value.problems == (
            "owner: required; set it with `pulumi config set owner <value>`",
            "costCenter: required; set it with `pulumi config set costCenter <value>`",
            "domainName: required; set it with `pulumi config set domainName <value>`",
            "hostedZoneId: HTTPS needs a certificate: give hostedZoneId (the Route 53 zone of domainName; the "
            "certificate is created and validated through DNS) or certificateArn (one you already have)",
        )

    def test_unknown_key(self) -> None:
        assert problems_of(dbInstanceSize="large") == (
            "dbInstanceSize: not a setting of this project; see the configuration table in README.md",
        )

    @pytest.mark.parametrize(
        ("values", "expected"),
        [
            ({"dbMultiAz": "yes"}, "dbMultiAz: expected true or false, got 'yes'"),
            ({"webCpu": "lots"}, "webCpu: expected an integer, got 'lots'"),
            ({"webCpu": True}, "webCpu: expected an integer, got true (a boolean)"),
            (
                {"webMinTasks": "9" * 3000},
                "webMinTasks: expected an integer of at most 15 digits, got one of 3000 digits",
            ),
            ({"owner": ["a", "b"]}, "owner: expected text, got a list"),
            ({"domainName": {"name": "x"}}, "domainName: expected text, got a mapping"),
            ({"fargateSpot": 1}, "fargateSpot: expected true or false, got 1"),
            ({"waivers": ["dbMultiAz until 2027-01-01: x", 7]}, "waivers[1]: expected text, got 7"),
            (
                {"albIngressCidrs": "10.0.0.0/8"},
                "albIngressCidrs: expected a list of strings, got '10.0.0.0/8'",
            ),
            ({"natGateways": "two"}, "natGateways: got 'two'; allowed: none, single, one_per_az"),
            ({"cacheEngine": "memcached"}, "cacheEngine: got 'memcached'; allowed: valkey, redis"),
            ({"cpuArchitecture": "ARM"}, "cpuArchitecture: got 'ARM'; allowed: ARM64, X86_64"),
        ],
    )
    def test_wrong_types(self, values: dict[str, Any], expected: str) -> None:
        assert problems_of(**values) == (expected,)

    def test_zone_count_below_two(self) -> None:
        assert problems_of(availabilityZoneCount=1)[0] == (
            "availabilityZoneCount: must be 2-6 (an ALB and an RDS subnet group need two zones), got 1"
        )

    def test_zone_count_disagreeing_with_zones(self) -> None:
        assert problems_of(availabilityZoneCount=3, availabilityZones=["us-east-1a", "us-east-1b"]) == (
            "availabilityZoneCount: 3 disagrees with the 2 availabilityZones given; set one of them",
        )

    def test_an_always_on_dev_stack_has_no_schedule(self) -> None:
        assert make_settings("dev", officeHours="").schedule is None
        assert make_settings("dev", officeHoursTimezone="Australia/Sydney").schedule is not None

    def test_expired_waiver(self) -> None:
        assert problems_of("prod", dbMultiAz=False,
                           waivers=["dbMultiAz until 2026-11-28: pilot"])[0] == (
            "waivers: the waiver for dbMultiAz expired on 2026-11-28; renew it with a new date or fix the setting"
        )  # fmt: skip

    def test_malformed_and_unknown_waivers(self) -> None:
        assert problems_of(waivers=["dbMultiAz: because", "tlsPolicy until 2027-01-01: legacy clients",
                                    "dbMultiAz until 2027-02-30: bad date"]) == (
            "waivers: 'dbMultiAz: because' must read '<key> until YYYY-MM-DD: <reason>'",
            "waivers: 'tlsPolicy' is not a rule that can be waived; allowed: a production rule (dbMultiAz, "
            "dbDeletionProtection, dbBackupRetentionDays, cacheNodeCount, webMinTasks, natGateways, vpcEndpointsAllZones, "
            "fargateSpot, officeHours, alarmEmail) or a policy name "
            "(listed by `superset-stack plan`)",
            "waivers: 'dbMultiAz until 2027-02-30: bad date' has an invalid date '2027-02-30'",
        )  # fmt: skip

    def test_every_problem_is_reported_at_once(self) -> None:
        problems = problems_of("prod", owner="", dbMultiAz="nope", vpcCidr="10.0.0.0/33", logRetentionDays=2,
                               dbInstanceClass="db.t2.nano")  # fmt: skip
        assert [problem.split(":")[0] for problem in problems] == [
            "owner", "dbMultiAz", "vpcCidr", "logRetentionDays", "dbInstanceClass"
        ]  # fmt: skip

    @pytest.mark.parametrize("key", ["domainName", "owner", "costCenter"])
    @pytest.mark.parametrize("empty", ["", "   ", None])
    def test_an_empty_required_value_is_refused_like_a_missing_one(self, key: str, empty: Any) -> None:
        assert problems_of(**{key: empty}) == (
            f"{key}: required; set it with `pulumi config set {key} <value>`",
        )

    def test_a_stack_name_pulumi_would_refuse(self) -> None:
        assert problems_of("dev", stack="dev/../x", environment="dev") == (
            "stack: a Pulumi stack name is 1-100 letters, digits, '-', '_' or '.', got 'dev/../x'",
        )

    def test_egress_destinations_are_typed_objects(self) -> None:
        settings = make_settings("staging", egressDestinations=[
            {"description": "Redshift", "port": 5439, "cidr": "10.20.0.0/16"},
            {"description": "ClickHouse", "fromPort": "8443", "toPort": 9440, "prefixListId": "pl-0123abcd"},
        ])  # fmt: skip
        assert [(d.ports, d.targets) for d in settings.egress_destinations] == [
            ((5439, 5439), {"cidr": "10.20.0.0/16"}),
            ((8443, 9440), {"prefixListId": "pl-0123abcd"}),
        ]
        assert problems_of(
            "staging", egressDestinations=[{"description": "x", "port": "5439/tcp", "host": "a"}]
        ) == (
            "egressDestinations[0]: unknown field 'host'; allowed: description, port, fromPort, toPort, cidr, "
            "prefixListId, securityGroupId",
            "egressDestinations[0].port: expected an integer, got '5439/tcp'",
        )


class TestStackFiles:
    def test_reads_the_example_stacks(self) -> None:
        for environment in ("dev", "staging", "prod"):
            settings = Settings.from_stack_file(ROOT / f"Pulumi.{environment}.yaml", today=TODAY)
            assert settings.environment == environment
            assert settings.region == "us-east-1"

    def test_example_stacks_hold_only_what_differs_from_the_preset(self) -> None:
        import yaml

        for environment in ("dev", "staging", "prod"):
            config = yaml.safe_load((ROOT / f"Pulumi.{environment}.yaml").read_text())["config"]
            # prod requires an alarm address, which no preset can know, and shows report e-mail through SES
            prod = [
                "alarmEmail",
                "smtpHost",
                "smtpUser",
                "smtpPasswordSecretArn",
                "smtpMailFrom",
                "egressDestinations",
            ]
            assert set(config) == {
                "aws:region", "superset-stack:owner", "superset-stack:costCenter", "superset-stack:domainName",
                "superset-stack:hostedZoneId", *(f"superset-stack:{key}" for key in prod if environment == "prod"),
            }  # fmt: skip

    def test_secure_values_are_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "Pulumi.dev.yaml"
        path.write_text("config:\n  aws:region: us-east-1\n  superset-stack:owner:\n    secure: v1:abc\n")
        with pytest.raises(SettingsError) as caught:
            Settings.from_stack_file(path, today=TODAY)
        assert caught.value.problems == ("owner: secure values are not settings; keep secrets out of config",)

    def test_missing_file_bad_yaml_and_bad_name(self, tmp_path: Path) -> None:
        with pytest.raises(SettingsError, match="does not exist"):
            Settings.from_stack_file(tmp_path / "Pulumi.dev.yaml", today=TODAY)
        broken = tmp_path / "Pulumi.dev.yaml"
        broken.write_text("config: [unclosed\n")
        with pytest.raises(SettingsError, match="is not valid YAML"):
            Settings.from_stack_file(broken, today=TODAY)
        with pytest.raises(SettingsError, match=r"must look like Pulumi.<stack>.yaml, got 'stack.yaml'"):
            Settings.from_stack_file(tmp_path / "stack.yaml", today=TODAY)


class TestRegistry:
    def test_every_option_is_a_settings_field_and_back(self) -> None:
        assert {option.attribute for option in OPTIONS} == set(setting_fields())

    def test_presets_name_every_environment(self) -> None:
        for option in OPTIONS:
            if isinstance(option.default, Preset):
                assert None not in (option.default.dev, option.default.staging, option.default.prod), (
                    option.key
                )
