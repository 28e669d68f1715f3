from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from cms.workbench import workbench_sections


@login_required
def workbench(request):
    return render(request, "cms/workbench.html", {"sections": workbench_sections(request.user)})
