import pytest

from courses.templatetags.study_time import study_time


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (0, "0 秒"),
        (None, "0 秒"),
        (59, "59 秒"),
        (60, "1 分"),
        (125, "2 分 5 秒"),
        (3600, "1 小时"),
        (3725, "1 小时 2 分 5 秒"),
    ],
)
def test_study_time_is_shown_in_hours_minutes_and_seconds(seconds, shown):
    assert study_time(seconds) == shown
