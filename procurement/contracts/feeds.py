"""RSS and Atom feeds of the published contracts (issue 14, point 7), per service category and
district: the public list's fields only (number, name, purchasing unit, supplier, current amount,
service period), linked to the public contract page. See `procurement.tendering.feeds`."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.money import format_money
from core.references import with_references
from procurement.contracts.selectors import PUBLIC_FIELDS, published_contracts
from procurement.tendering.feeds import (
    FEED_SIZE,
    AtomMixin,
    FeedItem,
    FeedRequest,
    PortalFeed,
    filter_tenders,
    line,
    local,
)


def contract_feed_items(wanted: FeedRequest) -> list[FeedItem]:
    contracts = (
        filter_tenders(published_contracts(), wanted, prefix="tender__")
        .select_related(None)
        .select_related("organization", "tender__budget_line")
        .only(
            *[f for f in PUBLIC_FIELDS if f not in ("pk", "department__name")],
            "department",
            "tender__budget_line__category",
        )
    )
    # the purchasing unit (with its district) and the category from the process's copy of the
    # reference rows, not joined (core.references)
    contracts = with_references(contracts, "department", "tender__budget_line__category")[:FEED_SIZE]
    items = []
    for contract in contracts:
        district = contract.department.district
        description = "\n".join(
            [
                line(_("Contract number"), contract.reference),
                line(_("Purchasing unit"), contract.department.name),
                line(_("Supplier"), contract.organization.name),
                line(_("Service category"), contract.tender.budget_line.category.name),
                line(_("District"), district.name if district else "—"),
                line(_("Current amount (yuan)"), format_money(contract.amount)),
                line(
                    _("Service period"),
                    f"{contract.starts_on:%Y-%m-%d} – {contract.ends_on:%Y-%m-%d}",
                ),
            ]
        )
        items.append(
            FeedItem(
                title=f"{contract.reference} {contract.title}",
                link=reverse("procurement:contract_public_detail", args=[contract.pk]),
                description=description,
                published=local(contract.published_at),
                guid=f"contract-{contract.pk}",
            )
        )
    return items


class ContractsRssFeed(PortalFeed):
    title_text = gettext_lazy("Published contracts")
    description_text = gettext_lazy("Contracts of purchased services, newest first.")

    def load(self, wanted: FeedRequest) -> None:
        wanted.link = reverse("procurement:contract_public_list")
        wanted.items = contract_feed_items(wanted)


class ContractsAtomFeed(AtomMixin, ContractsRssFeed):
    pass
