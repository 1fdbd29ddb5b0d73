"""What can be examined: the operation catalogue (特种作业目录) of categories and types."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OperationCategory(models.Model):
    code = models.CharField(_("代码"), max_length=8, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("作业类别")
        verbose_name_plural = _("作业类别")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class OperationType(models.Model):
    code = models.CharField(_("代码"), max_length=8, unique=True)
    category = models.ForeignKey(OperationCategory, on_delete=models.PROTECT, related_name="operation_types")
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    #: Hazardous-chemical operations need senior-middle school or equivalent.
    requires_senior_middle = models.BooleanField(_("要求高中及以上学历"), default=False)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("操作项目")
        verbose_name_plural = _("操作项目")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class QualificationKind(models.Model):
    """A kind of qualification the platform examines and certifies (资格类别).

    The kinds are data (names, legal basis); their rules (hours, validity, exams) live
    in code, chosen by ``code``.
    """

    class Code(models.TextChoices):
        SPECIAL_OPERATION = "special_operation", _("特种作业操作证")
        MANAGEMENT = "management", _("安全生产知识和管理能力考核合格证")

    code = models.CharField(_("代码"), max_length=32, unique=True, choices=Code.choices)
    name = models.CharField(_("名称"), max_length=100)
    #: The regulation the kind follows, as shown on its certificate and pages.
    legal_basis = models.CharField(_("依据"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("资格类别")
        verbose_name_plural = _("资格类别")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Industry(models.Model):
    """An industry whose principal leaders and safety managers are assessed (三项岗位)."""

    class Department(models.TextChoices):
        EMERGENCY_MANAGEMENT = "emergency_management", _("应急管理部门")
        HOUSING_CONSTRUCTION = "housing_construction", _("住房和城乡建设主管部门")
        TRANSPORT = "transport", _("交通运输主管部门")

    code = models.CharField(_("代码"), max_length=16, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    #: Coal mines, non-coal mines, hazardous chemicals, fireworks and metal smelting: the
    #: longer training hours of order No. 3, art. 9.
    high_risk = models.BooleanField(_("高危行业"), default=False)
    #: Which department assesses this industry's people (Work Safety Law 2021, art. 27).
    examined_by = models.CharField(
        _("考核部门"), max_length=32, choices=Department.choices, default=Department.EMERGENCY_MANAGEMENT
    )

    class Meta:
        verbose_name = _("行业")
        verbose_name_plural = _("行业")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Subject(models.Model):
    """A subject of assessment (考核科目): what one certificate is for.

    For the special-operations kind it is one operation type; for the management kind it
    is a post (principal leader or safety manager) in an industry.
    """

    class Post(models.TextChoices):
        PRINCIPAL = "principal", _("主要负责人")
        SAFETY_MANAGER = "safety_manager", _("安全管理人员")

    code = models.CharField(_("代码"), max_length=32, unique=True)
    kind = models.ForeignKey(QualificationKind, on_delete=models.PROTECT, related_name="subjects")
    name = models.CharField(_("名称"), max_length=200)
    operation_type = models.OneToOneField(
        OperationType, null=True, blank=True, on_delete=models.PROTECT, related_name="subject"
    )
    post = models.CharField(_("岗位"), max_length=32, choices=Post.choices, blank=True)
    industry = models.ForeignKey(Industry, null=True, blank=True, on_delete=models.PROTECT, related_name="subjects")
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("考核科目")
        verbose_name_plural = _("考核科目")
        ordering = ["kind", "code"]
        constraints = [
            models.UniqueConstraint(fields=["post", "industry"], name="one_subject_per_post_and_industry"),
            models.CheckConstraint(
                condition=(
                    models.Q(operation_type__isnull=False, post="", industry__isnull=True)
                    | models.Q(operation_type__isnull=True, industry__isnull=False) & ~models.Q(post="")
                ),
                name="subject_is_an_operation_type_or_a_post_in_an_industry",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class AuthorityScope(models.Model):
    """What an issuing authority examines and certifies (Work Safety Law 2021 art. 27).

    Empty kinds, subjects or industries mean "every"; the department says whose people
    it assesses (construction and transport are examined by their own departments).
    Authorities without a scope row examine every special-operations and management
    subject of the emergency-management department.
    """

    authority = models.OneToOneField(
        "accounts.Organisation",
        on_delete=models.CASCADE,
        related_name="examining_scope",
        limit_choices_to={"kind": "authority"},
        verbose_name=_("考核发证机关"),
    )
    department = models.CharField(
        _("部门"), max_length=32, choices=Industry.Department.choices, default=Industry.Department.EMERGENCY_MANAGEMENT
    )
    kinds = models.ManyToManyField(QualificationKind, blank=True, related_name="+", verbose_name=_("资格类别"))
    subjects = models.ManyToManyField(Subject, blank=True, related_name="+", verbose_name=_("考核科目"))
    industries = models.ManyToManyField(Industry, blank=True, related_name="+", verbose_name=_("行业"))

    class Meta:
        verbose_name = _("考核发证范围")
        verbose_name_plural = _("考核发证范围")

    def __str__(self) -> str:
        return str(self.authority)
