"""Template tag libraries of purchase of services (Django finds them only in an app's package)."""
