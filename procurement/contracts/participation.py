"""Volunteer participation on purchased-service contracts (社工+志愿者, issue 15).

The volunteers app sits above procurement (it may import procurement; procurement never imports it),
yet the contract pages and the performance evaluation must show how many volunteers a contract's
projects brought. So procurement names what it needs here and the volunteers app supplies it: its
`ready()` registers a provider with `register_provider`. Without a provider (procurement used
alone) every contract has no participation.

A provider takes contract ids and returns, in a constant number of queries, a `Participation` per
contract id that has any (absent ids have none). Figures only: never a name or any personal data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Participation:
    projects: int = 0
    needs: int = 0
    signups: int = 0
    verified_hours: Decimal = Decimal("0")
    volunteers_served: int = 0

    @property
    def any(self) -> bool:
        return bool(self.projects)


NONE = Participation()

Provider = Callable[[list[int]], dict[int, Participation]]
_provider: Provider | None = None


def register_provider(provider: Provider) -> None:
    global _provider
    _provider = provider


def participation_for(contract_ids: Iterable[int]) -> dict[int, Participation]:
    """Participation of each contract id (`NONE` for a contract without volunteer projects)."""
    ids = list(dict.fromkeys(contract_ids))
    found = _provider(ids) if (_provider is not None and ids) else {}
    return {pk: found.get(pk, NONE) for pk in ids}


def participation_of(contract_id: int) -> Participation:
    return participation_for([contract_id])[contract_id]


# Links the volunteers app offers on a contract's page (staff and supplier side), for one user:
# e.g. "create a volunteer project under this contract" for the supplier's members. A provider
# returns [(label, url)], only links that work for that user (it checks their permission).
LinksProvider = Callable[[object, object], list[tuple[str, str]]]
_links_provider: LinksProvider | None = None


def register_links_provider(provider: LinksProvider) -> None:
    global _links_provider
    _links_provider = provider


def contract_links(contract, user) -> list[tuple[str, str]]:
    return _links_provider(contract, user) if _links_provider is not None else []
