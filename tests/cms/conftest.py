import pytest

from tests.courses.tree import build_course_tree
from tests.factories import UserFactory


@pytest.fixture
def tree(db):
    return build_course_tree()


@pytest.fixture
def learner(db):
    return UserFactory()
