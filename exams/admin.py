"""The Django admin (/django-admin/) of the exams app: each room registers its own models.

Everything that an audited service changes is read-only there; the everyday screens
are the Wagtail admin (wagtail_hooks.py) and the regulator's and examiner's pages.
"""

from exams.admission import admin as admission_admin
from exams.bank import admin as bank_admin
from exams.catalogue import admin as catalogue_admin
from exams.papers import admin as papers_admin
from exams.practical import admin as practical_admin
from exams.theory import admin as theory_admin

__all__ = ["admission_admin", "bank_admin", "catalogue_admin", "papers_admin", "practical_admin", "theory_admin"]
