import importlib
import re

import pytest
from django.apps import apps
from wagtail.models import Task, Workflow

from cms.workflow import TASK_NAME, WORKFLOW_NAME, ensure_procurement_pages

pytestmark = pytest.mark.django_db

migration = importlib.import_module("cms.migrations.0005_workflow_names_in_chinese")
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_wagtails_default_workflow_and_task_are_renamed_in_chinese():
    workflow = Workflow.objects.create(name="Moderators approval")
    task = Task.objects.create(name="Moderators approval")
    migration.forwards(apps, None)
    workflow.refresh_from_db()
    task.refresh_from_db()
    assert (workflow.name, task.name) == (migration.WORKFLOW_NAME, migration.TASK_NAME)
    migration.backwards(apps, None)
    workflow.refresh_from_db()
    assert workflow.name == "Moderators approval"


def test_every_workflow_and_task_after_setup_has_a_chinese_name():
    ensure_procurement_pages()
    names = list(Workflow.objects.values_list("name", flat=True)) + list(
        Task.objects.values_list("name", flat=True)
    )
    assert WORKFLOW_NAME in names and TASK_NAME in names
    assert [name for name in names if not CJK.search(name)] == []
