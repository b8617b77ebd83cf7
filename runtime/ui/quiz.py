"""Quiz questions generated from the rules (pure: no Streamlit).

Three sources: the training rules' own quiz banks, every procedure clock and step time limit
("投诉须在多少小时内处理?" with plausible wrong durations), and duty targets ("投诉处理率须
达到多少?"). Choices are shuffled with a seed so a page rerun shows the same order.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

from runtime.compiler import model as m
from runtime.compiler.timeexpr import Duration
from runtime.ui.fmt import duration_text


@dataclass(frozen=True)
class QuizItem:
    """One multiple-choice question with its correct answer and where it came from."""

    id: str
    question: str
    choices: tuple[str, ...]
    answer: str
    source: str  # rule id (and step or clock) the question was generated from
    explanation: str | None = None


def _distract_durations(d: Duration) -> list[Duration]:
    """Wrong but plausible durations of the same kind as `d`."""
    factors = (0.25, 0.5, 2, 3, 4, 7)
    out: list[Duration] = []
    for f in factors:
        amount = d.amount * f
        if amount >= 1 and float(amount).is_integer() and amount != d.amount:
            out.append(Duration(amount, d.unit, d.working))
    return out


def _shuffle(correct: str, wrong: list[str], seed: str) -> tuple[str, ...]:
    unique = [w for w in dict.fromkeys(wrong) if w != correct][:3]
    choices = [correct, *unique]
    random.Random(seed).shuffle(choices)
    return tuple(choices)


def _limit_question(qid: str, subject: str, d: Duration, source: str, lang: str) -> QuizItem:
    correct = duration_text(d, lang)
    wrong = [duration_text(x, lang) for x in _distract_durations(d)]
    if lang == "en":
        question = f"Within what time must this be done: {subject}?"
    else:
        question = f"「{subject}」须在多长时间内完成?"
    return QuizItem(qid, question, _shuffle(correct, wrong, qid), correct, source)


def generate(hb: m.Handbook, role: str | None = None, lang: str = "zh") -> list[QuizItem]:
    """Every question the rules give for `role` (all roles when None), stable across reruns."""
    items: list[QuizItem] = []
    for training in hb.trainings.values():
        if role and training.roles and role not in training.roles:
            continue
        for q in training.quiz:
            if role and q.roles and role not in q.roles:
                continue
            items.append(QuizItem(f"bank:{training.id}:{q.id}", q.question,
                                  _shuffle(q.answer, list(q.choices), q.id), q.answer,
                                  training.id, q.explanation))
    for proc in hb.procedures.values():
        if role and role not in proc.roles:
            continue
        for clock in proc.clocks:
            if clock.within is None:
                continue  # the deadline is a case field: no fixed limit to ask about
            items.append(_limit_question(f"clock:{proc.id}:{clock.id}", clock.title,
                                         clock.within, f"{proc.id} / {clock.id}", lang))
        for step in proc.steps:
            if step.time_limit:
                items.append(_limit_question(f"step:{proc.id}:{step.id}", step.title,
                                             step.time_limit, f"{proc.id} / {step.id}", lang))
        for fu in proc.follow_ups:
            subject = fu.title
            items.append(_limit_question(f"follow-up:{proc.id}:{fu.id}", subject, fu.delay,
                                         f"{proc.id} / {fu.id}", lang))
    for r in hb.roles.values():
        if role and r.id != role:
            continue
        for duty in r.duties:
            for target in duty.targets:
                if target.value is None:
                    continue  # a target without a number ("达标") makes no numeric question
                correct = _target_value(target, target.value)
                wrong = [_target_value(target, v) for v in _distract_numbers(target.value)]
                qid = f"target:{r.id}:{duty.no}:{target.name}"
                question = (f"{r.title}: what must {target.name} reach?" if lang == "en"
                            else f"{r.title}: {target.name}须达到多少?")
                items.append(QuizItem(qid, question, _shuffle(correct, wrong, qid), correct,
                                      f"{r.id} / duty {duty.no}", duty.text))
    return _unique_ids(items)


def _unique_ids(items: list[QuizItem]) -> list[QuizItem]:
    # Rules may repeat a target name in one duty, or a bank question id in two trainings;
    # answers are keyed by id, so every id must be unique.
    seen: dict[str, int] = {}
    out = []
    for item in items:
        n = seen.get(item.id, 0)
        seen[item.id] = n + 1
        out.append(item if n == 0 else replace(item, id=f"{item.id}#{n + 1}"))
    return out


def _distract_numbers(value: float) -> list[float]:
    candidates = [value - 2, value - 5, value - 10, value - 20, 80, 90, 95, 100]
    return [c for c in candidates if 0 < c <= 100 and c != value]


def _target_value(target: m.Target, v: float) -> str:
    shown = int(v) if float(v).is_integer() else v
    return f"{shown}{target.unit}"


def score(items: list[QuizItem], answers: dict[str, str | None]) -> tuple[int, int]:
    """(correct, total) for the answers given by question id."""
    correct = sum(1 for q in items if answers.get(q.id) == q.answer)
    return correct, len(items)
