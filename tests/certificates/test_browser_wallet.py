"""In Chromium at phone size (360×800): the moment a candidate passes both parts, the
certificate is in the wallet; its PDF has Chinese text and a QR code that a decoder
(pyzbar, libzbar0) reads back to the public verification page; the page's credential
verifies against the JWKS with PyJWT, a library independent of the one that signs."""

from __future__ import annotations

import subprocess
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from accounts.models import User
from certificates.models import Certificate
from exams.admission.models import ExamKind, Registration
from exams.admission.services import check_in_candidate
from exams.practical.services import record_practical_result
from exams.theory.services import save_answers, start_attempt, submit_attempt


def _pass_both_parts(worker: User) -> float:
    """The theory paper answered correctly and submitted, then the practical scored."""
    theory = Registration.objects.get(candidate=worker, session__kind=ExamKind.THEORY)
    attempt = start_attempt(registration=theory)
    save_answers(attempt=attempt, answers={q["id"]: q["answer"] for q in attempt.paper["questions"]})
    assert submit_attempt(attempt=attempt).passed
    practical = Registration.objects.select_related("session__site").get(
        candidate=worker, session__kind=ExamKind.PRACTICAL
    )
    if practical.checked_in_at is None:  # the examiner checks the candidate in at the site
        practical.checked_in_at = timezone.now()
        practical.save(update_fields=["checked_in_at"])
    examiner = User.objects.get(username="examiner")
    assert practical.ticket_code, "seed_demo approves the practical registration with a ticket"
    check_in_candidate(ticket_code=practical.ticket_code, examiner=examiner)  # at the exam site, first
    scores = {code: Decimal("90") for code in ("K1", "K2", "K3", "K4")}
    passed_at = time.monotonic()
    result = record_practical_result(registration=practical, examiner=examiner, subject_scores=scores, veto=False)
    assert result.passed
    return passed_at


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_passing_puts_the_certificate_in_the_wallet_with_a_readable_pdf_and_qr(
    phone, log_in, live_server, demo, settings, tmp_path
):
    import jwt
    from PIL import Image
    from pyzbar.pyzbar import decode

    settings.SITE_URL = live_server.url
    worker = User.objects.get(username="worker")
    page = phone()
    log_in(page, "worker")

    # when the candidate passes both parts
    passed_at = _pass_both_parts(worker)

    # then the wallet on the phone shows the new certificate within seconds
    certificate = Certificate.objects.get(holder=worker, operation_type__code="0102")
    page.goto(f"{live_server.url}/me/certificates/")
    page.wait_for_selector(f"text={certificate.number}")
    seen_after = time.monotonic() - passed_at
    print(f"pass → certificate in the wallet: {seen_after * 1000:.0f} ms")
    assert seen_after < 5
    main = page.inner_text("main")
    assert "低压电工作业" in main
    assert page.locator("figure.qr-card svg").count() >= 1
    page.screenshot(path=str(tmp_path / "wallet.png"), full_page=True)

    # and its PDF has Chinese text and a QR code that decodes to the verification page
    response = page.request.get(f"{live_server.url}/me/certificates/{certificate.number}/pdf")
    assert response.status == 200
    pdf_path = tmp_path / "certificate.pdf"
    pdf_path.write_bytes(response.body())
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf_path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "中华人民共和国特种作业操作证" in text
    assert worker.real_name in text
    subprocess.run(["pdftoppm", "-png", "-r", "150", str(pdf_path), str(tmp_path / "page")], check=True)
    image = Image.open(next(Path(tmp_path).glob("page*.png")))
    codes = [symbol.data.decode() for symbol in decode(image)]
    certificate.refresh_from_db()
    assert codes == [f"{live_server.url}/v/{certificate.token}"]

    # and the decoded link opens the public page, which says valid, holder masked
    visitor = phone()
    visitor.goto(codes[0])
    assert visitor.locator(".status.valid").count() == 1
    assert worker.real_name not in visitor.inner_text("main")

    # and the credential verifies against the JWKS with an independent library
    credential = visitor.request.get(f"{live_server.url}/api/v1/verify/{certificate.token}").json()["credential"]
    jwks = visitor.request.get(f"{live_server.url}/.well-known/jwks.json").json()
    key = jwt.PyJWK(jwks["keys"][0])
    claims = jwt.decode(credential, key=key, algorithms=["EdDSA"])
    assert (claims["number"], claims["status"]) == (certificate.number, "valid")
