"""The expert pool: experts (the role follows the `active` flag), their relations with
organizations and their declared family ties; all-or-nothing import and export."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

import audit
from accounts.roles import Role
from core.identity import id_number_hmac, id_number_mask, id_number_validate
from procurement.models import Expert, ExpertFamilyTie, ExpertRelation, FamilyRelation, RelationKind
from procurement.permissions import can_manage_experts
from procurement.services._common import deny, refuse, summary


def _may_edit(actor, expert: Expert | None) -> bool:
    return can_manage_experts(actor) or (expert is not None and expert.user_id == getattr(actor, "pk", None))


def _sync_role(expert: Expert) -> None:
    from accounts.services import role_grant, role_revoke

    if expert.active and expert.user.is_active:
        role_grant(user=expert.user, role=Role.EXPERT, reason=f"procurement.expert:{expert.pk} active")
    else:
        role_revoke(user=expert.user, role=Role.EXPERT, reason=f"procurement.expert:{expert.pk} inactive")


@transaction.atomic
def expert_save(*, actor, instance: Expert, categories=None) -> Expert:
    """Create or change an expert (officers and bureau admins). The expert role follows `active`:
    an inactive expert loses it and is never drawn."""
    if not can_manage_experts(actor):
        deny(_("Only procurement officers and administrators keep the expert pool."))
    before = summary(Expert.objects.get(pk=instance.pk)) if instance.pk else {}
    instance.full_clean()
    instance.save()
    if categories is not None:
        categories = list(categories)
        if not categories:
            refuse(_("Choose at least one field."))
        instance.categories.set(categories)
    _sync_role(instance)
    audit.record(
        actor=actor,
        action="expert.update" if before else "expert.create",
        target=instance,
        before=before,
        after={
            **summary(instance, ["name", "title", "employer", "active"]),
            "categories": [c.pk for c in instance.categories.all()],
        },
    )
    return instance


@transaction.atomic
def expert_relation_add(
    *,
    actor,
    expert: Expert,
    organization,
    kind: str,
    started_on: dt.date | None = None,
    ended_on: dt.date | None = None,
    note: str = "",
) -> ExpertRelation:
    """Record a relation of an expert with an organization (by staff, or declared by the expert)."""
    if not _may_edit(actor, expert):
        deny()
    if kind not in RelationKind.values:
        refuse(_("Choose a valid kind of relation."))
    relation = ExpertRelation(
        expert=expert,
        organization=organization,
        kind=kind,
        started_on=started_on,
        ended_on=ended_on,
        note=note,
    )
    if started_on and ended_on and ended_on < started_on:
        refuse(_("The relation ends before it starts."))
    relation.full_clean()
    relation.save()
    audit.record(actor=actor, action="expert.relation_add", target=expert, after=summary(relation))
    return relation


@transaction.atomic
def expert_family_tie_declare(
    *,
    actor,
    expert: Expert,
    relative_name: str,
    relation: str,
    relative_id_number: str = "",
    organization=None,
) -> ExpertFamilyTie:
    """Declare a close relative who is (or may be) an organization's legal representative. The ID
    number is kept only as its keyed hash and mask (it matches organizations' legal representatives
    by the same hash)."""
    if not _may_edit(actor, expert):
        deny()
    if relation not in FamilyRelation.values:
        refuse(_("Choose a valid family relation."))
    relative_name = (relative_name or "").strip()
    if not relative_name:
        refuse(_("Give the relative's name."))
    hmac_value = masked = ""
    if relative_id_number:
        number = id_number_validate(relative_id_number)
        hmac_value, masked = id_number_hmac(number), id_number_mask(number)
    if not hmac_value and organization is None:
        refuse(_("Give the relative's ID number or the organization they represent."))
    tie = ExpertFamilyTie.objects.create(
        expert=expert,
        relative_name=relative_name,
        relation=relation,
        relative_id_hmac=hmac_value,
        relative_id_masked=masked,
        organization=organization,
    )
    # Never the ID number itself in the audit log.
    audit.record(
        actor=actor,
        action="expert.family_tie_declare",
        target=expert,
        after={
            "tie": tie.pk,
            "relation": relation,
            "organization": organization.pk if organization else None,
        },
    )
    return tie


# --- import and export ---------------------------------------------------------------------------

EXPORT_COLUMNS = ("username", "name", "fields", "title", "employer", "qualifications", "phone", "active")
TRUE_WORDS = {"1", "true", "yes", "y", "是", "在库", "有效", "√"}
FALSE_WORDS = {"0", "false", "no", "n", "否", "停用", "无效", "×", ""}
SEPARATORS = ("、", ";", "；", ",", "，")


def experts_export_csv(experts) -> str:
    """The pool as CSV (UTF-8 with BOM, for Excel), in the import's columns."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    for expert in experts.select_related("user").prefetch_related("categories"):
        writer.writerow(
            [
                expert.user.username,
                expert.name,
                "、".join(c.code for c in expert.categories.all()),
                expert.title,
                expert.employer,
                expert.qualifications,
                expert.phone,
                "是" if expert.active else "否",
            ]
        )
    return buffer.getvalue()


