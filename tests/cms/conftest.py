import pytest

from tests.factories import UserFactory, build_course_tree


@pytest.fixture
def tree(db):
    return build_course_tree()


@pytest.fixture
def learner(db):
    return UserFactory()
