from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        # Imported here, not at the top: models are not loaded until the app registry is ready.
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_migrate

        from accounts.roles import ensure_role_groups_after_migrate
        from accounts.sessions import mark_login

        # Setup, not workflow: the role groups must exist in every database, test ones included.
        post_migrate.connect(ensure_role_groups_after_migrate, sender=self)
        user_logged_in.connect(mark_login, dispatch_uid="accounts.sessions.mark_login")
