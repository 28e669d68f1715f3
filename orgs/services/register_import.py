"""The register import's writes (`orgs.resources.import_dataset`), a batch of checked rows at a time:
bulk statements and one audit event per batch, so that a batch costs a bounded number of queries
whatever its size. The same rules as the one-at-a-time services (`organization_save`,
`grade_grant`): the actor is checked, every code and ID number is checked as a form's would be, and
a row the rules refuse is reported with its row number (`ImportRowErrors`) before anything of the
batch is written."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from core.dates import add_years
from core.identity import id_number_hmac
from orgs import rules
from orgs.models import (
    EvaluationGrade,
    Grade,
    Organization,
    OrganizationType,
    RegistrationStatus,
    VerificationStatus,
)
from orgs.permissions import is_registry_admin
from orgs.services.organizations import _apply_legal_rep_id, _clean_uscc_code
from orgs.services.records import refresh_latest_grades

# The columns an import writes (the profile; the ID number's four columns when the file gives one).
ORGANIZATION_IMPORT_FIELDS = (
    "name",
    "uscc",
    "uscc_override_reason",
    "org_type",
    "registration_authority",
    "supervising_unit",
    "legal_rep_name",
    "founded_on",
    "registered_capital",
    "address",
    "district_id",
    "business_scope",
    "is_charity",
    "has_public_fundraising",
    "registration_status",
    "contact_name",
    "contact_phone",
    "contact_email",
)
LEGAL_REP_ID_FIELDS = (
    "legal_rep_id_ciphertext",
    "legal_rep_id_hmac",
    "legal_rep_id_masked",
    "legal_rep_birth_date",
)
# At most this many codes are named in one audit event (the count and the digest cover every row).
MAX_CODES_IN_EVENT = 1000


class ImportRowErrors(ValidationError):
    """Rows of a batch the rules refuse: `row_errors` is [(row number, ValidationError)]; nothing of
    the batch was written."""

    def __init__(self, row_errors: list[tuple[int, ValidationError]]):
        self.row_errors = row_errors
        super().__init__([m for _row, exc in row_errors for m in exc.messages])


@dataclass
class OrganizationImportRow:
    """One checked row: `instance` is the organization on record (changed in memory) or a new one."""

    row_number: int
    instance: Organization
    id_number: str | None  # None keeps the number on file
    categories: Sequence  # the service categories the organization has afterwards
    override_reason: str = ""


@dataclass
class BatchOutcome:
    created: list = field(default_factory=list)  # codes
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)

    @property
    def written(self) -> int:
        return len(self.created) + len(self.updated)


def _require_registry_admin(actor) -> None:
    if not is_registry_admin(actor):
        raise PermissionDenied(_("Only a registry administrator may change the register."))


def _codes(codes: list) -> list:
    return codes[:MAX_CODES_IN_EVENT]


def organizations_import_check(*, actor, rows: Sequence[OrganizationImportRow]) -> list:
    """What `organizations_import_batch` would refuse, as [(row number, ValidationError)], writing
    nothing (the import reports these with the file's other errors). Queries: one look-up of the
    rows' codes."""
    _require_registry_admin(actor)
    return _checked(actor, list(rows))[0]


def _checked(actor, rows: list) -> tuple[list, dict, dict]:
    """(errors, {pk: the columns on record}, {row number: whether the row brings a new ID number}):
    the codes (as `organization_save` checks them, with one look-up for the whole batch), the ID
    numbers (protected into the instance) and the model's rules."""
    errors: list[tuple[int, ValidationError]] = []
    for row in rows:
        try:
            _clean_uscc_code(row.instance, actor=actor, override_reason=row.override_reason)
        except ValidationError as exc:
            errors.append((row.row_number, exc))
    # One look-up for the whole batch: the codes on record, with what an update is compared against.
    compared = ("pk", *ORGANIZATION_IMPORT_FIELDS, "legal_rep_id_hmac")
    recorded = {
        values["uscc"]: values
        for values in Organization.objects.filter(uscc__in=[r.instance.uscc for r in rows]).values(*compared)
    }
    for row in rows:
        other = recorded.get(row.instance.uscc)
        if other is not None and other["pk"] != row.instance.pk:
            errors.append(
                (
                    row.row_number,
                    ValidationError(
                        {
                            "uscc": _(
                                "An organization with this unified social credit code is already registered."
                            )
                        }
                    ),
                )
            )
    by_pk = {values["pk"]: values for values in recorded.values()}
    new_id = {}
    for row in rows:
        before = by_pk.get(row.instance.pk) if row.instance.pk else None
        same_id = (
            before is not None
            and row.id_number
            and before["legal_rep_id_hmac"]
            and _hmac_or_none(row.id_number) == before["legal_rep_id_hmac"]
        )
        new_id[row.row_number] = bool(row.id_number) and not same_id
        try:
            _apply_legal_rep_id(row.instance, row.id_number if new_id[row.row_number] else None)
            _full_clean(row.instance)
        except ValidationError as exc:
            errors.append((row.row_number, exc))
    return errors, by_pk, new_id


@transaction.atomic
def organizations_import_batch(*, actor, rows: Sequence[OrganizationImportRow], digest: dict) -> BatchOutcome:
    """Write a batch of the organization register import: new codes are registered (verified at
    once, as `organization_save` does), codes on record are updated, rows that already read as on
    record are left alone. Every row is checked first (`organizations_import_check`): a refused row
    raises `ImportRowErrors` and nothing is written. Queries: one look-up of the batch's codes, one
    read of the updated organizations' service categories, the inserts and updates (bulk), one
    audit event (`organization.import`, with the codes, the row count and `digest`, the rows'
    sha256)."""
    _require_registry_admin(actor)
    rows = list(rows)
    errors, by_pk, new_id = _checked(actor, rows)
    if errors:
        raise ImportRowErrors(sorted(errors, key=lambda item: item[0]))

    now = timezone.now()
    outcome = BatchOutcome()
    through = Organization.service_categories.through
    new = [r for r in rows if r.instance.pk is None]
    old = [r for r in rows if r.instance.pk is not None]
    links: dict[int, dict[int, int]] = {}  # organization → {category: link pk}
    if old:
        for pk, organization_id, category_id in through.objects.filter(
            organization_id__in=[r.instance.pk for r in old]
        ).values_list("pk", "organization_id", "servicecategory_id"):
            links.setdefault(organization_id, {})[category_id] = pk
    changed_rows, changes, overrides = [], {}, {}
    for row in old:
        before = by_pk[row.instance.pk]
        fields = [f for f in ORGANIZATION_IMPORT_FIELDS if getattr(row.instance, f) != before[f]]
        if new_id[row.row_number]:
            fields.append("legal_rep_id")
        categories = {c.pk for c in row.categories}
        if categories != set(links.get(row.instance.pk, {})):
            fields.append("service_categories")
        if not fields:
            outcome.unchanged.append(row.instance.uscc)
            continue
        changed_rows.append(row)
        changes[row.instance.uscc] = fields
        outcome.updated.append(row.instance.uscc)
        if "uscc_override_reason" in fields and row.instance.uscc_override_reason:
            overrides[row.instance.uscc] = row.instance.uscc_override_reason
    for row in new:
        row.instance.verification_status = VerificationStatus.VERIFIED
        row.instance.verified_at = now
        outcome.created.append(row.instance.uscc)
        if row.instance.uscc_override_reason:
            overrides[row.instance.uscc] = row.instance.uscc_override_reason
    if new:
        Organization.objects.bulk_create([r.instance for r in new])
    if changed_rows:
        for row in changed_rows:
            row.instance.updated_at = now
        fields = [*(f.removesuffix("_id") for f in ORGANIZATION_IMPORT_FIELDS), "updated_at"]
        if any(new_id[r.row_number] for r in changed_rows):
            fields += LEGAL_REP_ID_FIELDS
        Organization.objects.bulk_update([r.instance for r in changed_rows], fields)
    # The service categories: the changed organizations' links made to read as the file does.
    stale = [
        pk
        for r in changed_rows
        for category_id, pk in links.get(r.instance.pk, {}).items()
        if category_id not in {c.pk for c in r.categories}
    ]
    if stale:
        through.objects.filter(pk__in=stale).delete()
    added = {
        (r.instance.pk, c.pk)
        for r in (*new, *changed_rows)
        for c in r.categories
        if c.pk not in links.get(r.instance.pk, {})
    }
    through.objects.bulk_create([through(organization_id=o, servicecategory_id=c) for o, c in sorted(added)])
    if outcome.written:
        audit.record(
            actor=actor,
            action="organization.import",
            object_type="orgs.organization",
            after={
                "rows": len(rows),
                "created": len(outcome.created),
                "updated": len(outcome.updated),
                "unchanged": len(outcome.unchanged),
                "created_codes": _codes(outcome.created),
                "updated_fields": dict(list(changes.items())[:MAX_CODES_IN_EVENT]),
                "uscc_overrides": overrides,
                **digest,
            },
        )
    return outcome


# Left out of an imported row's `full_clean`: the code (checked above), the links, and the columns
# that are not free text and hold values the import parsed or this service set (checked here at
# less cost than by every field's validators). The text columns, the amount and the model's own
# rules (`Organization.clean`) are checked as a form's are.
_NOT_FULL_CLEANED = [
    "uscc",
    "service_categories",
    "district",
    "org_type",
    "registration_status",
    "founded_on",
    "is_charity",
    "has_public_fundraising",
    "verification_status",
    "rejection_reasons",
    "verified_at",
    "submitted_at",
    "created_at",
    "updated_at",
    *LEGAL_REP_ID_FIELDS,
]


_CHOICES = (
    ("org_type", frozenset(OrganizationType.values)),
    ("registration_status", frozenset(RegistrationStatus.values)),
)


def _full_clean(organization: Organization) -> None:
    errors = {}
    for name, choices in _CHOICES:
        value = getattr(organization, name)
        if value not in choices:
            message = Organization._meta.get_field(name).error_messages["invalid_choice"]
            errors[name] = [message % {"value": value}]
    if not isinstance(organization.founded_on, datetime.date):
        errors["founded_on"] = [_("This field is required.")]
    if organization.district_id is None:
        errors["district"] = [_("This field is required.")]
    try:
        organization.full_clean(exclude=_NOT_FULL_CLEANED, validate_unique=False)
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


def _hmac_or_none(number: str) -> str | None:
    try:
        return id_number_hmac(number)
    except Exception:  # a malformed number is refused by `_apply_legal_rep_id`, with its message
        return None


@dataclass
class GradeImportRow:
    row_number: int
    organization: Organization
    grade: int
    granted_on: datetime.date
    certificate_no: str


@transaction.atomic
def grades_import_batch(*, actor, rows: Sequence[GradeImportRow], digest: dict) -> BatchOutcome:
    """Record a batch of evaluation grades as `grade_grant` does each (expiry after the configured
    years), with one look-up for grades already granted on those dates, one insert and one audit
    event (`grade.import`)."""
    _require_registry_admin(actor)
    rows = list(rows)
    taken = set(
        EvaluationGrade.objects.filter(
            organization_id__in={r.organization.pk for r in rows},
            granted_on__in={r.granted_on for r in rows},
        ).values_list("organization_id", "granted_on")
    )
    errors = []
    for row in rows:
        if (row.organization.pk, row.granted_on) in taken:
            errors.append(
                (
                    row.row_number,
                    ValidationError(
                        {"granted_on": _("This organization already has a grade granted on this date.")}
                    ),
                )
            )
        if row.grade not in Grade.values:
            errors.append((row.row_number, ValidationError({"grade": _("A grade is 1A to 5A.")})))
        if not (row.certificate_no or "").strip():
            errors.append(
                (row.row_number, ValidationError({"certificate_no": _("Enter the certificate number.")}))
            )
    if errors:
        raise ImportRowErrors(errors)
    years = rules.grade_validity_years()
    grades = EvaluationGrade.objects.bulk_create(
        [
            EvaluationGrade(
                organization=row.organization,
                grade=row.grade,
                granted_on=row.granted_on,
                expires_on=add_years(row.granted_on, years),
                certificate_no=row.certificate_no.strip(),
            )
            for row in rows
        ]
    )
    refresh_latest_grades(organization_ids={r.organization.pk for r in rows})
    outcome = BatchOutcome(created=[f"{r.organization.uscc}@{r.granted_on.isoformat()}" for r in rows])
    audit.record(
        actor=actor,
        action="grade.import",
        object_type="orgs.evaluationgrade",
        after={
            "rows": len(rows),
            "created": len(grades),
            "grades": [
                {
                    "id": g.pk,
                    "uscc": r.organization.uscc,
                    "grade": g.get_grade_display(),
                    "granted_on": str(g.granted_on),
                }
                for g, r in list(zip(grades, rows, strict=True))[:MAX_CODES_IN_EVENT]
            ],
            **digest,
        },
    )
    return outcome
