from django import forms
from django.utils.translation import gettext_lazy as _


class QuestionForm(forms.Form):
    question = forms.CharField(
        label=_("Your question"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Questions and answers are published on the call's page; your name and organization are not."
        ),
    )

    def __init__(self, *args, organizations=(), **kwargs):
        super().__init__(*args, **kwargs)
        from procurement.forms_challenges import add_organization_field

        add_organization_field(self, list(organizations))
