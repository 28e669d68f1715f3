import pytest
from django.urls import reverse
from django.utils import translation

from volunteers.services.certificates import masked_name


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("张三", "张*"),
        ("欧阳明华", "欧**华"),
        ("郑", "郑*"),
        ("郑小明（曾用名）", "郑*明"),
        ("郑小明（", "郑*明"),
        ("郑小明）", "郑*明"),
        ("郑小明 ", "郑*明"),
        ("阿依古丽·买买提", "阿*****提"),
        ("（）", "*"),
        ("", "*"),
    ],
)
def test_masked_name_never_shows_stray_punctuation(name, shown):
    assert masked_name(name) == shown


@pytest.mark.django_db
def test_an_unknown_certificate_number_is_reported_as_not_valid(client):
    with translation.override("zh-hans"):
        response = client.get(
            reverse("volunteers:certificate_verify"),
            {"number": "ZZZZ-ZZZZ-ZZZZ"},
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
    page = response.content.decode()
    assert response.status_code == 200
    assert "该编号无效" in page
    assert "核验通过" not in page
    assert "真实有效" not in page
