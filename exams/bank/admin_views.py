"""Question banks in the Wagtail admin, scoped to the organisation of the user.

- the 题库 and 试题 snippet listings show only banks the user may read; edits and
  additions go only into banks the user may edit; an edit is saved as a new version
  (exams.bank.services.revise_question) and nothing is deleted;
- 题库管理 (this module's own views): import with upload → preview → confirm →
  progress, export in every format, the Excel template, and item statistics with
  retiring. Views are thin: they check access, then call one service or selector.
"""

from __future__ import annotations

import django_filters
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.viewsets.base import ViewSet
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.views.snippets import CreateView, EditView, IndexView, SnippetViewSet

from accounts.models import Organisation
from exams.errors import BankError

from . import selectors as bank_selectors
from .access import (
    bank_scope,
    can_edit_bank,
    can_read_bank,
    editable_banks_filter,
    is_bank_administrator,
    is_bank_staff,
    readable_banks_filter,
)
from .forms import ImportCheckForm, ImportUploadForm, QuestionAdminForm, QuestionBankAdminForm, RetireForm
from .importers import FORMATS, excel
from .importers.examples import EXAMPLES
from .importers.options import ENCODINGS
from .models import Question, QuestionBank, QuestionImport, QuestionKind
from .services import (
    check_question_import,
    confirm_question_import,
    create_organisation_bank,
    create_question,
    discard_question_import,
    export_bank,
    import_progress,
    recheck_question_import,
    reinstate_question,
    retire_question,
    revise_question,
)

# --- Permission policies: membership, not Django model permissions --------------------------


def _bank_of(instance) -> QuestionBank:
    return instance if isinstance(instance, QuestionBank) else instance.bank


class BankPermissionPolicy(BasePermissionPolicy):
    """Bank staff may view, add and change what their organisation owns; nobody deletes.

    Banks themselves are added by administrators (or, for an organisation's own bank,
    by its staff from the 题库管理 page); questions are retired, never deleted.
    """

    def user_has_permission(self, user, action):
        if is_bank_administrator(user):
            return action != "delete" or self.model is QuestionBank
        if action == "delete" or (action == "add" and self.model is QuestionBank):
            return False
        return action in {"view", "change", "add"} and is_bank_staff(user)

    def user_has_permission_for_instance(self, user, action, instance):
        if not self.user_has_permission(user, action):
            return False
        if action == "view":
            return can_read_bank(user, _bank_of(instance))
        return can_edit_bank(user, _bank_of(instance))

    def instances_user_has_any_permission_for(self, user, actions):
        banks = QuestionBank.objects.filter(
            readable_banks_filter(user) if set(actions) == {"view"} else editable_banks_filter(user)
        )
        if self.model is QuestionBank:
            return banks
        return Question.objects.filter(bank__in=banks)


register_permission_policy(QuestionBank, BankPermissionPolicy(QuestionBank), exact_class=True)
register_permission_policy(Question, BankPermissionPolicy(Question), exact_class=True)


# --- Snippet viewsets ------------------------------------------------------------------------


class ScopedIndexMixin:
    def get_base_queryset(self):
        queryset = super().get_base_queryset().filter(pk__in=self.scoped_queryset().values("pk"))
        return queryset.select_related("bank" if self.model is Question else "organisation")


class BankEditView(EditView):
    def get_object(self, queryset=None):
        obj = super().get_object(queryset)
        if not can_edit_bank(self.request.user, _bank_of(obj)):
            raise Http404
        return obj


class BankIndexView(ScopedIndexMixin, IndexView):
    def scoped_queryset(self):
        return QuestionBank.objects.filter(readable_banks_filter(self.request.user))


class QuestionBankViewSet(SnippetViewSet):
    model = QuestionBank
    icon = "folder-open-inverse"
    list_display = ["name", "slug", "level", "organisation", "public_for_practice"]
    list_filter = ["level", "public_for_practice"]
    search_fields = ["name", "slug"]
    edit_handler = ObjectList(
        [
            FieldPanel("slug"),
            FieldPanel("name"),
            FieldPanel("level"),
            FieldPanel("organisation"),
            FieldPanel("public_for_practice"),
        ],
        base_form_class=QuestionBankAdminForm,
    )
    index_view_class = BankIndexView
    edit_view_class = BankEditView


class QuestionIndexView(ScopedIndexMixin, IndexView):
    def scoped_queryset(self):
        return bank_selectors.readable_questions(self.request.user)


