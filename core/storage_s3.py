"""Private files on an S3-compatible bucket (PRIVATE_STORAGE=s3; core/storage.py, docs/deployment.md).

Imported only when the settings name it, so that a deployment on disk never loads boto3."""

from storages.backends.s3 import S3Storage

from core.storage import NO_URL


class PrivateS3Storage(S3Storage):
    """A private bucket: nothing is readable without the keys, and no URL is ever made (not even a
    signed one): the permission-checked views stream the file."""

    default_acl = None
    querystring_auth = False
    file_overwrite = False

    def url(self, name, parameters=None, expire=None, http_method=None):
        raise ValueError(NO_URL)
