import datetime as dt
import json
from urllib.parse import parse_qs

from django.test import Client
from django.urls import reverse
from django.utils.encoding import iri_to_uri

from cms.models import HomePage
from courses.models import CourseIndexPage, Enrolment, LessonProgress
from courses.services import record_lesson_time


def post_heartbeat(client, lesson, body):
    return client.post(
        reverse("courses:heartbeat", args=[lesson.pk]), data=json.dumps(body), content_type="application/json"
    )


def test_course_index_page_can_be_created_under_the_home_page_only(tree):
    assert CourseIndexPage.can_create_at(tree.home) is True
    assert CourseIndexPage.can_create_at(tree.home.get_parent()) is False
    assert HomePage.can_create_at(tree.home) is False


def test_course_index_page_lists_its_courses(client, tree):
    response = client.get(tree.index.url)

    assert response.status_code == 200
    assert [c.pk for c in response.context["courses"]] == [tree.course.pk]
    assert "低压电工作业" in response.text


def test_course_page_offers_login_to_an_anonymous_visitor(client, tree):
    response = client.get(tree.course.url)

    assert response.status_code == 200
    assert "登录后报名学习" in response.text
    assert "低压电工作业 第1课" in response.text


def test_course_page_offers_enrolment_to_a_learner_not_enrolled(client, tree, learner):
    client.force_login(learner)

    response = client.get(tree.course.url)

    assert response.status_code == 200
    assert reverse("courses:enrol", args=[tree.course.pk]) in response.text
    assert "报名学习" in response.text


def test_course_page_shows_progress_and_the_next_lesson_to_an_enrolled_learner(client, tree, learner, enrolment):
    # given
    LessonProgress.objects.create(enrolment=enrolment, lesson=tree.lessons[0], seconds=30)
    client.force_login(learner)

    # when
    response = client.get(tree.course.url)

    # then
    assert response.status_code == 200
    assert "已计学时 30 秒，共需 3 分" in response.text
    assert "继续学习" in response.text
    assert f'href="{tree.lessons[0].url}"' in response.text
    assert "已学 50%" in response.text
    assert "还需学习 3 分钟。" in response.text
    assert "还有 2 个课时未学完。" in response.text


def test_enrol_endpoint_enrols_and_redirects_to_the_course(client, tree, learner):
    client.force_login(learner)

    response = client.post(reverse("courses:enrol", args=[tree.course.pk]))

    assert response.status_code == 302
    assert response.url == tree.course.url
    assert Enrolment.objects.filter(learner=learner, course=tree.course).count() == 1


def test_enrol_endpoint_requires_post_and_login(client, tree):
    url = reverse("courses:enrol", args=[tree.course.pk])

    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert Enrolment.objects.count() == 0


def test_lesson_page_renders_for_an_enrolled_learner(client, tree, learner, enrolment):
    # given
    record_lesson_time(learner=learner, lesson=tree.lessons[0], position={"scroll": 0.42})
    client.force_login(learner)

    # when
    response = client.get(tree.lessons[0].url)

    # then
    assert response.status_code == 200
    assert "<h1>低压电工作业 第1课</h1>" in response.text
    assert f'data-heartbeat-url="{reverse("courses:heartbeat", args=[tree.lessons[0].pk])}"' in response.text
    assert '<script id="lesson-position" type="application/json">{"scroll": 0.42}</script>' in response.text
    assert "js/study.js" in response.text
    assert response.context["next_state"].lesson.pk == tree.lessons[1].pk


def test_lesson_page_sends_a_learner_not_enrolled_to_the_course(client, tree, learner):
    client.force_login(learner)

    response = client.get(tree.lessons[0].url)

    assert response.status_code == 302
    assert response.url == tree.course.url


def test_lesson_page_sends_an_anonymous_visitor_to_log_in(client, tree):
    response = client.get(tree.lessons[0].url)

    path, _, query = response.url.partition("?")
    assert response.status_code == 302
    assert path == reverse("account_login")
    assert parse_qs(query) == {"next": [iri_to_uri(tree.lessons[0].url)]}


