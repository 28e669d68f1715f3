"""The daily sweeps, each timed with its query count, in a transaction rolled back afterwards (so the
next run finds the same work): the lights snapshot, the credit-list rules, the slot reminders, the
progress-report reminders, the public-report transfer reminders and the red flags' nightly refresh."""

from __future__ import annotations

from bench.cases._common import finish, guarded, measured, parse, setup

SWEEPS = [
    ("lights snapshot (lights_daily)", "procurement.supervision.tasks", "lights_daily"),
    ("credit-list rules (apply_credit_list_rules)", "orgs.tasks", "apply_credit_list_rules"),
    ("slot reminders (send_slot_reminders)", "volunteers.tasks", "send_slot_reminders"),
    ("progress-report reminders", "procurement.contracts.tasks", "progress_report_reminders"),
    ("public-report transfers", "procurement.supervision.tasks", "public_report_transfers_daily"),
    ("red flags stored (red_flags_refresh)", "procurement.supervision.tasks", "red_flags_refresh"),
]


def _sweep(figure: dict, module: str, attribute: str) -> None:
    import importlib

    task = getattr(importlib.import_module(module), attribute)
    with measured(figure):
        result = task.run() if hasattr(task, "run") else task()
        figure["result"] = result if isinstance(result, int | dict | list) else str(result)


def main(argv=None) -> None:
    args = parse(argv, __doc__)
    setup()
    figures: list[dict] = []
    for name, module, attribute in SWEEPS:
        guarded(figures, name, _sweep, module, attribute)
    finish(args, "sweeps", figures)


if __name__ == "__main__":
    main()
