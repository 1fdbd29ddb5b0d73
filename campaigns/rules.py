"""Pure rules of a quiz campaign: signing papers, scoring them, keys of identities.

No database, no cache: every function takes what it needs, so the tests run without one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


class BadPaper(ValueError):
    """The paper token was not given by this server, or does not fit the submission."""


@dataclass(frozen=True)
class Paper:
    """What a signed paper says: which campaign, which question versions (in order),
    when it was issued, to which device, its nonce (the submission's idempotency key)
    and, when the sender looked suspicious, the hash of the challenge's answer."""

    campaign_id: int
    question_ids: tuple[int, ...]
    issued_at: int
    device: str
    nonce: int
    challenge: str = ""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_paper(paper: Paper, *, secret: bytes) -> str:
    body = json.dumps(
        [paper.campaign_id, list(paper.question_ids), paper.issued_at, paper.device, paper.nonce, paper.challenge],
        separators=(",", ":"),
    ).encode()
    mac = hmac.new(secret, body, hashlib.sha256).digest()[:16]
    return f"{_b64(body)}.{_b64(mac)}"


def read_paper(token: str, *, secret: bytes) -> Paper:
    """The paper a token describes; BadPaper when it was forged or altered."""
    try:
        body_text, mac_text = token.split(".", 1)
        body, mac = _unb64(body_text), _unb64(mac_text)
    except (ValueError, TypeError) as exc:
        raise BadPaper("malformed") from exc
    if not hmac.compare_digest(hmac.new(secret, body, hashlib.sha256).digest()[:16], mac):
        raise BadPaper("signature")
    try:
        campaign_id, ids, issued_at, device, nonce, challenge = json.loads(body)
        return Paper(int(campaign_id), tuple(int(i) for i in ids), int(issued_at), str(device), int(nonce), challenge)
    except (ValueError, TypeError) as exc:
        raise BadPaper("malformed") from exc


def challenge_hash(answer: str, *, nonce: int, secret: bytes) -> str:
    return hmac.new(secret, f"{nonce}:{answer.strip()}".encode(), hashlib.sha256).hexdigest()[:16]


def identity_key(identity: str, *, campaign_id: int, secret: bytes) -> int:
    """A signed 64-bit key for "device:…", "phone:…" or "user:…": no identity is stored in clear."""
    digest = hmac.new(secret, f"{campaign_id}:{identity}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@dataclass(frozen=True)
class Graded:
    score: int
    correct: tuple[bool, ...]

    @property
    def bitmap(self) -> int:
        """Bit i set when question i was right; fits a 32-bit column (papers hold ≤ 30)."""
        value = 0
        for index, right in enumerate(self.correct):
            if right:
                value |= 1 << index
        return value - (1 << 32) if value >= 1 << 31 else value


def normalise_answer(raw: object) -> tuple[str, ...]:
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list | tuple):
        return ()
    return tuple(sorted({str(key).strip().upper() for key in raw if str(key).strip()}))


def grade(
    question_ids: Sequence[int], answers: Mapping[int, Sequence[str]], keys: Mapping[int, Sequence[str]]
) -> Graded:
    """Score out of 100: each question equally weighted, a multiple choice right only when complete."""
    correct = tuple(tuple(sorted(answers.get(qid, ()))) == tuple(sorted(keys[qid])) for qid in question_ids)
    score = round(100 * sum(correct) / len(question_ids)) if question_ids else 0
    return Graded(score=score, correct=correct)


def mask_nickname(nickname: str) -> str:
    """Nicknames are public on leaderboards; long digit runs (a phone or ID number typed
    as a nickname) are masked."""
    out: list[str] = []
    run = 0
    for char in nickname:
        run = run + 1 if char.isdigit() else 0
        out.append("*" if run > 3 else char)
    return "".join(out)
