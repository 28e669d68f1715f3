"""Private file storage: files that no URL maps to, read only by permission-checked views (see
`core.views.document_download`): private documents, sealed bid files, the files of background jobs.

`private_storage` stands for the backend that STORAGES["private"] names, looked up on every use:
- by default (no "private" entry) a folder outside MEDIA_ROOT, `settings.PRIVATE_MEDIA_ROOT`;
- PRIVATE_STORAGE=s3 (config/settings/base.py): a private S3-compatible bucket
  (`core.storage_s3.PrivateS3Storage`), so that every web process and worker of a deployment on
  several machines reads the same files (docs/deployment.md).
Either way a private file has no URL: `url()` raises, and the download views stream the file."""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.utils.deconstruct import deconstructible

PRIVATE_ALIAS = "private"
NO_URL = "Private files have no URL; link to the document's download view instead."


class PrivateFileSystemStorage(FileSystemStorage):
    """`settings.PRIVATE_MEDIA_ROOT`, read on every use (so tests and deployments can move it), with
    no public URL at all."""

    def __init__(self, **kwargs):
        super().__init__(location=None, base_url=None)

    @property
    def base_location(self):
        return settings.PRIVATE_MEDIA_ROOT

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError(NO_URL)


_filesystem = PrivateFileSystemStorage()


@deconstructible(path="core.storage.PrivateStorage")
class PrivateStorage(Storage):
    """The private backend of the moment (STORAGES["private"], else PRIVATE_MEDIA_ROOT on disk).
    File fields keep this one object (their migrations name `core.storage.PrivateStorage`), whatever
    the deployment chooses."""

    @property
    def backend(self) -> Storage:
        if PRIVATE_ALIAS in settings.STORAGES:
            return storages[PRIVATE_ALIAS]
        return _filesystem

    def open(self, name, mode="rb"):
        return self.backend.open(name, mode)

    def save(self, name, content, max_length=None):
        return self.backend.save(name, content, max_length=max_length)

    def delete(self, name):
        return self.backend.delete(name)

    def exists(self, name):
        return self.backend.exists(name)

    def size(self, name):
        return self.backend.size(name)

    def listdir(self, path):
        return self.backend.listdir(path)

    def path(self, name):
        return self.backend.path(name)

    def get_valid_name(self, name):
        return self.backend.get_valid_name(name)

    def get_alternative_name(self, file_root, file_ext):
        return self.backend.get_alternative_name(file_root, file_ext)

    def get_available_name(self, name, max_length=None):
        return self.backend.get_available_name(name, max_length=max_length)

    def generate_filename(self, filename):
        return self.backend.generate_filename(filename)

    def get_accessed_time(self, name):
        return self.backend.get_accessed_time(name)

    def get_created_time(self, name):
        return self.backend.get_created_time(name)

    def get_modified_time(self, name):
        return self.backend.get_modified_time(name)

    def url(self, name):
        raise ValueError(NO_URL)


private_storage = PrivateStorage()
