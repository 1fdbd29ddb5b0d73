"""Public safety-knowledge quiz campaigns (安全知识网络答题).

A campaign may take ten million participations, so a participation is a compact row:
small integer columns, the answers as a bitmap of which questions were right, and one
unique 64-bit key (the paper's nonce) that makes a retried or redelivered submission
count once. Everything a page shows (leaderboards, the dashboard) is read from the
rollups the batch writer keeps in the same transaction as the rows it inserts.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class District(models.Model):
    """A district (区县) a participant may pick; the dashboard groups by it."""

    id = models.SmallAutoField(primary_key=True)
    code = models.CharField(_("代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=60)

    class Meta:
        verbose_name = _("区县")
        verbose_name_plural = _("区县")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class ScoreRule(models.TextChoices):
    BEST = "best", _("取最高分")
    LATEST = "latest", _("取最近一次")
    SUM_OF_DAYS = "sum", _("每日最高分累计")


class Campaign(models.Model):
    id = models.SmallAutoField(primary_key=True)
    slug = models.SlugField(_("标识"), max_length=64, unique=True)
    title = models.CharField(_("标题"), max_length=120)
    rules = models.TextField(_("活动规则"), blank=True)
    prizes = models.TextField(_("奖励说明"), blank=True)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    #: The regulator (authority) or the employer that runs it. An employer's campaign is
    #: for its own staff: the firm is fixed to the employer.
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("主办单位")
    )
    banks = models.ManyToManyField("exams.QuestionBank", related_name="campaigns", verbose_name=_("题库"))
    #: Empty: every knowledge point of the banks.
    knowledge_points = models.JSONField(_("知识点"), default=list, blank=True)
    paper_size = models.PositiveSmallIntegerField(_("每卷题数"), default=10)
    time_limit_minutes = models.PositiveSmallIntegerField(_("答题时限（分钟）"), default=10)
    attempts_per_day = models.PositiveSmallIntegerField(_("每人每日次数"), default=3)
    score_rule = models.CharField(_("成绩计算"), max_length=8, choices=ScoreRule.choices, default=ScoreRule.BEST)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("答题活动")
        verbose_name_plural = _("答题活动")
        ordering = ["-starts_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")), name="campaign_dates"),
            models.CheckConstraint(
                condition=models.Q(paper_size__gte=1, paper_size__lte=30), name="campaign_paper_size"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class IdentityKind(models.IntegerChoices):
    ANONYMOUS = 1, _("匿名")
    PHONE = 2, _("手机号")
    ACCOUNT = 3, _("账户")


class Participant(models.Model):
    """One person (a device, a phone number or an account) in one campaign, with the
    standing the leaderboards read. ``key`` is a keyed 64-bit hash of the identity, so no
    phone number or device id is stored in clear."""

    id = models.AutoField(primary_key=True)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+", db_index=False)
    key = models.BigIntegerField()
    kind = models.PositiveSmallIntegerField(choices=IdentityKind.choices)
    nickname = models.CharField(_("昵称"), max_length=20)
    phone_masked = models.CharField(max_length=11, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    district = models.ForeignKey(
        District, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    firm_id = models.IntegerField(null=True, blank=True)
    attempts = models.IntegerField(default=0)
    #: The score that ranks the person under the campaign's rule.
    ranking = models.IntegerField(default=0)
    best_score = models.SmallIntegerField(default=0)
    latest_score = models.SmallIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "key"], name="one_participant_per_identity")]
        indexes = [models.Index(fields=["campaign", "-ranking", "id"], name="participant_ranking")]

    def __str__(self) -> str:
        return self.nickname


class Participation(models.Model):
    """One submitted paper. Kept small on purpose (about 60 bytes of data): no per-answer
    rows; ``correct`` has bit i set when the paper's question i was answered right."""

    id = models.AutoField(primary_key=True)
    #: The paper's nonce: unique, so a redelivered submission is inserted once.
    key = models.BigIntegerField(unique=True)
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    day = models.DateField()
    submitted_at = models.DateTimeField()
    district_id = models.SmallIntegerField(null=True)
    firm_id = models.IntegerField(null=True)
    score = models.SmallIntegerField()
    seconds = models.SmallIntegerField()
    correct = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["participant", "day"], name="participation_history")]

    def __str__(self) -> str:
        return f"{self.day} {self.score}"


# --- Rollups: what every page reads ------------------------------------------------------


class DayStat(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()
    participations = models.IntegerField(default=0)
    score_sum = models.BigIntegerField(default=0)
    new_participants = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "day"], name="one_day_stat")]

    def __str__(self) -> str:
        return f"{self.day} {self.participations}"


class DistrictDayStat(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()
    district_id = models.SmallIntegerField()
    participations = models.IntegerField(default=0)
    score_sum = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "day", "district_id"], name="one_district_day_stat")]

    def __str__(self) -> str:
        return f"{self.day} {self.district_id}"


class FirmDayStat(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()
    firm_id = models.IntegerField()
    participations = models.IntegerField(default=0)
    score_sum = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "day", "firm_id"], name="one_firm_day_stat")]

    def __str__(self) -> str:
        return f"{self.day} {self.firm_id}"


class QuestionStat(models.Model):
    """How often a question was drawn and answered right: what people get wrong."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+", db_index=False)
    question_id = models.IntegerField()
    shown = models.IntegerField(default=0)
    correct = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "question_id"], name="one_question_stat")]

    def __str__(self) -> str:
        return f"{self.question_id} {self.correct}/{self.shown}"


class ParticipantDay(models.Model):
    """A person's best score of a day: the daily leaderboard and the sum-of-days rule."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+", db_index=False)
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    day = models.DateField()
    best_score = models.SmallIntegerField(default=0)
    attempts = models.SmallIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["participant", "day"], name="one_participant_day")]
        indexes = [models.Index(fields=["campaign", "day", "-best_score", "id"], name="participant_day_ranking")]

    def __str__(self) -> str:
        return f"{self.participant_id} {self.day}"
