from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from .blocks import BaseContentBlock


class HomePage(Page):
    intro = RichTextField(_("简介"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]

    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    class Meta:
        verbose_name = _("首页")

    def get_context(self, request, *args, **kwargs):
        from .selectors import home_sections

        context = super().get_context(request, *args, **kwargs)
        context.update(home_sections(home=self))
        return context


class StandardPage(Page):
    body = StreamField(BaseContentBlock(), verbose_name=_("正文"), blank=True)

    search_fields = [*Page.search_fields, index.SearchField("body")]
    content_panels = [*Page.content_panels, FieldPanel("body")]

    class Meta:
        verbose_name = _("普通页面")


class NoticePage(Page):
    """An exam announcement or policy notice."""

    class Kind(models.TextChoices):
        EXAM = "exam", _("考试公告")
        POLICY = "policy", _("政策法规")
        GENERAL = "general", _("通知")

    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices, default=Kind.EXAM)
    published_on = models.DateField(_("发布日期"))
    body = StreamField(BaseContentBlock(), verbose_name=_("正文"), blank=True)

    search_fields = [*Page.search_fields, index.SearchField("body")]
    content_panels = [*Page.content_panels, FieldPanel("kind"), FieldPanel("published_on"), FieldPanel("body")]

    class Meta:
        verbose_name = _("通知公告")


class CampaignPage(Page):
    """An editor's page for a quiz campaign (poster text, pictures), with the campaign's QR
    code and share link; taking part happens at /quiz/<slug>/."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", verbose_name=_("答题活动"), on_delete=models.PROTECT, related_name="+"
    )
    body = StreamField(BaseContentBlock(), verbose_name=_("正文"), blank=True)

    search_fields = [*Page.search_fields, index.SearchField("body")]
    content_panels = [*Page.content_panels, FieldPanel("campaign"), FieldPanel("body")]

    class Meta:
        verbose_name = _("答题活动页")

    def get_context(self, request, *args, **kwargs):
        from django.conf import settings
        from django.utils.safestring import mark_safe

        from certificates.qr import qr_svg

        context = super().get_context(request, *args, **kwargs)
        share_url = f"{settings.SITE_URL}/quiz/{self.campaign.slug}/"
        context.update(share_url=share_url, qr=mark_safe(qr_svg(share_url, title=self.campaign.title)))  # noqa: S308
        return context