class QuestionFormErrorsMixin:
    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except (BankError, PermissionDenied) as exc:
            form.add_error(None, exc.messages if isinstance(exc, BankError) else str(exc))
            return self.form_invalid(form)

    def _content(self):
        data = self.form.cleaned_data
        return {
            "kind": data["kind"],
            "stem": data["stem"],
            "options": data["options"],
            "answer": data["answer"],
            "explanation": data.get("explanation", ""),
            "knowledge_point": data.get("knowledge_point", ""),
            "difficulty": data.get("difficulty") or 3,
            "image_id": data["image"].pk if data.get("image") else None,
        }


class QuestionCreateView(QuestionFormErrorsMixin, CreateView):
    def save_instance(self):
        data = self.form.cleaned_data
        return create_question(
            bank=data["bank"], actor=self.request.user, operation_types=data["operation_types"], **self._content()
        )


class QuestionEditView(QuestionFormErrorsMixin, BankEditView):
    """Saving makes a new version; the page then shows that version."""

    def save_instance(self):
        original = Question.objects.get(pk=self.object.pk)
        return revise_question(
            question=original,
            actor=self.request.user,
            operation_types=self.form.cleaned_data["operation_types"],
            **self._content(),
        )


def _banks_for_filter(request: HttpRequest | None):
    if request is None:
        return QuestionBank.objects.none()
    return QuestionBank.objects.filter(readable_banks_filter(request.user)).order_by("name")


class QuestionFilterSet(WagtailFilterSet):
    """The bank filter offers only banks the user may read (never other organisations' names)."""

    bank = django_filters.ModelChoiceFilter(queryset=_banks_for_filter, label=gettext_lazy("题库"))

    class Meta:
        model = Question
        fields = ["bank", "kind", "is_active"]


class QuestionViewSet(SnippetViewSet):
    model = Question
    icon = "help"
    list_display = ["stem", "bank", "kind", "knowledge_point", "version", "is_active"]
    filterset_class = QuestionFilterSet
    search_fields = ["stem", "knowledge_point"]
    index_view_class = QuestionIndexView
    add_view_class = QuestionCreateView
    edit_view_class = QuestionEditView
    edit_handler = ObjectList(
        [
            FieldPanel("bank"),
            FieldPanel("kind"),
            FieldPanel("stem"),
            FieldPanel("options_text"),
            FieldPanel("answer_text"),
            FieldPanel("explanation"),
            FieldPanel("image"),
            FieldPanel("knowledge_point"),
            FieldPanel("difficulty"),
            FieldPanel("operation_types"),
        ],
        base_form_class=QuestionAdminForm,
    )


# --- 题库管理: import, export, template, statistics ------------------------------------------


def _require_staff(request: HttpRequest) -> None:
    if not is_bank_staff(request.user):
        raise PermissionDenied(_("只有培训机构、监管部门的题库管理人员可以使用题库管理。"))


def _readable_bank(request: HttpRequest, bank_id: int) -> QuestionBank:
    _require_staff(request)
    return get_object_or_404(QuestionBank.objects.filter(readable_banks_filter(request.user)), pk=bank_id)


def _editable_bank(request: HttpRequest, bank_id: int) -> QuestionBank:
    _require_staff(request)
    return get_object_or_404(QuestionBank.objects.filter(editable_banks_filter(request.user)), pk=bank_id)


def bank_index(request: HttpRequest) -> TemplateResponse:
    _require_staff(request)
    banks = list(bank_selectors.readable_banks(request.user))
    editable = set(bank_selectors.editable_banks(request.user).values_list("pk", flat=True))
    own, _above = bank_scope(request.user)
    with_bank = {bank.organisation_id for bank in banks}
    return TemplateResponse(
        request,
        "exams/bank/index.html",
        {
            "page_title": _("题库管理"),
            "header_icon": "folder-open-inverse",
            "banks": [(bank, bank.pk in editable) for bank in banks],
            "formats": list(FORMATS.values()),
            "imports": bank_selectors.imports_for(request.user)[:20],
            "examples": list(EXAMPLES.values()),
            "organisations_without_bank": Organisation.objects.filter(pk__in=own - with_bank).order_by("name"),
        },
    )


@require_POST
def bank_create(request: HttpRequest, organisation_id: int) -> HttpResponse:
    _require_staff(request)
    organisation = get_object_or_404(Organisation, pk=organisation_id)
    bank = create_organisation_bank(organisation=organisation, actor=request.user)
    messages.success(request, _("已创建题库“%(bank)s”。") % {"bank": bank.name})
    return redirect("question_banks:index")


