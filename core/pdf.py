"""PDFs with Chinese text: one TrueType CJK font (Debian's fonts-wqy-zenhei by default), which
reportlab subsets and embeds, so the text extracts back and prints the same everywhere. Used by the
volunteer certificates and the evaluation reports."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEFAULT_FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
FONT_NAME = "CJK"


def cjk_font_path() -> str:
    """`PDF_CJK_FONT` in settings, else the Debian package's file."""
    return str(getattr(settings, "PDF_CJK_FONT", DEFAULT_FONT_PATH))


def register_cjk_font(*, path: str | None = None, name: str = FONT_NAME) -> str:
    """Register the CJK font with reportlab under `name` (once) and return the name. A missing font
    is a configuration error that says how to install it."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if name in pdfmetrics.getRegisteredFontNames():
        return name
    path = path or cjk_font_path()
    if not os.path.exists(path):
        raise ImproperlyConfigured(
            f"PDF font not found at {path}: install the Debian package fonts-wqy-zenhei "
            "(make system-deps) or set PDF_CJK_FONT to a TrueType CJK font."
        )
    pdfmetrics.registerFont(TTFont(name, path, subfontIndex=0))
    return name
