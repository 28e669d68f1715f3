"""Imports through the import-export paths against a raw `bulk_create` of the same rows.

- organizations: `orgs.resources.import_dataset(kind="organizations")` on a file exported from the
  register with new codes and names, against `Organization.objects.bulk_create` of the same rows;
- volunteers: `volunteers.resources.import_volunteers` on a CSV of new volunteers, against a
  `bulk_create` of their accounts, profiles (ID number protected) and district/service-type rows.

Each side runs in its own transaction, rolled back. The rows/s are measured on BENCH_IMPORT_ORGS
(default 1,000) and BENCH_IMPORT_VOLUNTEERS (default 5,000: one file holds at most 5,000) rows, and
the time for the issue's full sizes (5,000 organizations, 100,000 volunteers = 20 files) follows from
the rate (`full_size_s`)."""

from __future__ import annotations

import csv
import io
import os

from bench.cases._common import finish, guarded, measured, parse, setup

FULL_ORGS = 5000
FULL_VOLUNTEERS = 100000


def _actor():
    from bench.sessions import user_with_role

    return user_with_role("bureau_admin")


def _org_rows(n: int):
    """(dataset for the import, model instances for the raw insert): n organizations copied from the
    register with new codes and names."""
    import tablib

    from core.uscc import uscc_complete
    from orgs.models import Organization
    from orgs.resources import KINDS, OrganizationResource, _header_map

    sources = list(KINDS["organizations"].prepare(Organization.objects.order_by("pk"))[: min(n, 500)])
    if not sources:
        raise RuntimeError("no organization to copy")
    exported = OrganizationResource().export(
        queryset=Organization.objects.filter(pk__in=[o.pk for o in sources])
    )
    mapping = _header_map(OrganizationResource)
    keys = [mapping.get(str(h).strip().lower()) for h in exported.headers]
    uscc_at, name_at, id_at = keys.index("uscc"), keys.index("name"), keys.index("legal_rep_id_number")
    by_uscc = {row[uscc_at]: row for row in exported}
    dataset = tablib.Dataset(headers=exported.headers)
    instances = []
    for i in range(n):
        source = sources[i % len(sources)]
        row = list(by_uscc[source.uscc])
        uscc = uscc_complete(source.uscc[:8] + "8" + f"{i:08d}")
        name = f"基准导入社会组织{i:06d}号"
        # the export shows the representative's ID number masked: the file carries a whole one
        row[uscc_at], row[name_at], row[id_at] = uscc, name, _id_number(500000 + i)
        dataset.append(row)
        copy = Organization.objects.get(pk=source.pk)
        copy.pk = None
        copy.uscc, copy.name = uscc, name
        instances.append(copy)
    return dataset, instances


def _organizations(figures: list[dict], n: int) -> None:
    from orgs.models import Organization
    from orgs.resources import import_dataset

    dataset, instances = _org_rows(n)
    actor = _actor()
    imported = {"name": f"organization import ({n} rows, import_dataset)", "rows": n}
    raw = {"name": f"organization raw bulk_create ({n} rows)", "rows": n}
    with measured(imported):
        result = import_dataset(actor=actor, kind="organizations", dataset=dataset)
        imported["written"] = result.written
        imported["row_errors"] = len(result.errors)
        if result.errors:
            imported["first_error"] = str(result.errors[0])
    with measured(raw):
        Organization.objects.bulk_create(instances, batch_size=1000)
    _rates(imported, raw, FULL_ORGS)
    figures += [imported, raw]