def template_download(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    response = HttpResponse(excel.template(), content_type=excel.CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="question-bank-template.xlsx"'
    return response


def export_download(request: HttpRequest, bank_id: int) -> HttpResponse:
    bank = _readable_bank(request, bank_id)
    fmt = request.GET.get("format", "xlsx")
    if fmt not in FORMATS:
        raise Http404
    exported = export_bank(bank=bank, fmt=fmt, actor=request.user)
    extension = {"moodle-xml": "xml", "aiken": "txt"}.get(fmt, fmt)
    response = HttpResponse(exported.data, content_type=FORMATS[fmt].content_type)
    response["Content-Disposition"] = f'attachment; filename="{bank.slug}.{extension}"'
    return response


def import_upload(request: HttpRequest, bank_id: int) -> HttpResponse:
    bank = _editable_bank(request, bank_id)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        question_import = check_question_import(
            bank=bank,
            actor=request.user,
            upload=form.cleaned_data["file"],
            fmt=form.cleaned_data["format"],
            default_operation_type=form.cleaned_data["default_operation_type"],
            skip_duplicates=form.cleaned_data["skip_duplicates"],
        )
        return redirect("question_banks:import_detail", question_import.pk)
    form_examples = list(EXAMPLES.values())
    return TemplateResponse(
        request,
        "exams/bank/import_upload.html",
        {
            "page_title": _("导入试题"),
            "page_subtitle": bank.name,
            "header_icon": "upload",
            "bank": bank,
            "form": form,
            "examples": form_examples,
        },
    )


def _own_import(request: HttpRequest, import_id: int) -> QuestionImport:
    _require_staff(request)
    return get_object_or_404(bank_selectors.imports_for(request.user), pk=import_id)


def _preview_rows(question_import: QuestionImport) -> list[dict]:
    if question_import.status not in (QuestionImport.Status.CHECKED, QuestionImport.Status.INVALID):
        return []
    labels = dict(QuestionKind.choices)
    return [
        {
            **row,
            "kind_label": labels.get(row["kind"], row["kind"]),
            "answer": _TRUE_FALSE_LABELS.get(row["answer"], row["answer"]),
        }
        for row in question_import.preview
    ]


_ACTIONS = ("confirm", "good_rows", "recheck", "discard")
#: Errors listed on the page; all of them are in the downloadable workbook.
ERRORS_SHOWN = 500


def _check_form(question_import: QuestionImport, data=None) -> ImportCheckForm:
    return ImportCheckForm(
        data,
        layout=question_import.layout,
        initial={
            "skip_duplicates": question_import.skip_duplicates,
            "default_operation_type": question_import.default_operation_type_id,
        },
    )


def import_detail(request: HttpRequest, import_id: int) -> HttpResponse:
    """The preview (what was recognised, every error and notice, the first rows) and its
    actions: check again with other settings, confirm, import only the good rows, discard."""
    question_import = _own_import(request, import_id)
    form = _check_form(question_import)
    if request.method == "POST":
        action = request.POST.get("action", "confirm")
        if action not in _ACTIONS:
            raise Http404
        try:
            if action == "recheck":
                form = _check_form(question_import, request.POST)
                if form.is_valid():
                    recheck_question_import(
                        question_import=question_import,
                        actor=request.user,
                        columns=form.column_choices(),
                        skip_duplicates=form.cleaned_data["skip_duplicates"],
                        default_operation_type=form.cleaned_data["default_operation_type"],
                    )
                    messages.success(request, _("已按新的设置重新检查。"))
                    return redirect("question_banks:import_detail", question_import.pk)
                messages.error(request, _("请为每一列选择用途后再重新检查。"))
            elif action == "discard":
                discard_question_import(question_import=question_import, actor=request.user)
                messages.success(request, _("已放弃这次导入，上传的文件已删除。"))
                return redirect("question_banks:index")
            else:
                confirm_question_import(
                    question_import=question_import, actor=request.user, good_rows_only=action == "good_rows"
                )
                return redirect("question_banks:import_detail", question_import.pk)
        except BankError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("question_banks:import_detail", question_import.pk)
    Status = QuestionImport.Status
    layout = question_import.layout or {}
    return TemplateResponse(
        request,
        "exams/bank/import_detail.html",
        {
            "page_title": _("导入试题"),
            "page_subtitle": question_import.original_name,
            "header_icon": "upload",
            "import": question_import,
            "preview": _preview_rows(question_import),
            "progress": import_progress(question_import),
            "in_progress": question_import.status in (Status.QUEUED, Status.RUNNING),
            "is_open": question_import.status in (Status.CHECKED, Status.INVALID),
            "form": form,
            "option_encodings": [
                (ENCODINGS.get(name, name), count) for name, count in (layout.get("option_encodings") or {}).items()
            ],
            "true_false_writings": list((layout.get("true_false_writings") or {}).items()),
            "ignored_columns": [
                column["header"] for column in layout.get("columns") or [] if column["role"] == "ignore"
            ],
            "bad_rows": len({error["line"] for error in question_import.errors if error.get("line")}),
            "errors": [
                {**error, "shown": " | ".join(cell for cell in error.get("cells") or [] if cell)}
                for error in question_import.errors[:ERRORS_SHOWN]
            ],
            "errors_not_shown": max(0, len(question_import.errors) - ERRORS_SHOWN),
            "errors_downloadable": any(error.get("cells") for error in question_import.errors),
            "Status": Status,
        },
    )


def errors_download(request: HttpRequest, import_id: int) -> HttpResponse:
    """The bad rows of an import as an Excel file: reason first, then the row as the file had it."""
    question_import = _own_import(request, import_id)
    if not question_import.errors:
        raise Http404
    data = excel.errors_workbook((question_import.layout or {}).get("source_header") or [], question_import.errors)
    response = HttpResponse(data, content_type=excel.CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="import-{question_import.pk}-errors.xlsx"'
    return response


def example_download(request: HttpRequest, key: str) -> HttpResponse:
    """A small example file of one layout the importers understand."""
    _require_staff(request)
    example = EXAMPLES.get(key)
    if example is None:
        raise Http404
    response = HttpResponse(example.build(), content_type=example.content_type)
    response["Content-Disposition"] = f'attachment; filename="{example.filename}"'
    return response


@require_POST
def retire(request: HttpRequest, question_id: int) -> HttpResponse:
    _require_staff(request)
    question = get_object_or_404(bank_selectors.editable_questions(request.user), pk=question_id)
    form = RetireForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写停用原因。"))
    else:
        try:
            retire_question(question=question, actor=request.user, reason=form.cleaned_data["reason"])
        except BankError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("已停用试题 %(id)s，之后组卷不再抽到它。") % {"id": question.pk})
    return redirect(reverse("question_banks:statistics", args=[question.bank_id]))


_TRUE_FALSE_LABELS = {"T": gettext_lazy("正确"), "F": gettext_lazy("错误")}


def versions(request: HttpRequest, question_id: int) -> TemplateResponse:
    _require_staff(request)
    question = get_object_or_404(bank_selectors.readable_questions(request.user).select_related("bank"), pk=question_id)
    labels = dict(QuestionKind.choices)
    rows = [
        (
            version,
            labels.get(version.kind, version.kind),
            "、".join(f"{option['key']}. {option['text']}" for option in version.options or []),
            "".join(str(_TRUE_FALSE_LABELS.get(key, key)) for key in version.answer or []),
        )
        for version in bank_selectors.question_versions(question)
    ]
    return TemplateResponse(
        request,
        "exams/bank/versions.html",
        {
            "page_title": _("试题版本"),
            "page_subtitle": question.bank.name,
            "header_icon": "history",
            "question": question,
            "rows": rows,
        },
    )


@require_POST
def reinstate(request: HttpRequest, question_id: int) -> HttpResponse:
    _require_staff(request)
    question = get_object_or_404(bank_selectors.editable_questions(request.user), pk=question_id)
    try:
        reinstate_question(question=question, actor=request.user)
    except BankError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已恢复试题 %(id)s。") % {"id": question.pk})
    return redirect(reverse("question_banks:statistics", args=[question.bank_id]))


class BankMenuItem(MenuItem):
    def is_shown(self, request):
        return is_bank_staff(request.user)


class QuestionBankToolsViewSet(ViewSet):
    name = "question_banks"
    icon = "folder-open-inverse"
    menu_label = gettext_lazy("题库管理")
    menu_order = 310
    add_to_admin_menu = True
    menu_item_class = BankMenuItem

    def get_urlpatterns(self):
        return [
            path("", bank_index, name="index"),
            path("template.xlsx", template_download, name="template"),
            path("organisations/<int:organisation_id>/create/", bank_create, name="create"),
            path("<int:bank_id>/import/", import_upload, name="import"),
            path("<int:bank_id>/export/", export_download, name="export"),
            path("imports/<int:import_id>/", import_detail, name="import_detail"),
            path("imports/<int:import_id>/errors.xlsx", errors_download, name="import_errors"),
            path("examples/<slug:key>/", example_download, name="example"),
            path("questions/<int:question_id>/retire/", retire, name="retire"),
            path("questions/<int:question_id>/reinstate/", reinstate, name="reinstate"),
            path("questions/<int:question_id>/versions/", versions, name="versions"),
        ]
