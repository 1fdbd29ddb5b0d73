import pytest
from django.test import Client
from django.utils import timezone

from campaigns.models import Campaign, District

pytestmark = pytest.mark.django_db


def test_the_demo_opens_the_quiz_campaign_for_30_days(demo):
    campaign = Campaign.objects.get(slug="anquan-demo")
    assert campaign.starts_on == timezone.localdate()
    assert (campaign.ends_on - campaign.starts_on).days == 30
    assert District.objects.filter(name="运河区").exists()
    landing = Client().get("/quiz/anquan-demo/")
    assert landing.status_code == 200 and "运河区" in landing.content.decode()
