"""seed_demo gives the demo bank multiple choice and knowledge points, idempotently."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from accounts.models import User
from exams.bank.access import can_edit_bank, can_read_bank
from exams.bank.models import QuestionBank

pytestmark = pytest.mark.django_db


def test_seed_demo_fills_the_bank_layers_once(settings):
    # given
    settings.DEBUG = True

    # when
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)

    # then
    demo = QuestionBank.objects.get(slug="demo")
    current = demo.questions.filter(is_active=True)
    assert current.filter(kind="multiple").count() == 6
    assert current.filter(kind="true_false").count() == 12
    assert current.filter(kind="single").count() == 8
    assert current.filter(knowledge_point="").count() == 0
    assert current.filter(kind="multiple", stem="停电检修时，保证安全的技术措施包括：").get().answer == ["A", "B", "C"]
    trainer, regulator = User.objects.get(username="trainer"), User.objects.get(username="regulator")
    own = QuestionBank.objects.get(slug="anda-training")
    assert can_read_bank(trainer, demo) and not can_edit_bank(trainer, demo)
    assert can_edit_bank(trainer, own)
    assert can_edit_bank(regulator, demo)
    assert trainer.has_perm("wagtailadmin.access_admin")
