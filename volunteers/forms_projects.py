"""Form of a volunteer project under a contract (issue 15)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.normalize import CleanInputMixin


class LeaderChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return str(obj)


class ContractedProjectForm(CleanInputMixin, forms.Form):
    title = forms.CharField(label=_("Project"), max_length=200)
    responsible_person = forms.CharField(label=_("Responsible person"), max_length=50)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=30, required=False)
    leader = LeaderChoiceField(
        label=_("Team led by"),
        queryset=None,
        help_text=_("A social worker the supplier named on the contract, with a valid registration."),
    )
    team_name = forms.CharField(
        label=_("Team name"),
        max_length=100,
        required=False,
        help_text=_("Empty: the team takes the project's title."),
    )

    def __init__(self, *args, leaders=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = leaders


class TeamLeaderForm(forms.Form):
    leader = LeaderChoiceField(label=_("Team led by"), queryset=None)

    def __init__(self, *args, leaders=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = leaders
