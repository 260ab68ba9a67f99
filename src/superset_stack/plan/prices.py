"""Unit prices, USD, on-demand, per region: each with its source and date; estimates say so.

us-east-1 and ap-southeast-2 from ../shared/reference/performance.md section 5 (researched
2026-11-29): [V] verified from a primary or dated source, [S] secondary source worth re-checking,
[E] our estimate. Some us-east-1 figures (researched 2026-11-30) cite a machine-readable extract of
AWS's Price List API as of 2026-10-01 with each SKU (the repository namratabhatia21/Clarchy,
src/clarchy/data/prices/aws.yaml), which also gives the commitment rates below. Sydney prices
for RDS, ElastiCache and CloudWatch could not be fetched during that research and are estimates
(marked), from Tokyo/Seoul list prices and the usual Sydney premium.

eu-west-1, eu-central-1, us-west-2 and ap-southeast-1 (researched 2026-11-30) hold only the figures
a published source gives for that region; nothing is carried over from another region. Every other
price of theirs is missing, and a cost line that needs a missing price is reported unpriced, with
the reason, instead of guessed (plan/cost.py). A region not listed here has no prices at all. A
month is 730 hours.

Commitments (1 year, no upfront) are a second table, beside on demand: what a Savings Plan or a
reservation makes of a line, per region, from the figures found (COMMITMENTS, below).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
    "fargate.x86.vcpu": Price(
        0.04048, "vCPU-hour", "AWS Price List API extract 2026-10-01 (Clarchy), SKU 8CESGAFWKAJ98PME [V]"
    ),
    "fargate.x86.gb": Price(
        0.004445, "GB-hour", "AWS Price List API extract 2026-10-01 (Clarchy), SKU PBZNQUSEXZUC34C9 [V]"
    ),
    "fargate.arm.vcpu": Price(0.03238, "vCPU-hour", "Vantage Fargate pricing [S]"),
    "fargate.arm.gb": Price(0.00356, "GB-hour", "Vantage Fargate pricing [S]"),
    "fargate.spot.factor": FARGATE_SPOT_FACTOR,
    # RDS PostgreSQL, Single-AZ instance-hours (Multi-AZ bills primary and standby: x2 unless listed)
    "rds.db.t3.micro": Price(0.018, "instance-hour", "Price List transcription 2026-08-19 [S]"),
    "rds.db.t4g.micro": Price(0.016, "instance-hour", "infratally.com RDS pricing 2026 [S]"),
    "rds.db.t4g.small": Price(0.032, "instance-hour", "infratally.com RDS pricing 2026 [S]"),
    "rds.db.t4g.medium": Price(
        0.065,
        "instance-hour",
        "AWS Price List API extract 2026-10-01 (Clarchy), SKU 6T9XP2QUFF4B5P26, PostgreSQL Single-AZ [V]",
    ),
    "rds.db.m7g.large": Price(
        0.168,
        "instance-hour",
        "AWS Price List API extract as of 2026-10-01 (namratabhatia21/Clarchy): SKU SHZU9RWDC2H76ATX, "
        "PostgreSQL Single-AZ [V]",
    ),
    "rds.gp3": Price(
        0.115,
        "GB-month",
        "AWS Price List API extract 2026-10-01 (Clarchy), SKU KYVYY29G957PKY3B [V]; "
        "x2 for Multi-AZ (J7S7KD4WFDNQWKNX, $0.23) [V]",
    ),
    # Multi-AZ listed in its own right (the pair of instances), used instead of twice Single-AZ
    "rds.multi-az.db.t4g.medium": Price(
        0.129,
        "instance-hour",
        "AWS Price List API extract as of 2026-10-01 (namratabhatia21/Clarchy): SKU SCBZU9XX357QUA4D, "
        "PostgreSQL Multi-AZ [V]",
    ),
    "rds.multi-az.db.m7g.large": Price(
        0.337,
        "instance-hour",
        "AWS Price List API extract as of 2026-10-01 (namratabhatia21/Clarchy): SKU Z8HB5KU2V54F7ATT, "
        "PostgreSQL Multi-AZ [V]",
    ),
    # ElastiCache, per node-hour (Valkey is 0.8x Redis OSS)
    "elasticache.redis.cache.t4g.micro": Price(0.016, "node-hour", "Price List transcription 2026-10-02 [S]"),
    "elasticache.redis.cache.t4g.small": Price(0.032, "node-hour", "Price List transcription 2026-10-02 [S]"),
    "elasticache.redis.cache.m7g.large": Price(
        0.158,
        "node-hour",
        "Redis OSS not sourced; its Valkey rate (x 0.8 = $0.1264) matches the AWS Price List API extract "
        "as of 2026-10-01 (namratabhatia21/Clarchy, SKU P3VK2HEV6XR83SCP) [S]",
        True,
    ),
    "elasticache.valkey.factor": Price(
        0.8, "x Redis", "Price List transcription 2026-10-02: Valkey = 0.8x [S]"
    ),
    # Valkey listed in its own right, used before the factor
    "elasticache.valkey.cache.m7g.large": Price(
        0.1264,
        "node-hour",
        "AWS Price List API extract as of 2026-10-01 (namratabhatia21/Clarchy): SKU P3VK2HEV6XR83SCP, "
        "Valkey [V]",
    ),
    # network and edge
    "alb.hour": Price(
        0.0225, "ALB-hour", "AWS Price List API extract 2026-10-01 (Clarchy), SKU 37CUWUT8GSNQEPUV [V]"
    ),
    "alb.lcu": Price(
        0.008,
        "LCU-hour",
        "AWS Price List API extract 2026-10-01 (Clarchy), SKU P2XGEJ8N3KU52WA8 [V]; 0.25 LCU average assumed",
        True,
    ),
    "nat.hour": Price(0.045, "NAT-hour", "cloudburn.io 2026-02 [S]"),
    "nat.gb": Price(0.045, "GB processed", "cloudburn.io 2026-02 [S]; 10 GB a month assumed", True),
    "ipv4.hour": Price(0.005, "address-hour", "AWS public IPv4 charge from 2024-02-01 [V]"),
    "endpoint.hour": Price(0.01, "endpoint-AZ-hour", "code cost rules [S]"),
    # keys, secrets, logs, alarms, storage, firewall
    "kms.key": Price(1.0, "key-month", "AWS KMS pricing (customer-managed key) [S]"),
    "secret": Price(
        0.40, "secret-month", "AWS Price List API extract 2026-10-01 (Clarchy), SKU BJ3PQ9BYGU6P632F [V]"
    ),
    "alarm": Price(
        0.10, "alarm-month", "AWS Price List API extract 2026-10-01 (Clarchy), SKU EVETVUGEN3MUTMXM [V]"
    ),
    "logs.gb": Price(
        0.50,
        "GB ingested",
        "AWS Price List API extract 2026-10-01 (Clarchy), SKU S8QGXX5R2BKKMDSJ [V]; "
        "5 GB a month per stack assumed",
        True,
    ),
    "s3.gb": Price(
        0.023,
        "GB-month",
        "AWS Price List API extract 2026-10-01 (Clarchy), SKU WP9ANXZGBYYSGJEA [V]; 10 GB assumed",
        True,
    ),
    "waf.acl": Price(
        5.0, "web-ACL-month", "AWS Price List API extract 2026-10-01 (Clarchy), SKU UMRQSXANSWSDKRH6 [V]"
    ),
    "waf.rule": Price(
        1.0, "rule-month", "AWS Price List API extract 2026-10-01 (Clarchy), SKU 7G4GAKZPYS82NXZT [V]"
    ),
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

# --- regions priced from published figures only (2026-11-30) -----------------------------------
# Each source names a figure per region. Searched for and not found for these regions (so missing,
# and the lines that need them unpriced): Fargate ARM, RDS instances and gp3, ElastiCache nodes,
# ALB capacity units, interface endpoints, CloudWatch alarms and logs, WAF, NAT data (but Singapore).
FARGATE_X86 = "theuves/fgcalc src/utils/data.js, all regions from the AWS Fargate page [S]"
ALB_HOUR = (
    "code constant USD_MIN_PRICE_PER_HOUR from aws.amazon.com/elasticloadbalancing/pricing, "
    "2017-12-18; ALB rates unchanged since [S]"
)
NAT_HOUR = "code map citing the AWS knowledge center (vpc-reduce-nat-gateway-transfer-costs) [S]"
S3_STANDARD = "code table from the AWS Price List API (AmazonS3), as of 2026-07-01 [S]; 10 GB assumed"
IPV4 = Price(0.005, "address-hour", "AWS public IPv4 charge, all regions, from 2024-02-01 [V]")
KMS_KEY = Price(1.0, "key-month", "AWS KMS pricing, same in all commercial regions [S]")
SECRET = Price(
    0.40,
    "secret-month",
    "AWS Secrets Manager list price, one rate across the standard partition (code constant "
    "dated 2026-08-02) [S]",
)


def _published(
    fargate_x86: tuple[float, float], alb_hour: float, nat_hour: float, s3_gb: float
) -> dict[str, Price]:
    """A region's prices from the figures the sources above publish for it, region-wide ones added."""
    vcpu, gb = fargate_x86
    return {
        "fargate.x86.vcpu": Price(vcpu, "vCPU-hour", FARGATE_X86),
        "fargate.x86.gb": Price(gb, "GB-hour", FARGATE_X86),
        "fargate.spot.factor": FARGATE_SPOT_FACTOR,
        "alb.hour": Price(alb_hour, "ALB-hour", ALB_HOUR),
        "nat.hour": Price(nat_hour, "NAT-hour", NAT_HOUR),
        "ipv4.hour": IPV4,
        "kms.key": KMS_KEY,
        "secret": SECRET,
        "s3.gb": Price(s3_gb, "GB-month", S3_STANDARD, True),
    }


