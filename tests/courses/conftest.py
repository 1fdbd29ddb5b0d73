import pytest

from courses.services import enrol
from tests.factories import UserFactory, build_course_tree


@pytest.fixture
def tree(db):
    return build_course_tree()


@pytest.fixture
def learner(db):
    return UserFactory()


@pytest.fixture
def enrolment(tree, learner):
    return enrol(learner=learner, course=tree.course)