@dataclass
class ImportResult:
    errors: list[str] = field(default_factory=list)
    created: int = 0
    updated: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def _split(text: str) -> list[str]:
    for separator in SEPARATORS[1:]:
        text = text.replace(separator, SEPARATORS[0])
    return [part.strip() for part in text.split(SEPARATORS[0]) if part.strip()]


def experts_import_csv(*, actor, content: str) -> ImportResult:
    """Import experts from CSV (the export's columns; `username` names an existing account).
    All-or-nothing: every row is checked first and each bad row reported with its line; only a
    file without errors is written, through `expert_save`, in one transaction."""
    from core.models import ServiceCategory

    if not can_manage_experts(actor):
        deny(_("Only procurement officers and administrators keep the expert pool."))
    result = ImportResult()
    reader = csv.DictReader(io.StringIO(content.lstrip("\ufeff")))
    missing = [c for c in ("username", "name", "fields") if c not in (reader.fieldnames or [])]
    if missing:
        result.errors.append(_("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)})
        return result
    User = get_user_model()
    categories = {}
    for category in ServiceCategory.objects.filter(parent__isnull=True):
        categories[category.code] = category
        categories[category.name] = category
    rows = []
    seen = set()
    for line, row in enumerate(reader, start=2):
        row = {k: (v or "").strip() for k, v in row.items() if k}
        problems = []
        user = User.objects.filter(username=row["username"]).first() if row["username"] else None
        if user is None:
            problems.append(_("no account with the user name “%(username)s”") % {"username": row["username"]})
        elif user.pk in seen:
            problems.append(_("the account appears twice in the file"))
        else:
            seen.add(user.pk)
        if not row["name"]:
            problems.append(_("the name is empty"))
        fields = []
        for word in _split(row["fields"]):
            if word in categories:
                fields.append(categories[word])
            else:
                problems.append(_("unknown field “%(field)s”") % {"field": word})
        if not fields and row["fields"] == "":
            problems.append(_("no field given"))
        active_text = row.get("active", "是").lower()
        if active_text not in TRUE_WORDS | FALSE_WORDS:
            problems.append(_("“active” must be 是 or 否"))
        if problems:
            result.errors.append(
                _("Line %(line)s: %(problems)s.") % {"line": line, "problems": "；".join(problems)}
            )
            continue
        rows.append((user, row, fields, active_text in TRUE_WORDS))
    if result.errors:
        return result
    with transaction.atomic():
        for user, row, fields, active in rows:
            instance = Expert.objects.filter(user=user).first()
            created = instance is None
            instance = instance or Expert(user=user)
            instance.name = row["name"]
            for name in ("title", "employer", "qualifications", "phone"):
                setattr(instance, name, row.get(name, ""))
            instance.active = active
            try:
                expert_save(actor=actor, instance=instance, categories=fields)
            except ValidationError as exc:
                transaction.set_rollback(True)
                result.errors.append(f"{user.username}: {'；'.join(exc.messages)}")
                result.created = result.updated = 0
                return result
            if created:
                result.created += 1
            else:
                result.updated += 1
        audit.record(
            actor=actor, action="expert.import", after={"created": result.created, "updated": result.updated}
        )
    return result


def experts_matching(search: str = ""):
    """Experts for the staff list, searchable by name or employer."""
    queryset = Expert.objects.select_related("user").prefetch_related("categories").order_by("name", "pk")
    if search:
        queryset = queryset.filter(Q(name__icontains=search) | Q(employer__icontains=search))
    return queryset
