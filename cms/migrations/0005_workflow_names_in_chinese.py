"""Wagtail's default workflow and its task are created (wagtailcore 0048) with English names
("Moderators approval"), which the Chinese admin then shows as "提交给Moderators approval". Give
both Chinese names; the project's own workflow (cms.workflow) is named in Chinese already."""

from django.db import migrations

DEFAULT_NAME = "Moderators approval"
WORKFLOW_NAME = "通用内容审核"
TASK_NAME = "审核员审核"


def rename(apps, schema_editor, *, workflow_from, workflow_to, task_from, task_to):
    Workflow = apps.get_model("wagtailcore", "Workflow")
    Task = apps.get_model("wagtailcore", "Task")
    Workflow.objects.filter(name=workflow_from).update(name=workflow_to)
    Task.objects.filter(name=task_from).update(name=task_to)


def forwards(apps, schema_editor):
    rename(
        apps,
        schema_editor,
        workflow_from=DEFAULT_NAME,
        workflow_to=WORKFLOW_NAME,
        task_from=DEFAULT_NAME,
        task_to=TASK_NAME,
    )


def backwards(apps, schema_editor):
    rename(
        apps,
        schema_editor,
        workflow_from=WORKFLOW_NAME,
        workflow_to=DEFAULT_NAME,
        task_from=TASK_NAME,
        task_to=DEFAULT_NAME,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0004_award_notices"),
        ("wagtailcore", "0048_add_default_workflows"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
