"""Django's own messages that Django 5.2's zh_Hans catalogue leaves untranslated (the password
length error changed its placeholder from %(min_length)d to %d; the catalogue kept the old msgid).
Named here only so that makemessages keeps the project's translation in accounts' catalogue; the
translation then applies wherever Django shows the message (sign-up, password change and reset)."""

from django.utils.translation import ngettext_lazy

PASSWORD_TOO_SHORT = ngettext_lazy(
    "This password is too short. It must contain at least %d character.",
    "This password is too short. It must contain at least %d characters.",
    "min_length",
)
