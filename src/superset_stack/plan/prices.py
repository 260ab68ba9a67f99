"""Unit prices, USD, on-demand, per region: each with its source and date; estimates say so.

From ../shared/reference/performance.md section 5 (researched 2026-11-29): [V] verified from a
primary or dated source, [S] secondary source worth re-checking, [E] our estimate. A month is 730
hours. us-east-1 and ap-southeast-2 so far; other regions raise a clear error until they are added.
Sydney prices for RDS, ElastiCache and CloudWatch could not be fetched during the research and are
estimates (marked), from Tokyo/Seoul list prices and the usual Sydney premium.
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


# Spot is a discount on the region's on-demand rate, published as a live, moving price per region.
FARGATE_SPOT_FACTOR = Price(
    0.5,
    "x on demand",
    "AWS Fargate pricing: Spot up to 70% off, the rate varies; the conservative end of the "
    "50-70% range assumed (fortem.dev, 2026) [S]",
    True,
)

US_EAST_1: dict[str, Price] = {
    # Fargate, Linux
    "fargate.x86.vcpu": Price(0.04048, "vCPU-hour", "Vantage Fargate pricing; cloudburn.io 2026-03 [S]"),
    "fargate.x86.gb": Price(0.004445, "GB-hour", "Vantage Fargate pricing; cloudburn.io 2026-03 [S]"),
    "fargate.arm.vcpu": Price(0.03238, "vCPU-hour", "Vantage Fargate pricing [S]"),
    "fargate.arm.gb": Price(0.00356, "GB-hour", "Vantage Fargate pricing [S]"),
    "fargate.spot.factor": FARGATE_SPOT_FACTOR,
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

AP_SOUTHEAST_2: dict[str, Price] = {
    "fargate.x86.vcpu": Price(
        0.04856, "vCPU-hour", "theuves/fgcalc from the AWS Fargate page; cross-checked [S]"
    ),
    "fargate.x86.gb": Price(0.00532, "GB-hour", "theuves/fgcalc from the AWS Fargate page [S]"),
    "fargate.arm.vcpu": Price(0.0388, "vCPU-hour", "x86 price x 0.8", True),
    "fargate.arm.gb": Price(0.00426, "GB-hour", "x86 price x 0.8", True),
    "fargate.spot.factor": FARGATE_SPOT_FACTOR,
    "rds.db.t3.micro": Price(
        0.027, "instance-hour", "Tokyo db.t3.micro $0.026 (Price List 2026-09) as proxy", True
    ),
    "rds.db.t4g.micro": Price(
        0.024, "instance-hour", "Tokyo t4g.micro (Price List 2026-09-11) as proxy", True
    ),
    "rds.db.t4g.small": Price(0.048, "instance-hour", "performance.md estimate $0.046-0.050", True),
    "rds.db.t4g.medium": Price(0.096, "instance-hour", "performance.md estimate $0.092-0.100", True),
    "rds.db.m7g.large": Price(0.242, "instance-hour", "us-east-1 estimate x 1.44 (Sydney premium)", True),
    "rds.gp3": Price(0.138, "GB-month", "Tokyo gp3 $0.138 (Price List 2026-09) as proxy", True),
    "elasticache.redis.cache.t4g.micro": Price(
        0.025, "node-hour", "Tokyo t4g.micro Redis OSS $0.025 as proxy", True
    ),
    "elasticache.redis.cache.t4g.small": Price(0.050, "node-hour", "performance.md estimate", True),
    "elasticache.redis.cache.m7g.large": Price(0.237, "node-hour", "us-east-1 estimate x 1.5", True),
    "elasticache.valkey.factor": Price(
        0.8, "x Redis", "Price List transcription 2026-10-02: Valkey = 0.8x [S]"
    ),
    "alb.hour": Price(0.0252, "ALB-hour", "code constant for ap-southeast-2, rates unchanged since 2017 [S]"),
    "alb.lcu": Price(0.008, "LCU-hour", "AWS rate description [S]; 0.25 LCU average assumed", True),
    "nat.hour": Price(0.059, "NAT-hour", "code map citing the AWS knowledge center [S]"),
    "nat.gb": Price(
        0.059, "GB processed", "assumed equal to the hourly rate as in Seoul; 10 GB assumed", True
    ),
    "ipv4.hour": Price(0.005, "address-hour", "AWS public IPv4 charge, all regions, from 2024-02-01 [V]"),
    "endpoint.hour": Price(0.01, "endpoint-AZ-hour", "us-east-1 rate assumed", True),
    "kms.key": Price(1.0, "key-month", "AWS KMS pricing, same in all commercial regions [S]"),
    "secret": Price(0.40, "secret-month", "us-east-1 rate assumed", True),
    "alarm": Price(0.10, "alarm-month", "us-east-1 rate assumed", True),
    "logs.gb": Price(0.57, "GB ingested", "performance.md estimate; 5 GB a month per stack assumed", True),
    "s3.gb": Price(
        0.025, "GB-month", "repo verified-facts table citing aws.amazon.com/s3/pricing 2026-10-05 [S]", True
    ),
    "waf.acl": Price(5.0, "web-ACL-month", "AWS WAF pricing, not in the research", True),
    "waf.rule": Price(1.0, "rule-month", "AWS WAF pricing, not in the research", True),
}

REGIONS: dict[str, dict[str, Price]] = {"us-east-1": US_EAST_1, "ap-southeast-2": AP_SOUTHEAST_2}


def prices_for(region: str) -> dict[str, Price]:
    if region not in REGIONS:
        raise KeyError(f"no price data for region {region!r} yet; known: {', '.join(REGIONS)}")
    return REGIONS[region]
