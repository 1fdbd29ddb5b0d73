"""Mounted at /me/ without a namespace: templates/base.html links to ``{% url 'dashboard' %}``."""

from django.urls import path

from .views import dashboard

urlpatterns = [path("", dashboard, name="dashboard")]
