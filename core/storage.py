"""Private file storage: a folder outside MEDIA_ROOT that no URL maps to.

Files here are read only by permission-checked views (see `core.views.document_download`)."""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible


@deconstructible(path="core.storage.PrivateStorage")
class PrivateStorage(FileSystemStorage):
    """`settings.PRIVATE_MEDIA_ROOT`, read on every use (so tests and deployments can move it), with
    no public URL at all."""

    def __init__(self):
        super().__init__(location=None, base_url=None)

    @property
    def base_location(self):
        return settings.PRIVATE_MEDIA_ROOT

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("Private files have no URL; link to the document's download view instead.")


private_storage = PrivateStorage()
