import pytest

from courses.services import enrol


@pytest.fixture
def enrolment(tree, learner):
    return enrol(learner=learner, course=tree.course)