def test_heartbeat_endpoint_credits_time_and_stores_the_position(client, tree, learner, enrolment):
    # given: the clock started 30 seconds ago
    client.force_login(learner)
    first = post_heartbeat(client, tree.lessons[1], {"position": {"scroll": 0.1}})
    started = LessonProgress.objects.get().last_heartbeat_at
    LessonProgress.objects.update(last_heartbeat_at=started - dt.timedelta(seconds=30))

    # when
    response = post_heartbeat(client, tree.lessons[1], {"position": {"scroll": 0.5}, "nonce": first.json()["nonce"]})

    # then
    body = response.json()
    assert first.json()["seconds"] == 0
    assert response.status_code == 200
    assert (body["seconds"], body["completed"], body["course_completed"]) == (30, False, False)
    assert len(body["nonce"]) == 32 and body["nonce"] != first.json()["nonce"]
    assert LessonProgress.objects.get().position == {"scroll": 0.5}


def test_a_replayed_heartbeat_is_refused_and_records_nothing(client, tree, learner, enrolment):
    # given: one credited heartbeat, 30 seconds after the clock started
    client.force_login(learner)
    first = post_heartbeat(client, tree.lessons[1], {})
    LessonProgress.objects.update(
        last_heartbeat_at=LessonProgress.objects.get().last_heartbeat_at - dt.timedelta(seconds=30)
    )
    second = post_heartbeat(client, tree.lessons[1], {"nonce": first.json()["nonce"], "position": {"scroll": 0.2}})
    LessonProgress.objects.update(
        last_heartbeat_at=LessonProgress.objects.get().last_heartbeat_at - dt.timedelta(seconds=30)
    )
    before = LessonProgress.objects.values("seconds", "nonce", "position", "last_heartbeat_at").get()

    # when: the same request is sent again
    replay = post_heartbeat(client, tree.lessons[1], {"nonce": first.json()["nonce"], "position": {"scroll": 0.9}})

    # then
    assert second.json()["seconds"] == 30
    assert replay.status_code == 409
    assert replay.json() == {"detail": "学时请求已过期或重复，本次不计入。请刷新页面继续学习。"}
    assert LessonProgress.objects.values("seconds", "nonce", "position", "last_heartbeat_at").get() == before


def test_a_forged_nonce_is_refused_and_records_nothing(client, tree, learner, enrolment):
    # given
    client.force_login(learner)
    post_heartbeat(client, tree.lessons[1], {})
    before = LessonProgress.objects.values("seconds", "nonce", "last_heartbeat_at").get()

    # when
    forged = post_heartbeat(client, tree.lessons[1], {"nonce": "0" * 32})

    # then
    assert forged.status_code == 409
    assert LessonProgress.objects.values("seconds", "nonce", "last_heartbeat_at").get() == before


def test_heartbeat_endpoint_refuses_a_learner_not_enrolled(client, tree, learner):
    client.force_login(learner)

    response = post_heartbeat(client, tree.lessons[0], {"position": {}})

    assert response.status_code == 403
    assert response.json() == {"detail": "您尚未报名该课程，学时不能计入。"}
    assert LessonProgress.objects.count() == 0


def test_heartbeat_endpoint_refuses_an_anonymous_visitor(client, tree):
    response = post_heartbeat(client, tree.lessons[0], {})

    assert response.status_code == 401
    assert LessonProgress.objects.count() == 0


def test_heartbeat_endpoint_refuses_a_malformed_body(client, tree, learner, enrolment):
    client.force_login(learner)
    url = reverse("courses:heartbeat", args=[tree.lessons[0].pk])

    not_json = client.post(url, data="{", content_type="application/json")
    bad_position = post_heartbeat(client, tree.lessons[0], {"position": [1, 2]})

    assert (not_json.status_code, not_json.json()) == (400, {"detail": "请求格式不正确。"})
    assert (bad_position.status_code, bad_position.json()) == (400, {"detail": "学习位置格式不正确。"})
    assert LessonProgress.objects.count() == 0


