"""StreamField blocks shared by content and lesson pages."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock


class CaptionedImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("图片"))
    caption = blocks.CharBlock(label=_("说明"), required=False, max_length=200)

    class Meta:
        icon = "image"
        label = _("图片")
        template = "blocks/captioned_image.html"


class VideoBlock(blocks.StructBlock):
    """A video file served from media storage (a document), with an optional poster."""

    video = DocumentChooserBlock(label=_("视频文件"))
    poster = ImageChooserBlock(label=_("封面"), required=False)
    caption = blocks.CharBlock(label=_("说明"), required=False, max_length=200)

    class Meta:
        icon = "media"
        label = _("视频")
        template = "blocks/video.html"


class DocumentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("文档"))
    title = blocks.CharBlock(label=_("标题"), required=False, max_length=200)

    class Meta:
        icon = "doc-full"
        label = _("文档")
        template = "blocks/document.html"


class BaseContentBlock(blocks.StreamBlock):
    heading = blocks.CharBlock(label=_("小标题"), form_classname="title", template="blocks/heading.html")
    paragraph = blocks.RichTextBlock(label=_("正文"), features=["bold", "italic", "ol", "ul", "link", "h3", "h4"])
    image = CaptionedImageBlock()
    video = VideoBlock()
    document = DocumentBlock()
