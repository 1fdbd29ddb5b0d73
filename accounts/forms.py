from django import forms


class SignupIdentityForm(forms.Form):
    def signup(self, request, user):
        pass
