"""Opening 50 sealed bids, and the scoring finalization of 50 bids × 7 experts × 20 criteria.

The tender, the 50 bidders and their sealed bids, the 7-member panel and its 6,650 scores are made
through the services by the test suite's helpers (tests/procurement/), inside a transaction rolled
back at the end; only the opening (`tender_close` + `tender_open_bids`, what the scheduler runs at
the deadline) and the finalization (`panel_finalize`: checks, ranking, the report's HTML and PDF, the
award proposal) are timed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from bench.cases._common import _Rollback, finish, guarded, measured, parse, setup

BIDS = 50
EXPERTS = 7
# 20 criteria: the price (24 points) and 19 others of 4 points, three of them objective
SHEET = [{"name": "价格", "max_points": "24", "is_price": True, "is_objective": True}] + [
    {"name": f"评审因素{n:02d}", "max_points": "4", **({"is_objective": True} if n <= 3 else {})}
    for n in range(1, 20)
]


def _evaluation(figures: list[dict], bids: int, experts: int) -> None:
    import time_machine
    from django.db import transaction

    from procurement.evaluation.services.scoring import panel_finalize
    from procurement.models import Bid, Panel, Tender
    from procurement.tendering.services.opening import tender_open_bids
    from procurement.tendering.services.tenders import tender_close
    from tests.procurement.bidding import bidder, published_tender, submit
    from tests.procurement.evaluating import score_all, seated_panel, sign_all

    opening = {"name": f"opening {bids} bids"}
    final = {"name": f"scoring finalization {bids} bids × {experts} experts × {len(SHEET)} criteria"}
    try:
        with transaction.atomic():
            tender, officer = published_tender(method_code="open_tender", days=30, sheet=SHEET)
            for n in range(bids):
                organization, user = bidder()
                submit(tender, organization, user, price=str(Decimal("900000") + n * 1000))
            after_deadline = tender.bid_deadline + dt.timedelta(seconds=1)
            with time_machine.travel(after_deadline, tick=True):
                with measured(opening, rollback=False):
                    tender_close(actor=None, tender=Tender(pk=tender.pk), at=after_deadline)
                    result = tender_open_bids(actor=None, tender=Tender(pk=tender.pk))
                opening["failed"] = bool(getattr(result, "failed", False))
                opening["bids"] = Bid.objects.filter(tender=tender).count()
                tender.refresh_from_db()
                panel, members = seated_panel(tender, officer, size=experts, external=experts)
                all_bids = list(Bid.objects.filter(tender=tender).order_by("price", "pk"))
                score_all(panel, members, all_bids)
                sign_all(members)
                with measured(final, rollback=False):
                    panel_finalize(actor=officer, panel=Panel.objects.get(pk=panel.pk))
                final["scores"] = len(members) * len(all_bids) * (len(SHEET) - 1)
            raise _Rollback
    except _Rollback:
        pass
    finally:
        for figure in (opening, final):
            figures.append(figure)
            print(
                f"  {figure['name']}: {figure.get('seconds')} s, {figure.get('queries')} queries", flush=True
            )


def main(argv=None) -> None:
    args = parse(argv, __doc__)
    setup()
    figures: list[dict] = []
    bids, experts = (3, 5) if args.smoke else (BIDS, EXPERTS)
    failure: list[dict] = []
    guarded(failure, "evaluation setup", lambda fig: _evaluation(figures, bids, experts))
    figures += [f for f in failure if "error" in f]
    finish(args, "evaluation", figures)


if __name__ == "__main__":
    main()
