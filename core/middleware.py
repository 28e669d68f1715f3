import re

from django.conf import settings
from django.core.exceptions import BadRequest
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """Chinese unless the visitor chose another language with the language switch.

    Django's LocaleMiddleware would follow the browser's Accept-Language, so a bureau PC with an
    English browser would get English pages; here only the explicit choice (cookie) counts."""

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class RefuseControlCharactersMiddleware:
    """A NUL byte (or another C0 control character except tab, CR and LF) in the path, the query
    string or a URL-encoded form answers 400 (the Chinese "bad request" page) before any view runs:
    PostgreSQL refuses NUL in text, which would otherwise surface as a 500 from the database.

    Multipart bodies are not read here: reading them would fix the upload handlers before the bid
    view keeps sealed files in memory only; their fields are checked by the forms."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_control_characters(request):
            raise BadRequest("control character in the request")
        return self.get_response(request)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _has_control_characters(request) -> bool:
    if _CONTROL.search(request.path):
        return True
    if any(_CONTROL.search(v) for k, values in request.GET.lists() for v in [k, *values]):
        return True
    if request.method == "POST" and request.content_type == "application/x-www-form-urlencoded":
        return any(_CONTROL.search(v) for k, values in request.POST.lists() for v in [k, *values])
    return False