def test_heartbeat_endpoint_checks_csrf(tree, learner, enrolment):
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)

    response = post_heartbeat(client, tree.lessons[0], {})

    assert response.status_code == 403
    assert LessonProgress.objects.count() == 0


def test_heartbeat_endpoint_requires_post(client, tree, learner, enrolment):
    client.force_login(learner)

    assert client.get(reverse("courses:heartbeat", args=[tree.lessons[0].pk])).status_code == 405


def test_lesson_page_shows_its_check_question_and_the_answer_is_recorded(client, tree, learner, enrolment):
    # given
    from courses.models import CheckAnswer
    from tests.factories import add_check_question

    lesson = add_check_question(tree.lessons[0], correct=(1,))
    client.force_login(learner)

    # when
    page = client.get(lesson.url)
    answered = client.post(reverse("courses:answer_check", args=[lesson.pk, "check-1"]), {"answer": ["1"]})
    again = client.get(lesson.url)

    # then
    assert page.status_code == 200
    assert "停电检修的第一步是什么？" in page.text
    assert reverse("courses:answer_check", args=[lesson.pk, "check-1"]) in page.text
    assert answered.status_code == 302
    assert answered.url == f"{lesson.url}#check-check-1"
    assert list(CheckAnswer.objects.values_list("answer", "correct")) == [([1], True)]
    assert "回答正确" in again.text and "先停电，再验电。" in again.text


def test_a_check_answer_from_a_learner_not_enrolled_is_refused(client, tree, learner):
    from courses.models import CheckAnswer
    from tests.factories import add_check_question

    lesson = add_check_question(tree.lessons[0])
    client.force_login(learner)

    response = client.post(reverse("courses:answer_check", args=[lesson.pk, "check-1"]), {"answer": ["1"]})

    assert response.status_code == 302
    assert CheckAnswer.objects.count() == 0


def test_the_service_worker_is_served_from_the_root_scope(client, db):
    response = client.get("/sw.js")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/javascript; charset=utf-8"
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"]
    assert 'request.method !== "GET"' in response.text  # heartbeats are never cached or replayed


def test_lesson_page_offers_offline_saving_to_an_enrolled_learner(client, tree, learner, enrolment):
    client.force_login(learner)

    response = client.get(tree.lessons[0].url)

    assert "data-save-offline" in response.text
    assert 'data-sw="/sw.js"' in response.text


def test_a_forged_progress_request_credits_only_server_time(client, tree, learner, enrolment):
    # given: the clock started 10 seconds ago
    client.force_login(learner)
    first = post_heartbeat(client, tree.lessons[1], {})
    LessonProgress.objects.update(
        last_heartbeat_at=LessonProgress.objects.get().last_heartbeat_at - dt.timedelta(seconds=10)
    )

    # when: the body claims a whole lesson done
    forged = post_heartbeat(
        client,
        tree.lessons[1],
        {"nonce": first.json()["nonce"], "seconds": 9999, "completed": True, "course_completed": True},
    )

    # then
    progress = LessonProgress.objects.get()
    assert forged.status_code == 200
    assert (progress.seconds, progress.completed_at) == (10, None)
    assert Enrolment.objects.get().completed_at is None


def test_a_heartbeat_for_a_lesson_of_a_course_not_enrolled_in_records_nothing(client, tree, learner, enrolment):
    # given: a second course in the same section the learner is not enrolled on
    from tests.factories import add_course

    other = add_course(tree.index, title="高压电工作业")
    client.force_login(learner)

    # when
    response = post_heartbeat(client, other.lessons[0], {})

    # then
    assert response.status_code == 403
    assert LessonProgress.objects.count() == 0


def test_course_page_shows_its_cover_image_as_phone_sized_webp(client, tree):
    from wagtail.images.models import Image
    from wagtail.images.tests.utils import get_test_image_file

    image = Image.objects.create(title="封面", file=get_test_image_file(size=(1200, 675)))
    tree.course.cover_image = image
    tree.course.save_revision().publish()

    response = client.get(tree.course.url)

    assert 'srcset="' in response.text and " 360w" in response.text and " 720w" in response.text
    assert ".format-webp.webp" in response.text
