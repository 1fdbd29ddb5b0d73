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
