"""Each training organisation's own corner of the CMS, and the regulator's review of it.

A section is the organisation's course index page, a Wagtail group whose page
permissions cover only that page and what lies below it (add and edit, never publish:
publishing goes through the regulator's review workflow), and a media collection for
its images and documents. Creating a training organisation creates its section.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    Site,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from accounts.audit import record_event
from accounts.models import Organisation

from .models import CourseIndexPage, TrainingSection

if TYPE_CHECKING:
    from accounts.models import User

#: What an organisation's editors may do in their section: no "publish".
SECTION_PAGE_PERMISSIONS = ("add", "change", "lock", "unlock")
SECTION_COLLECTION_PERMISSIONS = (
    ("wagtailimages", "add_image"),
    ("wagtailimages", "change_image"),
    ("wagtailimages", "choose_image"),
    ("wagtaildocs", "add_document"),
    ("wagtaildocs", "change_document"),
    ("wagtaildocs", "choose_document"),
)
REVIEW_WORKFLOW_NAME = "培训机构课程审核"
REVIEW_TASK_NAME = "考核发证机关审核"
REVIEWER_GROUP_NAME = "考核发证机关审核人员"


def _permission(app_label: str, codename: str) -> Permission:
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def _access_admin() -> Permission:
    return _permission("wagtailadmin", "access_admin")


def _site_home() -> Page:
    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    if site is None:
        raise ValidationError(_("尚未设置网站首页，无法创建培训机构栏目。"), code="no_site")
    return site.root_page


def _root_collection() -> Collection:
    """Wagtail's migrations create the root collection; a flushed database has none."""
    return Collection.get_first_root_node() or Collection.add_root(name="Root")


@transaction.atomic
def ensure_review_workflow() -> Workflow:
    """The one workflow every training organisation's pages go through (idempotent)."""
    reviewers, _created = Group.objects.get_or_create(name=REVIEWER_GROUP_NAME)
    reviewers.permissions.add(_access_admin())
    task = GroupApprovalTask.objects.filter(name=REVIEW_TASK_NAME).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=REVIEW_TASK_NAME)
    task.groups.add(reviewers)
    workflow, _created = Workflow.objects.get_or_create(name=REVIEW_WORKFLOW_NAME)
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    return workflow


@transaction.atomic
def provide_training_section(*, organisation: Organisation, actor: User | None = None) -> TrainingSection:
    """Create the organisation's section if it has none; return it either way."""
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    existing = TrainingSection.objects.filter(organisation=organisation).select_related("index_page").first()
    if existing is not None:
        return existing
    if organisation.kind != Organisation.Kind.TRAINING:
        raise ValidationError(_("只有培训机构才有课程栏目。"), code="not_training")

    index = CourseIndexPage.objects.filter(organisation=organisation).first()
    if index is None:
        index = CourseIndexPage(title=_("%(name)s · 课程") % {"name": organisation.name}, slug=organisation.code)
        index.organisation = organisation
        _site_home().add_child(instance=index)
        index.save_revision(user=actor).publish(user=actor, skip_permission_checks=True)
    collection = _root_collection().add_child(name=organisation.name)
    group, _created = Group.objects.get_or_create(name=f"{organisation.name}（{organisation.code}）")
    group.permissions.add(_access_admin())
    for permission_type in SECTION_PAGE_PERMISSIONS:
        GroupPagePermission.objects.get_or_create(
            group=group, page=index, permission=_permission("wagtailcore", f"{permission_type}_page")
        )
    for app_label, codename in SECTION_COLLECTION_PERMISSIONS:
        GroupCollectionPermission.objects.get_or_create(
            group=group, collection=collection, permission=_permission(app_label, codename)
        )
    WorkflowPage.objects.update_or_create(page=index, defaults={"workflow": ensure_review_workflow()})
    # Approving the last task publishes the page as the approving regulator.
    GroupPagePermission.objects.get_or_create(
        group=Group.objects.get(name=REVIEWER_GROUP_NAME),
        page=index,
        permission=_permission("wagtailcore", "publish_page"),
    )
    section = TrainingSection.objects.create(
        organisation=organisation, index_page=index, group=group, collection=collection
    )
    record_event(
        actor=actor,
        action="courses.training_section.created",
        obj=section,
        data={"organisation": organisation.pk, "page": index.pk, "group": group.pk},
    )
    return section


@transaction.atomic
def create_training_organisation(
    *, name: str, code: str, actor: User | None, grade: str = "", parent: Organisation | None = None
) -> Organisation:
    """A training organisation together with its CMS section: all or nothing."""
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("请输入机构名称。")}, code="required")
    if Organisation.objects.filter(code=code).exists():
        raise ValidationError({"code": _("该机构代码已被使用。")}, code="taken")
    organisation = Organisation(kind=Organisation.Kind.TRAINING, name=name, code=code, grade=grade, parent=parent)
    organisation.full_clean()
    organisation.save()
    record_event(
        actor=actor, action="accounts.organisation.created", obj=organisation, data={"kind": organisation.kind}
    )
    provide_training_section(organisation=organisation, actor=actor)
    return organisation


@transaction.atomic
def grant_section_access(*, user: User, organisation: Organisation, actor: User | None = None) -> TrainingSection:
    """Let a trainer of the organisation edit (not publish) in its section."""
    section = provide_training_section(organisation=organisation, actor=actor)
    if not user.groups.filter(pk=section.group_id).exists():
        user.groups.add(section.group)
        record_event(actor=actor, action="courses.training_section.access_granted", obj=section, data={"user": user.pk})
    return section


@transaction.atomic
def grant_review_access(*, user: User, actor: User | None = None) -> Group:
    """Make a regulator one of the people who approve or send back organisations' pages."""
    ensure_review_workflow()
    reviewers = Group.objects.get(name=REVIEWER_GROUP_NAME)
    if not user.groups.filter(pk=reviewers.pk).exists():
        user.groups.add(reviewers)
        record_event(actor=actor, action="accounts.user.review_access_granted", obj=user, data={"group": reviewers.pk})
    return reviewers
