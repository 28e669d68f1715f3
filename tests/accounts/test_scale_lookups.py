"""Case-insensitive look-ups of user names and e-mail addresses have matching indexes (issue 17: the
volunteer import spent 124 ms a row scanning 205,000 users for `username__iexact`)."""

import pytest
from django.db import connection

from accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table would be scanned anyway
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("lookup", "index"),
    [
        ({"username__iexact": "Li.Ming"}, "user_username_upper"),
        ({"email__iexact": "A@B.CN"}, "user_email_upper"),
    ],
)
def test_case_insensitive_lookups_use_their_expression_index(lookup, index):
    UserFactory(username="li.ming", email="a@b.cn")
    queryset = User.objects.filter(**lookup)
    assert queryset.exists()
    assert index in plan(queryset.values("pk"))


def test_the_indexes_are_declared_on_the_user_model():
    names = {index.name for index in User._meta.indexes}
    assert {"user_username_upper", "user_email_upper"} <= names