def _id_number(i: int) -> str:
    import datetime

    from core.identity import id_number_check_char

    birth = datetime.date(1970, 1, 1) + datetime.timedelta(days=(i // 900) * 11)
    first17 = f"110101{birth:%Y%m%d}{100 + i % 900:03d}"
    return first17 + id_number_check_char(first17)


def _volunteers(figures: list[dict], n: int) -> None:
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile

    from core.identity import id_number_protect
    from core.models import District
    from orgs.models import Organization
    from volunteers.models import Volunteer
    from volunteers.resources import VOLUNTEER_COLUMNS, import_volunteers

    VolunteerServiceType = Volunteer.service_types.field.related_model
    district = District.objects.order_by("pk").first()
    service_type = VolunteerServiceType.objects.order_by("pk").first()
    organization = Organization.objects.order_by("pk").first()
    people = [
        {
            "姓名": f"基准志愿者{i:06d}",
            "身份证号": _id_number(i),
            "手机": f"139{i:08d}",
            "紧急联系人": "家属",
            "紧急联系电话": f"138{i:08d}",
            "技能": "陪伴、急救",
            "服务类型": service_type.name if service_type else "",
            "区": district.name if district else "",
        }
        for i in range(n)
    ]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=VOLUNTEER_COLUMNS)
    writer.writeheader()
    writer.writerows(people)
    upload = SimpleUploadedFile("volunteers.csv", buffer.getvalue().encode("utf-8"), content_type="text/csv")
    imported = {"name": f"volunteer import ({n} rows, import_volunteers)", "rows": n}
    raw = {"name": f"volunteer raw bulk_create ({n} rows)", "rows": n}
    with measured(imported):
        created = import_volunteers(actor=_actor(), organization=organization, upload=upload)
        imported["written"] = len(created)
    User = get_user_model()
    with measured(raw):
        users = User.objects.bulk_create(
            [User(username=f"bench-raw-{i}", display_name=p["姓名"]) for i, p in enumerate(people)],
            batch_size=2000,
        )
        volunteers = []
        for i, (user, person) in enumerate(zip(users, people, strict=True)):
            protected = id_number_protect(person["身份证号"])
            volunteers.append(
                Volunteer(
                    user=user,
                    number=f"BR{i:010d}",
                    real_name=person["姓名"],
                    id_ciphertext=protected.ciphertext,
                    id_hmac=protected.hmac,
                    id_masked=protected.masked,
                    birth_date=protected.birth_date,
                    phone=person["手机"],
                    emergency_name=person["紧急联系人"],
                    emergency_phone=person["紧急联系电话"],
                    registered_by_org=organization,
                )
            )
        volunteers = Volunteer.objects.bulk_create(volunteers, batch_size=2000)
        if district:
            Volunteer.districts.through.objects.bulk_create(
                [Volunteer.districts.through(volunteer_id=v.pk, district_id=district.pk) for v in volunteers],
                batch_size=2000,
            )
        if service_type:
            Volunteer.service_types.through.objects.bulk_create(
                [
                    Volunteer.service_types.through(
                        volunteer_id=v.pk, volunteerservicetype_id=service_type.pk
                    )
                    for v in volunteers
                ],
                batch_size=2000,
            )
    _rates(imported, raw, FULL_VOLUNTEERS)
    figures += [imported, raw]


def _rates(imported: dict, raw: dict, full: int) -> None:
    for figure in (imported, raw):
        if figure.get("seconds"):
            figure["rows_per_s"] = round(figure["rows"] / figure["seconds"], 1)
            figure["queries_per_row"] = round(figure["queries"] / figure["rows"], 2)
            figure["full_size_s"] = round(full / figure["rows_per_s"], 1)
    if imported.get("rows_per_s") and raw.get("rows_per_s"):
        imported["ratio"] = round(imported["rows_per_s"] / raw["rows_per_s"], 4)
        imported["note"] = "rows/s of the import ÷ rows/s of bulk_create"


def main(argv=None) -> None:
    args = parse(argv, __doc__)
    setup()
    orgs = 20 if args.smoke else int(os.environ.get("BENCH_IMPORT_ORGS", 1000))
    volunteers = 20 if args.smoke else int(os.environ.get("BENCH_IMPORT_VOLUNTEERS", 5000))
    figures: list[dict] = []
    failures: list[dict] = []
    guarded(failures, "organizations", lambda fig: _organizations(figures, orgs))
    guarded(failures, "volunteers", lambda fig: _volunteers(figures, volunteers))
    figures += [f for f in failures if "error" in f]
    finish(args, "imports", figures)


if __name__ == "__main__":
    main()
