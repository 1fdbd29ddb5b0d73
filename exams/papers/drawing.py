"""Turning a blueprint and its bank into a paper: the database side of scoring.draw_paper.

Exam-day starts stay cheap: the pool of a bank (the active questions of the operation
type) is cached for POOL_CACHE_SECONDS, the questions are picked from it, and one count
query checks that every picked question is still active. When one is not (retired
within the cache's lifetime: an edit makes a new version and retires the old one) the
pool is read again from the database and the paper drawn again, so a paper never holds
an inactive question.
"""

from __future__ import annotations

import json
import random
import secrets
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from django.core.cache import cache
from django.utils.translation import gettext as _

from exams.bank.models import Question

from .models import Blueprint, BlueprintRule
from .scoring import (
    OPTION_LABELS,
    TRUE_FALSE,
    TRUE_FALSE_OPTIONS,
    BankQuestion,
    DrawRule,
    Option,
    PaperQuestion,
    ScoringError,
    Shortfall,
    build_paper,
    paper_shortfalls,
    pick_questions,
    shown_keys,
    shown_options,
)

#: Seconds a bank's pool is reused between starts.
POOL_CACHE_SECONDS = 30


def paper_rng() -> random.Random:
    """A generator for one paper, seeded with 128 bits from the operating system.

    Nobody can predict a candidate's paper from it, and drawing costs no system call
    per random number (SystemRandom makes a thousand of them for one paper).
    """
    return random.Random(secrets.randbits(128))  # noqa: S311 - seeded from os entropy, one paper only


def draw_rules(rules: Iterable[BlueprintRule]) -> list[DrawRule]:
    return [
        DrawRule(
            kind=rule.kind,
            count=rule.count,
            points=rule.points,
            knowledge_point=rule.knowledge_point,
            difficulty=rule.difficulty,
        )
        for rule in rules
    ]


def _pool_key(bank_id: int, operation_type_id: int | None, subject_id: int | None = None) -> str:
    if operation_type_id is None:
        return f"exams:pool:v4:{bank_id}:s{subject_id}"
    return f"exams:pool:v4:{bank_id}:{operation_type_id}"


def _read_pool(bank_id: int, operation_type_id: int | None, subject_id: int | None = None) -> list[tuple]:
    """Special operations draw by operation type; the other kinds (no operation type) by subject."""
    questions = Question.objects.filter(bank_id=bank_id, is_active=True)
    if operation_type_id is not None:
        questions = questions.filter(operation_types=operation_type_id)
    else:
        questions = questions.filter(subjects=subject_id)
    return list(
        questions.order_by("pk").values_list(
            "pk", "kind", "stem", "options", "answer", "knowledge_point", "difficulty", "image_id"
        )
    )


#: This process's built pools, by (cache key, token): building 500 questions costs more
#: than fetching them, so each process builds a cached pool once. The token lives in the
#: shared cache with the rows, so a pool read again (or a cleared cache) is rebuilt.
_BUILT: dict[tuple[str, str], dict[str, list[BankQuestion]]] = {}


def bank_pool(
    *, bank_id: int, operation_type_id: int | None, fresh: bool = False, subject_id: int | None = None
) -> dict[str, list[BankQuestion]]:
    """Active questions of the bank for the operation type, by kind (cached briefly).

    The shared cache holds a small token and the rows under two keys: a process that
    already built the pool of the current token reads only the token.
    """
    key = _pool_key(bank_id, operation_type_id, subject_id)
    token = None if fresh else cache.get(f"{key}:token")
    if token is not None and (key, token) in _BUILT:
        return _BUILT[(key, token)]
    rows = None if token is None else cache.get(f"{key}:rows:{token}")
    if token is None or rows is None:
        token, rows = uuid.uuid4().hex, _read_pool(bank_id, operation_type_id, subject_id)
        cache.set_many({f"{key}:rows:{token}": rows, f"{key}:token": token}, POOL_CACHE_SECONDS)
    built = _build_pool(rows)
    for old in [k for k in _BUILT if k[0] == key]:
        del _BUILT[old]
    _BUILT[(key, token)] = built
    return built


def _build_pool(rows: list[tuple]) -> dict[str, list[BankQuestion]]:
    pool: dict[str, list[BankQuestion]] = defaultdict(list)
    for pk, kind, stem, options, answer, knowledge_point, difficulty, image_id in rows:
        pool[kind].append(
            BankQuestion(
                id=pk,
                kind=kind,
                stem=stem,
                options=tuple(Option(key=o["key"], text=o["text"]) for o in options or []),
                answer=tuple(answer),
                knowledge_point=knowledge_point,
                difficulty=difficulty,
                image_id=image_id,
            )
        )
    return pool


