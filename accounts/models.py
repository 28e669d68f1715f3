from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from core.normalize import CleanTextModelMixin


class User(CleanTextModelMixin, AbstractUser):
    """A person using the platform. Roles are groups (accounts.roles); a staff member belongs to
    one department (采购人 unit)."""

    display_name = models.CharField(_("Name"), max_length=100, blank=True)
    email = models.EmailField(_("Email"), blank=True)
    phone = models.CharField(_("Mobile phone"), max_length=20, blank=True)
    department = models.ForeignKey(
        "core.Department",
        verbose_name=_("Department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )

    class Meta:
        verbose_name = _("User")
        verbose_name_plural = _("User")
        # Sign-up and staff forms look names and addresses up without case (`username__iexact`,
        # `email__iexact`: UPPER(...) = UPPER(%s) on PostgreSQL); without these each look-up scans
        # every user (124 ms a row at 205,000 users in the volunteer import).
        indexes = [
            models.Index(Upper("username"), name="user_username_upper"),
            models.Index(Upper("email"), name="user_email_upper"),
        ]

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @property
    def role_names(self) -> set[str]:
        from accounts.roles import user_has_role  # noqa: F401  (shares its cache)

        if not hasattr(self, "_role_names_cache"):
            self._role_names_cache = set(self.groups.values_list("name", flat=True))
        return self._role_names_cache
