"""Unit prices, USD, on-demand, per region: each with its source and date; estimates say so.

From ../shared/reference/performance.md section 5 (researched 2026-11-29): [V] verified from a
primary or dated source, [S] secondary source worth re-checking, [E] our estimate. A month is 730
hours. Only us-east-1 is filled in so far; other regions raise a clear error until they are.
"""

from __future__ import annotations

from dataclasses import dataclass

HOURS_PER_MONTH = 730


@dataclass(frozen=True)
class Price:
    usd: float
    unit: str
    source: str
    estimate: bool = False


US_EAST_1: dict[str, Price] = {
    # Fargate, Linux
    "fargate.x86.vcpu": Price(0.04048, "vCPU-hour", "Vantage Fargate pricing; cloudburn.io 2026-03 [S]"),
    "fargate.x86.gb": Price(0.004445, "GB-hour", "Vantage Fargate pricing; cloudburn.io 2026-03 [S]"),
    "fargate.arm.vcpu": Price(0.03238, "vCPU-hour", "Vantage Fargate pricing [S]"),
    "fargate.arm.gb": Price(0.00356, "GB-hour", "Vantage Fargate pricing [S]"),
    # RDS PostgreSQL, Single-AZ instance-hours (Multi-AZ bills primary and standby: x2)
    "rds.db.t3.micro": Price(0.018, "instance-hour", "Price List transcription 2026-08-19 [S]"),
    "rds.db.t4g.micro": Price(0.016, "instance-hour", "infratally.com RDS pricing 2026 [S]"),
    "rds.db.t4g.small": Price(0.032, "instance-hour", "infratally.com RDS pricing 2026 [S]"),
    "rds.db.t4g.medium": Price(0.065, "instance-hour", "infratally.com RDS pricing 2026 [S]"),
    "rds.db.m7g.large": Price(
        0.168, "instance-hour", "not in the research; AWS list price as remembered", True
    ),
    "rds.gp3": Price(0.115, "GB-month", "usage.ai RDS calculator 2026-06 [S]; x2 for Multi-AZ [V]"),
    # ElastiCache, per node-hour (Valkey is 0.8x Redis OSS)
    "elasticache.redis.cache.t4g.micro": Price(0.016, "node-hour", "Price List transcription 2026-10-02 [S]"),
    "elasticache.redis.cache.t4g.small": Price(0.032, "node-hour", "Price List transcription 2026-10-02 [S]"),
    "elasticache.redis.cache.m7g.large": Price(
        0.158, "node-hour", "not in the research; AWS list price", True
    ),
    "elasticache.valkey.factor": Price(
        0.8, "x Redis", "Price List transcription 2026-10-02: Valkey = 0.8x [S]"
    ),
    # network and edge
    "alb.hour": Price(0.0225, "ALB-hour", "AWS rate description quoted in several repos [S]"),
    "alb.lcu": Price(0.008, "LCU-hour", "AWS rate description [S]; 0.25 LCU average assumed", True),
    "nat.hour": Price(0.045, "NAT-hour", "cloudburn.io 2026-02 [S]"),
    "nat.gb": Price(0.045, "GB processed", "cloudburn.io 2026-02 [S]; 10 GB a month assumed", True),
    "ipv4.hour": Price(0.005, "address-hour", "AWS public IPv4 charge from 2024-02-01 [V]"),
    "endpoint.hour": Price(0.01, "endpoint-AZ-hour", "code cost rules [S]"),
    # keys, secrets, logs, alarms, storage, firewall
    "kms.key": Price(1.0, "key-month", "AWS KMS pricing (customer-managed key) [S]"),
    "secret": Price(0.40, "secret-month", "AWS Secrets Manager pricing quotes [S]"),
    "alarm": Price(0.10, "alarm-month", "AWS CloudWatch pricing [V/S]"),
    "logs.gb": Price(
        0.50, "GB ingested", "CloudWatch Logs pricing 2026 [S]; 5 GB a month per stack assumed", True
    ),
    "s3.gb": Price(0.023, "GB-month", "Price List transcription 2026-08-19 [S]; 10 GB assumed", True),
    "waf.acl": Price(5.0, "web-ACL-month", "AWS WAF pricing, not in the research", True),
    "waf.rule": Price(1.0, "rule-month", "AWS WAF pricing, not in the research", True),
}

REGIONS: dict[str, dict[str, Price]] = {"us-east-1": US_EAST_1}


def prices_for(region: str) -> dict[str, Price]:
    if region not in REGIONS:
        raise KeyError(f"no price data for region {region!r} yet; known: {', '.join(REGIONS)}")
    return REGIONS[region]
