"""Notifications: who is told what, an outbox that loses nothing, and one module per channel.

- `plan.py`     who is told what, from the rules: case events → `Message`s (step entered →
                its `notify` roles; warning / breach → the assignee; escalated → the escalation
                role), plus the worker's derived ones (follow-up due, read task, draft waiting
                for review or approval); then fan-out to people and channels with the
                property's `notifications:` settings (channels per role, quiet hours, digest).
- `outbox.py`   the `outbox` table: entries written in the same store transaction as the
                event that causes them (deterministic keys, insert-if-absent), claimed by
                revision compare-and-swap, retried with exponential backoff, failures kept.
- `render.py`   the text of a message in the recipient's language: case number, what is due,
                by when, a link.
- `deliver.py`  one delivery pass: due entries → channel → sent / retry / failed; digests.
- channels:     `inbox.py` (in-app, exactly once: the inbox row and the outbox mark are one
                transaction), `email.py` (smtplib), `wecom.py` and `dingtalk.py` (group-robot
                webhooks over `webhook.py`). External channels are at-least-once and carry
                the entry's idempotency key (Message-ID / `Idempotency-Key` header).

Secrets (SMTP password, robot URLs and signing secrets) are read from the environment at
delivery time only; rules name the environment variables, records and logs never hold them.
Only `runtime.store.Repository` protocol methods are used, so every backend works.
"""

from __future__ import annotations
