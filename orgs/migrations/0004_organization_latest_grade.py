"""The organization's latest grade, stored for the directory's sort by grade (issue 17).

The sort read every organization's latest grant through a sub-query to order them (82 ms of SQL for
one page at ten times the base city). `Organization.latest_grade` holds it, kept by
`orgs.services.records.refresh_latest_grades`; filled here from the grants as of today. The sort
puts organizations without a grade last in both directions: one index per direction with NULLS
LAST, on PostgreSQL only (SQLite has no NULLS LAST in an index), as migration 0003 does for the
founding date."""

import django.utils.timezone
from django.db import migrations, models
from django.db.models import OuterRef, Subquery

GRADE = {
    "orgs_org_grade_asc": '"latest_grade" ASC NULLS LAST, "id" ASC',
    "orgs_org_grade_desc": '"latest_grade" DESC NULLS LAST, "id" DESC',
}


def fill(apps, schema_editor):
    Organization = apps.get_model("orgs", "Organization")
    EvaluationGrade = apps.get_model("orgs", "EvaluationGrade")
    today = django.utils.timezone.localdate()
    latest = EvaluationGrade.objects.filter(organization=OuterRef("pk"), granted_on__lte=today).order_by(
        "-granted_on"
    )
    Organization.objects.update(latest_grade=Subquery(latest.values("grade")[:1]))


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, columns in GRADE.items():
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "orgs_organization" ({columns})')


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in GRADE:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("orgs", "0003_organization_list_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="organization",
            name="latest_grade",
            field=models.PositiveSmallIntegerField(
                blank=True, editable=False, null=True, verbose_name="Latest grade"
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
