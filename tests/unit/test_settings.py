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

    def test_the_guides_timeouts_break_the_chain(self) -> None:
        # run-server.sh's old defaults: gunicorn timeout 120, keep-alive 2, behind the ALB default of 60 s
        assert problems_of(
            gunicornTimeoutSeconds=120, gunicornKeepaliveSeconds=2, albIdleTimeoutSeconds=60
        ) == (
            "albIdleTimeoutSeconds: 60 must exceed gunicornTimeoutSeconds 120: otherwise the load balancer answers 504 while the worker is still working",
            "gunicornKeepaliveSeconds: 2 must exceed albIdleTimeoutSeconds 60: otherwise gunicorn closes connections the load balancer still reuses (intermittent 502s)",
        )

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
            ({"webCpu": True}, "webCpu: expected an integer, got True"),
            (
                {"albIngressCidrs": "10.0.0.0/8"},
                "albIngressCidrs: expected a list of strings, got '10.0.0.0/8'",
            ),
            ({"natGateways": "two"}, "natGateways: got 'two'; allowed: none, single, one_per_az"),
        ],
    )
    def test_wrong_types(self, values: dict[str, Any], expected: str) -> None:
        assert problems_of(**values) == (expected,)

    def test_invalid_vpc_cidr(self) -> None:
        assert problems_of(vpcCidr="10.0.0.0/33") == (
            "vpcCidr: not a valid IPv4 network CIDR, got '10.0.0.0/33' ('33' is not a valid netmask)",
        )

    def test_vpc_cidr_with_host_bits(self) -> None:
        assert problems_of(vpcCidr="10.0.0.1/16") == (
            "vpcCidr: not a valid IPv4 network CIDR, got '10.0.0.1/16' (10.0.0.1/16 has host bits set)",
        )

    def test_vpc_too_large(self) -> None:
        assert problems_of(vpcCidr="10.0.0.0/8") == ("vpcCidr: prefix must be /16 to /24, got 10.0.0.0/8",)

    def test_overlapping_subnets(self) -> None:
        assert problems_of(
            publicSubnetCidrs=["10.0.0.0/20", "10.0.16.0/20"],
            privateSubnetCidrs=["10.0.8.0/24", "10.0.128.0/20"],
        ) == ("subnets: 10.0.0.0/20 overlaps 10.0.8.0/24",)

    def test_subnet_outside_the_vpc(self) -> None:
        assert problems_of(publicSubnetCidrs=["10.0.0.0/20", "10.1.0.0/20"]) == (
            "publicSubnetCidrs: 10.1.0.0/20 does not fit inside the VPC 10.0.0.0/16",
        )

    def test_one_subnet_cidr_per_zone(self) -> None:
        assert problems_of(privateSubnetCidrs=["10.0.128.0/20"]) == (
            "privateSubnetCidrs: need one CIDR per zone (2), got 1: ['10.0.128.0/20']",
        )

    def test_fewer_than_two_zones(self) -> None:
        assert problems_of(availabilityZones=["us-east-1a"], publicSubnetCidrs=["10.0.0.0/20"],
                           privateSubnetCidrs=["10.0.128.0/20"]) == (
            "availabilityZones: need at least 2 zones (ALB and RDS subnet groups span two), got ['us-east-1a']",
        )  # fmt: skip

    def test_zone_count_below_two(self) -> None:
        assert problems_of(availabilityZoneCount=1)[0] == (
            "availabilityZoneCount: must be 2-6 (an ALB and an RDS subnet group need two zones), got 1"
        )

    def test_zones_outside_the_region(self) -> None:
        assert problems_of(availabilityZones=["us-east-1a", "eu-west-1b"]) == (
            "availabilityZones: ['eu-west-1b'] are not zones of region us-east-1 (expected us-east-1a, "
            "us-east-1b, ...)",
        )

    def test_zone_count_disagreeing_with_zones(self) -> None:
        assert problems_of(availabilityZoneCount=3, availabilityZones=["us-east-1a", "us-east-1b"]) == (
            "availabilityZoneCount: 3 disagrees with the 2 availabilityZones given; set one of them",
        )

    def test_no_nat_and_no_endpoints(self) -> None:
        assert problems_of(natGateways="none", vpcEndpoints=False) == (
            "natGateways: none without vpcEndpoints leaves tasks unable to pull images, read secrets or ship "
            "logs; turn vpcEndpoints on or choose single / one_per_az",
        )

    def test_log_retention_cloudwatch_rejects(self) -> None:
        (problem,) = problems_of(logRetentionDays=42)
        assert problem.startswith(
            "logRetentionDays: CloudWatch does not accept 42; allowed: 1, 3, 5, 7, 14, 30"
        )

    def test_unknown_instance_class(self) -> None:
        (problem,) = problems_of(dbInstanceClass="db.t2.nano")
        assert problem.startswith("dbInstanceClass: unknown class 'db.t2.nano'; known: db.t3.micro, ")

    def test_unknown_cache_node_type(self) -> None:
        (problem,) = problems_of(cacheNodeType="cache.x1.huge")
        assert problem.startswith("cacheNodeType: unknown node type 'cache.x1.huge'; known: cache.t3.micro")

    def test_fargate_pair_aws_rejects(self) -> None:
        assert problems_of(webCpu=512, webMemoryMib=8192) == (
            "webCpu/webMemoryMib: Fargate rejects this size: memory 8192 MiB does not pair with cpu 512; "
            "allowed: 1024-4096 MiB in steps of 1024",
        )

    def test_too_many_gunicorn_workers_for_the_memory(self) -> None:
        assert problems_of(gunicornWorkers=4) == (
            "gunicornWorkers: 4 workers need about 1616 MiB (340 MiB each plus 256); webMemoryMib is 1024: "
            "lower the workers or raise the memory",
        )

    def test_connection_budget_exceeded(self) -> None:
        (problem,) = problems_of(webMaxTasks=10, gunicornThreads=8, webCpu=1024, webMemoryMib=2048)
        assert problem == (
            "dbInstanceClass: connection budget exceeded: peak metadata connections 200 (web 10 tasks x 2 workers "
            "x pool 8+2) + 2 (celery 1 tasks x concurrency 2) + 1 (beat 1) + 2 (migration task) + 3 (operators) "
            "= 208; db.t4g.micro allows 80 to the application and the budget keeps 64 of them; use a larger "
            "dbInstanceClass, fewer webMaxTasks or gunicornWorkers, or fewer gunicornThreads"
        )

    def test_maintenance_window_overlapping_backups(self) -> None:
        assert problems_of(dbBackupWindow="03:00-04:00", dbMaintenanceWindow="tue:03:30-tue:04:30") == (
            "dbMaintenanceWindow: tue:03:30-tue:04:30 overlaps the backup window 03:00-04:00",
        )

    def test_windows_that_wrap_midnight_and_the_week(self) -> None:
        assert make_settings(dbBackupWindow="03:00-04:00", dbMaintenanceWindow="sun:23:00-mon:01:00")
        assert problems_of(dbBackupWindow="23:30-00:30", dbMaintenanceWindow="sun:23:00-mon:00:15") == (
            "dbMaintenanceWindow: sun:23:00-mon:00:15 overlaps the backup window 23:30-00:30",
        )

    @pytest.mark.parametrize(
        ("values", "expected"),
        [
            ({"dbBackupWindow": "3am"}, "dbBackupWindow: expected hh:mm-hh:mm in UTC, got '3am'"),
            ({"dbBackupWindow": "03:00-03:10"}, "dbBackupWindow: must last at least 30 minutes, got '03:00-03:10'"),
            ({"dbMaintenanceWindow": "sunday"}, "dbMaintenanceWindow: expected ddd:hh:mm-ddd:hh:mm in UTC, got "
                                                "'sunday'"),
            ({"dbBackupRetentionDays": 0}, "dbBackupRetentionDays: must be 1-35 (backups are never off), got 0"),
            ({"dbEngineVersion": "14"}, "dbEngineVersion: PostgreSQL 14 is too old; use 16 or newer"),
            ({"dbMaxAllocatedStorageGib": 10}, "dbMaxAllocatedStorageGib: 10 is below dbAllocatedStorageGib 20; "
                                               "use 0 to turn autoscaling off"),
            ({"cacheNodeCount": 7}, "cacheNodeCount: must be 1-6, got 7"),
            ({"secretRecoveryWindowDays": 3}, "secretRecoveryWindowDays: must be 7-30, got 3"),
            ({"webMaxTasks": 0}, "webMaxTasks: 0 is below webMinTasks 1"),
            ({"alarmCpuPercent": 101}, "alarmCpuPercent: must be 21-100, got 101 (autoscaling targets 20 points "
                                       "below it, and a target must be at least 1)"),
            ({"alarmMemoryPercent": 10}, "alarmMemoryPercent: must be 11-100, got 10 (autoscaling targets 10 "
                                         "points below it, and a target must be at least 1)"),
            ({"albIngressCidrs": []}, "albIngressCidrs: empty: nobody could reach Superset"),
            ({"albIngressCidrs": ["0.0.0.0/33"]}, "albIngressCidrs: not a valid IPv4 network CIDR, got '0.0.0.0/33' ('33' is not a valid netmask)"),
            ({"publicSubnetCidrs": ["10.0.0.0/20", "10.0.16.0/29"]}, "publicSubnetCidrs: 10.0.16.0/29 is smaller than /28, the smallest subnet AWS allows"),
            ({"privateSubnetCidrs": ["10.0.128.0/20", "nope"]}, "privateSubnetCidrs: not a valid IPv4 network CIDR, got 'nope' (Expected 4 octets in 'nope')"),
            ({"owner": "x" * 257}, "owner: must be at most 256 characters (a tag value), got 257"),
            ({"dbEngineVersion": "latest"}, "dbEngineVersion: expected a version such as 18 or 18.3, got 'latest'"),
            ({"dbAllocatedStorageGib": 10}, "dbAllocatedStorageGib: must be 20-65536 GiB for gp3, got 10"),
            ({"dbMonitoringIntervalSeconds": 20}, "dbMonitoringIntervalSeconds: allowed: 0, 1, 5, 10, 15, 30, 60; got 20"),
            ({"dbMaintenanceWindow": "sun:04:30-sun:04:40"}, "dbMaintenanceWindow: must last at least 30 minutes, got 'sun:04:30-sun:04:40'"),
            ({"cacheEngineVersion": "8"}, "cacheEngineVersion: expected major.minor such as 8.2, got '8'"),
            ({"cacheEngine": "memcached"}, "cacheEngine: got 'memcached'; allowed: valkey, redis"),
            ({"cacheSnapshotRetentionDays": 0}, "cacheSnapshotRetentionDays: must be 1-35, got 0"),
            ({"resultsExpirationDays": 0}, "resultsExpirationDays: must be 1-3650 days, got 0"),
            ({"noncurrentVersionExpirationDays": 5000}, "noncurrentVersionExpirationDays: must be 1-3650 days, got 5000"),
            ({"webMinTasks": 0}, "webMinTasks: must be at least 1, got 0"),
            ({"workerTasks": 0}, "workerTasks: must be at least 1 (reports and async queries need a worker), got 0"),
            ({"celeryConcurrency": 0}, "celeryConcurrency: must be 1-64, got 0"),
            ({"cpuArchitecture": "ARM"}, "cpuArchitecture: got 'ARM'; allowed: ARM64, X86_64"),
            ({"domainName": "Superset.Example.com"}, "domainName: not a lower-case DNS host name, got 'Superset.Example.com'"),
            ({"hostedZoneId": "zone-1"}, "hostedZoneId: not a Route 53 hosted zone id (Z...), got 'zone-1'"),
            ({"certificateArn": "arn:aws:iam::123456789012:server-certificate/x"}, "certificateArn: not an ACM certificate ARN, got 'arn:aws:iam::123456789012:server-certificate/x'"),
            ({"certificateArn": "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666"}, "certificateArn: the certificate is in eu-west-1; a load balancer in us-east-1 needs one from the same region"),
            ({"albIdleTimeoutSeconds": 60}, "albIdleTimeoutSeconds: 60 must exceed gunicornTimeoutSeconds 60: otherwise the load balancer answers 504 while the worker is still working"),
            ({"gunicornKeepaliveSeconds": 2}, "gunicornKeepaliveSeconds: 2 must exceed albIdleTimeoutSeconds 65: otherwise gunicorn closes connections the load balancer still reuses (intermittent 502s)"),
            ({"albIdleTimeoutSeconds": 5000, "gunicornKeepaliveSeconds": 5001}, "albIdleTimeoutSeconds: must be 1-4000, got 5000"),
            ({"healthCheckGracePeriodSeconds": -1}, "healthCheckGracePeriodSeconds: must be 0-3600, got -1"),
            ({"previousSecretKeySecretArn": "superset/old-key"}, "previousSecretKeySecretArn: not a Secrets Manager secret ARN, got 'superset/old-key'"),
            ({"warehouseDrivers": ["clickhouse", "oracle"]}, "warehouseDrivers: unknown driver(s) ['oracle']; allowed: clickhouse, redshift, snowflake, bigquery (PostgreSQL is always included)"),
            ({"backupCopyRegion": "us-east-1"}, "backupCopyRegion: must differ from the stack's region us-east-1: a copy in the same region does not survive a regional outage"),
            ({"backupCopyRegion": "Oregon"}, "backupCopyRegion: not an AWS region name, got 'Oregon'"),
            ({"alarmEmail": "oncall"}, "alarmEmail: not an e-mail address, got 'oncall'"),
            ({"backupRetentionDays": 0}, "backupRetentionDays: must be 1-36500, got 0"),
            ({"wafRateLimitPer5Minutes": 5}, "wafRateLimitPer5Minutes: must be 10-2000000000, got 5"),
            ({"imageUri": "apache/superset:6.1.0"}, "imageUri: must be pinned by digest (repository@sha256:<64 hex>), got 'apache/superset:6.1.0'"),
        ],
    )  # fmt: skip
    def test_ranges(self, values: dict[str, Any], expected: str) -> None:
        assert problems_of(**values) == (expected,)

    def test_prod_without_multi_az_deletion_protection_or_backups(self) -> None:
        assert problems_of("prod", dbMultiAz=False, dbDeletionProtection=False, dbBackupRetentionDays=1) == (
            "dbMultiAz: prod requires dbMultiAz true (a standby in another zone); to accept the risk add a waiver "
            "'dbMultiAz until YYYY-MM-DD: <reason>' to waivers",
            "dbDeletionProtection: prod requires dbDeletionProtection true; to accept the risk add a waiver "
            "'dbDeletionProtection until YYYY-MM-DD: <reason>' to waivers",
            "dbBackupRetentionDays: prod requires dbBackupRetentionDays of at least 7; to accept the risk add a "
            "waiver 'dbBackupRetentionDays until YYYY-MM-DD: <reason>' to waivers",
        )

    def test_prod_with_a_single_nat_or_cache_node(self) -> None:
        problems = problems_of("prod", natGateways="single", cacheNodeCount=1, webMinTasks=1)
        assert [problem.split(":")[0] for problem in problems] == [
            "cacheNodeCount",
            "webMinTasks",
            "natGateways",
        ]

    def test_prod_refuses_the_cost_levers_of_dev(self) -> None:
        problems = problems_of("prod", cpuArchitecture="X86_64", fargateSpot=True, officeHours="MON-FRI 07:00-19:00",
                               vpcEndpointsAllZones=False)  # fmt: skip
        assert problems == (
            "vpcEndpointsAllZones: prod requires vpcEndpointsAllZones true (an endpoint in one zone fails with it); "
            "to accept the risk add a waiver 'vpcEndpointsAllZones until YYYY-MM-DD: <reason>' to waivers",
            "fargateSpot: prod requires fargateSpot false (AWS may reclaim Spot tasks at two minutes' notice); "
            "to accept the risk add a waiver 'fargateSpot until YYYY-MM-DD: <reason>' to waivers",
            "officeHours: prod requires officeHours empty (always on); "
            "to accept the risk add a waiver 'officeHours until YYYY-MM-DD: <reason>' to waivers",
        )

    def test_spot_needs_x86_and_hours_need_a_real_zone(self) -> None:
        assert problems_of("dev", cpuArchitecture="ARM64", officeHours="weekdays", officeHoursTimezone="Europe/Springfield") == (
            "fargateSpot: Fargate Spot runs only X86_64 tasks, but cpuArchitecture is ARM64; set cpuArchitecture "
            "X86_64 or fargateSpot false",
            "officeHours: expected 'DAYS HH:MM-HH:MM' such as 'MON-FRI 07:00-19:00', got 'weekdays'",
            "officeHoursTimezone: not an IANA time zone, got 'Europe/Springfield'; e.g. UTC, Europe/Berlin, "
            "Australia/Sydney",
        )  # fmt: skip

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
            "fargateSpot, officeHours) or a policy name "
            "(listed by `superset-stack plan`)",
            "waivers: 'dbMultiAz until 2027-02-30: bad date' has an invalid date '2027-02-30'",
        )  # fmt: skip

    def test_every_problem_is_reported_at_once(self) -> None:
        problems = problems_of("prod", owner="", dbMultiAz="nope", vpcCidr="10.0.0.0/33", logRetentionDays=2,
                               dbInstanceClass="db.t2.nano")  # fmt: skip
        assert [problem.split(":")[0] for problem in problems] == [
            "dbMultiAz", "owner", "vpcCidr", "logRetentionDays", "dbInstanceClass"
        ]  # fmt: skip


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
            assert set(config) == {
                "aws:region", "superset-stack:owner", "superset-stack:costCenter", "superset-stack:domainName",
                "superset-stack:hostedZoneId",
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