EU_WEST_1 = _published((0.04048, 0.004445), alb_hour=0.0252, nat_hour=0.048, s3_gb=0.023)
EU_CENTRAL_1 = _published((0.04656, 0.00511), alb_hour=0.027, nat_hour=0.052, s3_gb=0.0245)
US_WEST_2 = _published((0.04048, 0.004445), alb_hour=0.0225, nat_hour=0.045, s3_gb=0.023)
AP_SOUTHEAST_1 = {
    **_published((0.05056, 0.00553), alb_hour=0.0252, nat_hour=0.059, s3_gb=0.025),
    "nat.gb": Price(
        0.059,
        "GB processed",
        "performance.md section 5.2: Singapore $0.059/GB from the Price List 2026-10-01 [S]; "
        "10 GB a month assumed",
        True,
    ),
}

REGIONS: dict[str, dict[str, Price]] = {
    "us-east-1": US_EAST_1,
    "ap-southeast-2": AP_SOUTHEAST_2,
    "eu-west-1": EU_WEST_1,
    "eu-central-1": EU_CENTRAL_1,
    "us-west-2": US_WEST_2,
    "ap-southeast-1": AP_SOUTHEAST_1,
}


def prices_for(region: str) -> Mapping[str, Price]:
    """The region's unit prices by key; empty for a region without price data."""
    return REGIONS.get(region, {})