def blueprint_shortfalls(
    *, bank_id: int, operation_type_id: int | None, rules: Sequence[DrawRule], subject_id: int | None = None
) -> list[Shortfall]:
    """The rules the bank cannot fill, read fresh from the database (for saving a blueprint)."""
    pool = bank_pool(bank_id=bank_id, operation_type_id=operation_type_id, fresh=True, subject_id=subject_id)
    return paper_shortfalls(rules, pool)


def draw_questions(
    *,
    bank_id: int,
    operation_type_id: int | None,
    rules: Sequence[DrawRule],
    rng: random.Random,
    subject_id: int | None = None,
) -> list[PaperQuestion]:
    """A shuffled paper by the rules; PaperShortfall when the bank cannot fill them.

    The picked questions are checked to be still active with one count query; when one
    was retired since the pool was cached, the pool is read again and the paper redrawn.
    """
    for fresh in (False, True, True):
        pool = bank_pool(bank_id=bank_id, operation_type_id=operation_type_id, fresh=fresh, subject_id=subject_id)
        picks = pick_questions(rules, pool, rng)
        ids = [question.id for _rule, chosen in picks for question in chosen]
        if Question.objects.filter(pk__in=ids, is_active=True).count() == len(ids):
            return build_paper(picks, rng)
    raise BankChanged(_("题库正在更新，请稍后重试。"))


class BankChanged(ScoringError):
    """The bank kept changing under the draw (edits racing the start); try again later."""


def paper_snapshot(blueprint: Blueprint, questions: Sequence[PaperQuestion]) -> dict:
    """What an attempt or mock exam stores: the questions with key and points, and the rules."""
    return {
        "blueprint_id": blueprint.pk,
        "pass_mark": blueprint.pass_mark,
        "time_limit_minutes": blueprint.time_limit_minutes,
        "questions": [question.to_snapshot() for question in questions],
    }


def compact_snapshot(blueprint: Blueprint, questions: Sequence[PaperQuestion]) -> dict:
    """What a formal attempt stores (~70 bytes a question instead of ~250): each question's
    opaque number, version, option order, key and points. The text is shared by every
    paper of the bank and read through version_content when the paper is shown."""
    return {
        "v": 2,
        "blueprint_id": blueprint.pk,
        "pass_mark": blueprint.pass_mark,
        "time_limit_minutes": blueprint.time_limit_minutes,
        "questions": [question.to_compact() for question in questions],
    }


def _sheet_keys(q: dict) -> tuple[str, ...]:
    if "options" in q:
        return tuple(o["key"] for o in q["options"]) or ("T", "F")
    return shown_keys(len(q["o"])) or ("T", "F")


def answer_sheet(paper: dict) -> dict[int, tuple[str, tuple[str, ...]]]:
    """Question id -> (kind, option keys): all that validating an answer needs."""
    return {int(q["id"]): (q["kind"], _sheet_keys(q)) for q in paper["questions"]}


#: A question version's text, as papers show it: (stem, {bank key: option text}, image id).
VersionContent = tuple[str, dict[str, str], int | None]
#: Versions never change, so their text is kept long; the key names the version only.
VERSION_CACHE_SECONDS = 24 * 60 * 60


def _version_key(version_id: int) -> str:
    return f"exams:qv:v1:{version_id}"


#: This process's copy of version texts, valid while the shared cache's generation token
#: is the one it was filled under (a cleared cache starts a new generation).
_VERSIONS: dict[int, VersionContent] = {}
_VERSIONS_GENERATION: list[str] = [""]
_VERSIONS_MAX = 50_000
_GENERATION_KEY = "exams:qv:generation"


def _local_versions() -> dict[int, VersionContent]:
    generation = cache.get(_GENERATION_KEY)
    if generation is None:
        generation = uuid.uuid4().hex
        if not cache.add(_GENERATION_KEY, generation, None):
            generation = cache.get(_GENERATION_KEY) or generation
    if generation != _VERSIONS_GENERATION[0] or len(_VERSIONS) > _VERSIONS_MAX:
        _VERSIONS.clear()
        _ENCODED.clear()
        _VERSIONS_GENERATION[0] = generation
    return _VERSIONS


def version_content(version_ids: Iterable[int]) -> dict[int, VersionContent]:
    """The text of question versions: from this process's copy, else one cache round trip,
    and one query for those still missing.

    Shared by every candidate whose paper holds the version, so a session's thousands of
    papers read the few hundred questions of their bank once per process.
    """
    ids = list(dict.fromkeys(version_ids))
    local = _local_versions()
    found: dict[int, VersionContent] = {pk: local[pk] for pk in ids if pk in local}
    wanted = [pk for pk in ids if pk not in found]
    if wanted:
        cached = cache.get_many([_version_key(pk) for pk in wanted])
        for pk in wanted:
            entry = cached.get(_version_key(pk))
            if entry is not None:
                stem, options, image_id = entry
                found[pk] = local[pk] = (stem, dict(options), image_id)
    missing = [pk for pk in ids if pk not in found]
    if missing:
        fresh = {}
        for pk, stem, options, image_id in Question.objects.filter(pk__in=missing).values_list(
            "pk", "stem", "options", "image_id"
        ):
            pairs = [(o["key"], o["text"]) for o in options or []]
            found[pk] = local[pk] = (stem, dict(pairs), image_id)
            fresh[_version_key(pk)] = (stem, pairs, image_id)
        cache.set_many(fresh, VERSION_CACHE_SECONDS)
    return found


