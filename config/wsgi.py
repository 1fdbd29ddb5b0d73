import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
django_application = get_wsgi_application()

# A quiz campaign's paper and submission are answered ahead of Django's request stack
# (campaigns/fastpath.py says what it keeps of the full path and when it steps aside).
from campaigns.fastpath import QuizFastPath  # noqa: E402

application = QuizFastPath(django_application)