def missing_reason(region: str, keys: Sequence[str]) -> str:
    """Why a line that needs the prices `keys`, which `region` lacks, has no figure."""
    if region not in REGIONS:
        return f"no price data for region {region} (priced: {', '.join(REGIONS)})"
    return f"no published {region} price for {', '.join(keys)} (plan/prices.py)"


# --- commitments: 1 year, no upfront (researched 2026-11-30) -------------------------------------
# A commitment bills every hour of its term, whether anything runs or not. The us-east-1 rates are
# from one machine-readable extract of AWS's Price List (PRICE_LIST_EXTRACT): each with its SKU, the
# effective hourly rate of a 1-year, no-upfront reservation (RDS, ElastiCache) or Compute Savings
# Plan (Fargate), and the on-demand rate of the same SKU, which US_EAST_1 uses. Searched for and NOT
# found, so the lines that need them show no committed figure (plan/cost.py says which): RDS
# PostgreSQL db.t4g.micro and db.t4g.small, ElastiCache cache.t4g.micro and cache.t4g.small and any
# Redis OSS node, the Fargate ARM (Graviton) Savings Plans rate, and every region but us-east-1.
COMMITMENT_TERM = "1 year, no upfront"
PRICE_LIST_EXTRACT = (
    "AWS Price List API extract as of 2026-10-01 (namratabhatia21/Clarchy, "
    "src/clarchy/data/prices/aws.yaml, commit 24812aa5; 'commit_1yr' = 1 year, no upfront)"
)


def _reserved(usd: float, sku: str, on_demand: str) -> Price:
    return Price(usd, "instance-hour", f"{PRICE_LIST_EXTRACT}: SKU {sku}, on demand {on_demand} [V]")


US_EAST_1_COMMITMENTS: dict[str, Price] = {
    "fargate.x86.savings_plan": Price(
        0.80,
        "x on demand",
        f"{PRICE_LIST_EXTRACT}: Compute Savings Plan rates $0.032384 per vCPU-hour (SKU 8CESGAFWKAJ98PME, "
        "on demand $0.04048) and $0.003556 per GB-hour (SKU PBZNQUSEXZUC34C9, on demand $0.004445) [V]",
    ),
    # RDS PostgreSQL, per instance-hour of the deployment (Multi-AZ: primary and standby together)
    "rds.reserved.db.t4g.medium.single-az": _reserved(0.0465, "6T9XP2QUFF4B5P26", "$0.065"),
    "rds.reserved.db.t4g.medium.multi-az": _reserved(0.093, "SCBZU9XX357QUA4D", "$0.129"),
    "rds.reserved.db.m7g.large.single-az": _reserved(0.1297, "SHZU9RWDC2H76ATX", "$0.168"),
    "rds.reserved.db.m7g.large.multi-az": _reserved(0.2595, "Z8HB5KU2V54F7ATT", "$0.337"),
    # ElastiCache, per node-hour
    "elasticache.reserved.valkey.cache.m7g.large": _reserved(0.0856, "P3VK2HEV6XR83SCP", "$0.1264"),
    # A bound, not a rate: what a reservation saves at best, for lines without a sourced rate.
    "rds.reserved.ceiling": Price(
        0.70,
        "x on demand at best",
        "archera.ai, AWS RDS commitment brief (data March 2026): No Upfront reserved DB instances save "
        "up to 30%, 1-year term only [S]",
    ),
}
COMMITMENTS: dict[str, dict[str, Price]] = {"us-east-1": US_EAST_1_COMMITMENTS}


def commitments_for(region: str) -> Mapping[str, Price]:
    """The region's commitment factors and rates by key; empty where none were found."""
    return COMMITMENTS.get(region, {})
