"""Egress: further places the tasks may connect to (warehouses, SMTP relays, LDAP servers), each a
port or port range on exactly one target, described the way AWS accepts, and routable."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from superset_stack.config_types import shown
from superset_stack.validators._problem import Problem
from superset_stack.validators._targets import target_problems

if TYPE_CHECKING:
    from superset_stack.settings import EgressDestination, Settings


# The app group holds at most 60 outbound rules (AWS's default quota); the stack's own take up to 5.
MAX_DESTINATIONS = 50
# A security group rule's description (EC2 API: IpRange, PrefixListId and UserIdGroupPair; '&' is
# allowed by only some of them, so it is left out).
DESCRIPTION_CHARACTERS = "._-:/()#,@[]+=;{}!$*"
_DESCRIPTION = re.compile(r"[A-Za-z0-9 " + re.escape(DESCRIPTION_CHARACTERS) + r"]*")


def validate_egress_destinations(s: Settings) -> list[Problem]:
    """At most 50 destinations, each with a description AWS accepts, a port or an ordered port range
    in 1-65535, exactly one well-formed target the private subnets can route to, and none twice."""
    if len(s.egress_destinations) > MAX_DESTINATIONS:
        return [
            Problem(
                "egressDestinations",
                f"at most {MAX_DESTINATIONS} (the app security group holds 60 outbound rules), "
                f"got {len(s.egress_destinations)}",
            )
        ]
    problems: list[Problem] = []
    seen: dict[tuple[object, ...], int] = {}
    for index, destination in enumerate(s.egress_destinations):
        where = f"egressDestinations[{index}]"
        problems += _description(where, destination.description)
        ports = _ports(where, destination)
        problems += ports
        problems += target_problems(where, destination, s, check_open=not ports)
        identity = (tuple(sorted(destination.targets.items())), destination.ports)
        if identity in seen:
            problems.append(
                Problem(
                    where,
                    f"repeats egressDestinations[{seen[identity]}] (the same target and ports); "
                    "AWS refuses a rule twice",
                )
            )
        seen.setdefault(identity, index)
    return problems


def _description(where: str, description: str) -> list[Problem]:
    if len(description) > 255:
        return [Problem(f"{where}.description", f"must be at most 255 characters, got {len(description)}")]
    if not _DESCRIPTION.fullmatch(description):
        refused = "".join(sorted({c for c in description if not _DESCRIPTION.fullmatch(c)}))
        return [
            Problem(
                f"{where}.description",
                f"AWS allows only letters, digits, spaces and {DESCRIPTION_CHARACTERS} in a rule "
                f"description; {shown(refused)} are not allowed",
            )
        ]
    return []


def _ports(where: str, d: EgressDestination) -> list[Problem]:
    """port, or fromPort and toPort: each 1-65535, the range in order."""
    ranged = (d.from_port, d.to_port)
    if d.port is not None and ranged != (None, None):
        return [Problem(where, "give port, or fromPort and toPort, not both")]
    if d.port is None and None in ranged:
        if ranged == (None, None):
            return [Problem(where, "needs a port (or fromPort and toPort for a range)")]
        return [Problem(where, "fromPort and toPort go together: give both, or port for a single one")]
    given = {"port": d.port} if d.port is not None else {"fromPort": d.from_port, "toPort": d.to_port}
    problems = [
        Problem(f"{where}.{key}", f"must be 1-65535, got {port}")
        for key, port in given.items()
        if port is not None and not 1 <= port <= 65535
    ]
    first, last = d.ports
    if not problems and first > last:
        problems.append(Problem(f"{where}.fromPort", f"{first} is above toPort {last}"))
    return problems
