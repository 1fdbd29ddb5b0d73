from __future__ import annotations

import pytest

from certificates.models import Certificate
from certificates.tasks import render_certificate_pdf

pytestmark = pytest.mark.django_db


def test_issuing_renders_and_stores_the_pdf_after_commit(issue):
    # given eager Celery (settings.CELERY_TASK_ALWAYS_EAGER without a broker)
    # when a certificate is issued and its transaction commits
    certificate = issue(execute=True)

    # then the task queued on commit has stored the PDF in default storage
    certificate = Certificate.objects.get(pk=certificate.pk)
    assert certificate.pdf.name.startswith(f"certificates/{certificate.created_at:%Y}/")
    assert certificate.pdf.name.endswith(".pdf")
    assert certificate.number not in certificate.pdf.name
    assert certificate.pdf_rendered_at is not None
    with certificate.pdf.open("rb") as stored:
        assert stored.read(5) == b"%PDF-"


def test_the_task_is_a_no_op_when_the_pdf_exists(issue, monkeypatch):
    # given a certificate whose PDF is stored
    certificate = issue(execute=True)
    stored = Certificate.objects.get(pk=certificate.pk)

    def must_not_render(certificate):
        raise AssertionError("rendered twice")

    monkeypatch.setattr("certificates.pdf.render_certificate_pdf", must_not_render)

    # when the task runs again (a redelivery after a worker crash)
    render_certificate_pdf.delay(certificate.pk)

    # then nothing changes
    again = Certificate.objects.get(pk=certificate.pk)
    assert (again.pdf.name, again.pdf_rendered_at) == (stored.pdf.name, stored.pdf_rendered_at)


def test_the_task_ignores_a_deleted_certificate():
    assert render_certificate_pdf.delay(987654).get() is None


def test_the_task_is_configured_not_to_lose_work():
    assert render_certificate_pdf.acks_late is True
    assert (render_certificate_pdf.soft_time_limit, render_certificate_pdf.time_limit) == (60, 90)
    assert render_certificate_pdf.name == "certificates.tasks.render_certificate_pdf"


def test_every_task_keeps_the_name_it_was_queued_under():
    # given the certificate tasks (queued work and beat schedules refer to them by name)
    from certificates import tasks

    # when / then each one is named explicitly with the name it always had
    assert {
        tasks.render_certificate_pdf.name,
        tasks.run_bulk_extension_task.name,
        tasks.send_review_reminders_task.name,
        tasks.record_lapses_task.name,
        tasks.notify_holder_task.name,
    } == {
        "certificates.tasks.render_certificate_pdf",
        "certificates.tasks.run_bulk_extension_task",
        "certificates.send_review_reminders",
        "certificates.record_lapses",
        "certificates.tasks.notify_holder_task",
    }


def test_tasks_import_their_services_only_inside_their_bodies():
    # given the module that defines the tasks, which services import at module level
    import ast
    import inspect

    from certificates import tasks

    tree = ast.parse(inspect.getsource(tasks))

    # when its module-level imports are listed
    imported = [
        "." * node.level + (node.module or "") if isinstance(node, ast.ImportFrom) else node.names[0].name
        for node in tree.body
        if isinstance(node, ast.Import | ast.ImportFrom)
    ]

    # then none of them is a certificates module (which would close an import cycle)
    assert imported == ["__future__", "celery", "celery.signals"]
