"""The site's procurement pages, one list per room, under the one `procurement:` namespace (URL
names are unchanged by the rooms). Planning has no site pages: plans are published by `cms`."""

from procurement.contracts import urls as contracts
from procurement.evaluation import urls as evaluation
from procurement.supervision import urls as supervision
from procurement.tendering import urls as tendering

app_name = "procurement"

urlpatterns = [
    *tendering.urlpatterns,
    *evaluation.urlpatterns,
    *supervision.urlpatterns,
    *contracts.urlpatterns,
]
