"""Media on S3-compatible storage (config/settings/base.py, MEDIA_STORAGE=s3 and PRIVATE_STORAGE=s3;
core/storage.py): Wagtail documents and images in a public bucket with plain URLs, private documents in
a private bucket with no URL at all, streamed by the permission-checked view. Run against moto's S3
server on a free loopback port (no network); if it cannot start the test fails, it never skips."""

import io
import json
import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from django.conf import settings as live
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image as PILImage

from core.documents import document_upload
from core.models import DocumentType, DocumentVisibility
from core.storage import private_storage
from tests.factories import DepartmentFactory, UserFactory

PUBLIC_BUCKET = "civic-media"
PRIVATE_BUCKET = "civic-private"
PUBLIC_READ_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{PUBLIC_BUCKET}/media/images/*",
        }
    ],
}
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    """moto's S3 server in a thread of this process, on a free loopback port."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    try:
        server.start()
    except Exception as exc:  # the test needs it: fail, never skip
        pytest.fail(f"moto's S3 server could not start on 127.0.0.1:{port}: {exc!r}")
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3_env(s3_endpoint):
    return {
        "MEDIA_STORAGE": "s3",
        "PRIVATE_STORAGE": "s3",
        "AWS_S3_ENDPOINT_URL": s3_endpoint,
        "AWS_S3_REGION_NAME": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_STORAGE_BUCKET_NAME": PUBLIC_BUCKET,
        "AWS_PRIVATE_STORAGE_BUCKET_NAME": PRIVATE_BUCKET,
    }


def settings_from_env(env: dict, *names: str) -> dict:
    """The settings `config.settings.dev` builds from this environment (a fresh interpreter)."""
    code = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {list(names)!r}}}))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MEDIA_", "PRIVATE_STORAGE"))}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + code],
        env={**clean, **env, "DJANGO_SETTINGS_MODULE": "config.settings.dev", "DJANGO_ENV_FILE": os.devnull},
        cwd=live.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def buckets(s3_endpoint, s3_env, settings):
    """Empty buckets, and this process's STORAGES as the environment above makes them."""
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    for bucket in (PUBLIC_BUCKET, PRIVATE_BUCKET):
        client.create_bucket(Bucket=bucket)
    # docs/deployment.md: anyone may read the renditions (media/images/); nothing else, and nothing of
    # the private bucket
    client.put_bucket_policy(Bucket=PUBLIC_BUCKET, Policy=json.dumps(PUBLIC_READ_POLICY))
    built = settings_from_env(s3_env, "STORAGES", "CONTENT_SECURITY_POLICY")
    settings.STORAGES = {**built["STORAGES"], "staticfiles": settings.STORAGES["staticfiles"]}
    yield client, built
    for bucket in (PUBLIC_BUCKET, PRIVATE_BUCKET):
        for item in client.list_objects_v2(Bucket=bucket).get("Contents", []):
            client.delete_object(Bucket=bucket, Key=item["Key"])
        client.delete_bucket(Bucket=bucket)


def keys(client, bucket: str) -> list[str]:
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=bucket).get("Contents", []))


def test_the_environment_selects_s3_for_public_and_private_media(buckets, s3_endpoint):
    _client, built = buckets
    default, private = built["STORAGES"]["default"], built["STORAGES"]["private"]
    assert default["BACKEND"] == "storages.backends.s3.S3Storage"
    assert default["OPTIONS"]["bucket_name"] == PUBLIC_BUCKET
    assert default["OPTIONS"]["querystring_auth"] is False  # stable URLs in cached pages
    assert default["OPTIONS"]["file_overwrite"] is False
    assert private["BACKEND"] == "core.storage_s3.PrivateS3Storage"
    assert private["OPTIONS"]["bucket_name"] == PRIVATE_BUCKET
    assert private["OPTIONS"]["endpoint_url"] == s3_endpoint
    # images come from the bucket's origin: the CSP allows it
    assert s3_endpoint in built["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["img-src"]


def test_without_the_environment_media_stays_on_disk(settings):
    built = settings_from_env({}, "STORAGES", "CONTENT_SECURITY_POLICY")
    assert built["STORAGES"]["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert "private" not in built["STORAGES"]
    assert built["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["img-src"] == ["'self'", "data:"]
    assert type(private_storage.backend).__name__ == "PrivateFileSystemStorage"


@pytest.mark.django_db
def test_wagtail_document_and_image_go_to_the_public_bucket_and_back(buckets, s3_endpoint, client):
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model

    s3, _built = buckets
    document = get_document_model().objects.create(
        title="年度报告", file=ContentFile(b"report body", name="report.txt")
    )
    assert keys(s3, PUBLIC_BUCKET) == [f"media/{document.file.name}"]
    assert (
        s3.get_object(Bucket=PUBLIC_BUCKET, Key=f"media/{document.file.name}")["Body"].read()
        == b"report body"
    )
    # a plain URL at the bucket (no signature that would expire in a cached page)
    url = document.file.url
    assert url.startswith(f"{s3_endpoint}/{PUBLIC_BUCKET}/media/documents/") and "Signature" not in url
    # not readable straight from the bucket (a private collection's document would be, by its name)...
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url, timeout=10)
    assert refused.value.code == 403
    # ...but through Wagtail's serve view (WAGTAILDOCS_SERVE_METHOD = "serve_view"), from the bucket
    response = client.get(document.url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"report body"

    buffer = io.BytesIO()
    PILImage.new("RGB", (40, 30), "red").save(buffer, "PNG")
    image = get_image_model().objects.create(title="活动照片", file=ImageFile(buffer, name="photo.png"))
    assert (image.width, image.height) == (40, 30)
    rendition = image.get_rendition("fill-10x10")
    assert f"media/{rendition.file.name}" in keys(s3, PUBLIC_BUCKET)
    with urllib.request.urlopen(rendition.url, timeout=10) as answer:
        assert PILImage.open(io.BytesIO(answer.read())).size == (10, 10)

    document.file.delete(save=False)
    image.renditions.all().delete()
    image.file.delete(save=False)
    assert not [key for key in keys(s3, PUBLIC_BUCKET) if key.endswith((".txt", "photo.png"))]


@pytest.mark.django_db
def test_private_document_goes_to_the_private_bucket_without_url_and_is_streamed_to_who_may_see_it(
    buckets, client, s3_endpoint
):
    s3, _built = buckets
    uploader = UserFactory()
    document = document_upload(
        actor=uploader,
        owner=DepartmentFactory(),
        file=SimpleUploadedFile("资质证明.pdf", PDF),
        document_type=DocumentType.QUALIFICATION,
        visibility=DocumentVisibility.OWNER_AND_STAFF,
    )
    key = f"private/{document.file.name}"
    assert keys(s3, PRIVATE_BUCKET) == [key]
    assert keys(s3, PUBLIC_BUCKET) == []
    assert s3.get_object(Bucket=PRIVATE_BUCKET, Key=key)["Body"].read() == PDF
    assert type(private_storage.backend).__name__ == "PrivateS3Storage"
    with pytest.raises(ValueError, match="no URL"):
        document.file.url
    with pytest.raises(ValueError, match="no URL"):
        private_storage.backend.url(document.file.name)

    # nobody reads the private bucket without the keys
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{s3_endpoint}/{PRIVATE_BUCKET}/{key}", timeout=10)
    assert refused.value.code == 403

    download = reverse("core:document_download", args=[document.public_id])
    client.force_login(UserFactory())  # someone else: not found
    assert client.get(download).status_code == 404
    client.force_login(uploader)
    response = client.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Cache-Control"] == "private, no-store"

    document.file.delete(save=False)
    assert keys(s3, PRIVATE_BUCKET) == []
    assert client.get(download).status_code == 404  # the file is gone: not found, not an error