def paper_content(paper: dict) -> list[dict]:
    """The paper's questions with their text, in either snapshot form: each a dict with
    id, kind, stem, options [{key, text}], answer, points, image_id. Holds the key:
    callers show only what the candidate may see."""
    items = paper["questions"]
    if not items or "options" in items[0]:
        return items
    texts = version_content(int(q["q"]) for q in items)
    shown = []
    for q in items:
        stem, options, image_id = texts.get(int(q["q"]), ("", {}, None))
        shown.append(
            {
                "id": q["id"],
                "kind": q["kind"],
                "stem": stem,
                "options": [
                    {"key": option.key, "text": option.text} for option in shown_options(q["kind"], options, q["o"])
                ],
                "answer": q["answer"],
                "points": q["points"],
                "image_id": image_id,
            }
        )
    return shown


#: This process's JSON of version texts, as candidate_questions_json writes them: the stem,
#: {bank key: option text} and the image id. Emptied with _VERSIONS.
_ENCODED: dict[int, tuple[str, dict[str, str], int | None]] = {}


_EMPTY = '""'


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def candidate_questions_json(paper: dict, answers: Mapping[int, Sequence[str]]) -> str:
    """The paper's questions as the candidate sees them, as a JSON array: each question's id,
    kind, stem, points, options [{key, text}], saved answer and image URL; never the key.

    Written from each version's texts encoded once per process: a start sends a hundred
    questions to each of thousands of candidates, and their texts are a bank's few hundred.
    """
    items = paper["questions"]
    if items and "options" in items[0]:  # a full snapshot (papers from before compact ones)
        images = image_urls(q.get("image_id") for q in items)
        return _json(
            [
                {
                    "id": q["id"],
                    "kind": q["kind"],
                    "stem": q["stem"],
                    "points": float(q["points"]),
                    "options": [{"key": o["key"], "text": o["text"]} for o in q["options"]],
                    "answer": list(answers.get(q["id"], [])),
                    "image_url": images.get(q.get("image_id")),
                }
                for q in items
            ]
        )
    texts = version_content(int(q["q"]) for q in items)
    images = image_urls(image_id for _stem, _options, image_id in texts.values())
    true_false = ",".join(f'{{"key":{_json(key)},"text":{_json(str(text))}}}' for key, text in TRUE_FALSE_OPTIONS)
    kinds = {kind: _json(kind) for kind in {q["kind"] for q in items}}
    parts = []
    for q in items:
        version = int(q["q"])
        encoded = _ENCODED.get(version)
        if encoded is None:
            stem, options, image_id = texts.get(version, ("", {}, None))
            encoded = (_json(stem), {key: _json(text) for key, text in options.items()}, image_id)
            if version in texts:
                _ENCODED[version] = encoded
        stem_json, option_json, image_id = encoded
        if q["kind"] == TRUE_FALSE:
            options_json = true_false
        else:
            options_json = ",".join(
                f'{{"key":"{OPTION_LABELS[index]}","text":{option_json.get(key, _EMPTY)}}}'
                for index, key in enumerate(q["o"])
            )
        answer = answers.get(q["id"])
        image_url = images.get(image_id) if image_id else None
        parts.append(
            f'{{"id":{int(q["id"])},"kind":{kinds[q["kind"]]},"stem":{stem_json},'
            f'"points":{float(q["points"])!r},"options":[{options_json}],'
            f'"answer":{_json(list(answer)) if answer else "[]"},'
            f'"image_url":{_json(image_url) if image_url else "null"}}}'
        )
    return "[" + ",".join(parts) + "]"


#: How a question's picture is shown on a phone: at most 800 px wide, at most 600 high.
IMAGE_RENDITION = "max-800x600"


def image_urls(image_ids: Iterable[int | None]) -> dict[int, str]:
    """Image id -> URL of its rendition, for the pictures of a paper (two queries)."""
    from wagtail.images import get_image_model

    ids = {image_id for image_id in image_ids if image_id}
    if not ids:
        return {}
    images = get_image_model().objects.filter(pk__in=ids).prefetch_renditions(IMAGE_RENDITION)
    return {image.pk: image.get_rendition(IMAGE_RENDITION).url for image in images}
