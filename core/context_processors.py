from django.utils.functional import SimpleLazyObject


def notifications(request):
    """`unread_notifications_count` for the header: one COUNT query, only if a template uses it and
    only for a signed-in user."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications_count": 0}

    def count():
        from core.notifications import unread_count

        return unread_count(user=user)

    return {"unread_notifications_count": SimpleLazyObject(count)}
