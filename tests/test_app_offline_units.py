"""The pieces behind the offline behaviour, without an app: pending drafts, their keys, what is left after a
send, and the header's connection state."""

from __future__ import annotations

from pathlib import Path

from api.errors import ConnectionFailedError, IdempotencyConflictError, InvalidRequestError, ServerError
from app.desk.connection import connection_after
from app.drafts import Draft, DraftStore
from app.outbox import already_sent, is_transient

BODY = {"content": "hi", "messageType": "public"}


def test_to_send_makes_the_body_pending_and_keeps_the_key_while_it_is() -> None:
    first = Draft("tkt_abc", "hi").to_send(BODY)
    assert first.pending == BODY and first.idempotency_key
    edited = {"content": "hi!", "messageType": "public"}
    # A send in doubt: the edit goes out under the same key, so the service can refuse it if the first landed.
    assert first.to_send(edited).idempotency_key == first.idempotency_key
    assert first.to_send(edited).pending == edited
    # Once the service has answered (a refusal), an edit gets a key of its own.
    assert first.settled().to_send(edited).idempotency_key != first.idempotency_key
    assert first.settled().to_send(BODY).idempotency_key == first.idempotency_key


def test_after_sent_keeps_only_what_was_typed_since() -> None:
    assert Draft("t", "hi").after_sent("hi") is None
    assert Draft("t", "hi\n").after_sent("hi") is None
    rest = Draft("t", "hi\nPS", "internal", "k", "f", BODY).after_sent("hi")
    assert rest == Draft("t", "PS", "internal")
    assert Draft("t", "rewritten").after_sent("hi") == Draft("t", "rewritten")


def test_the_store_lists_pending_drafts_and_survives_damaged_files(tmp_path: Path) -> None:
    store = DraftStore(tmp_path)
    assert store.pending() == [] and DraftStore(tmp_path / "missing").pending() == []
    store.save(Draft("tkt_one", "waiting").to_send(BODY))
    store.save(Draft("tkt_two", "just typed"))
    (tmp_path / "broken.json").write_text("{not json")
    (tmp_path / "list.json").write_text("[1, 2]")
    (pending,) = store.pending()
    assert pending.ticket_id == "tkt_one" and pending.pending == BODY
    assert store.load("tkt_one") == pending


def test_a_pending_body_without_a_key_is_not_trusted(tmp_path: Path) -> None:
    store = DraftStore(tmp_path)
    store.save(Draft("tkt_one", "x", pending=BODY))
    assert store.load("tkt_one").pending is None and store.pending() == []


def test_which_failures_wait_for_the_service_and_which_are_its_answer() -> None:
    assert is_transient(ConnectionFailedError("connection lost"))
    assert is_transient(ServerError(status=503))
    assert is_transient(IdempotencyConflictError(status=409, code="idempotency_key_in_flight"))
    assert not is_transient(InvalidRequestError("bad", status=400))
    mismatch = IdempotencyConflictError(status=409, code="idempotency_key_mismatch")
    assert not is_transient(mismatch) and already_sent(mismatch)


def test_offline_sticks_until_an_answer() -> None:
    retry = {"attempt": 1, "wait": 0.74, "reason": "The cStar service is unreachable (connection lost)."}
    assert connection_after("online", "retrying", retry) == (
        "retrying", "retry 1 in 0.7 s: The cStar service is unreachable (connection lost).")
    assert connection_after("retrying", "failed", {"reason": "gone"}) == ("offline", "gone")
    assert connection_after("offline", "retrying", retry)[0] == "offline"
    assert connection_after("offline", "retrying", {"attempt": 2})[1] == "retrying"
    assert connection_after("offline", "ok", {}) == ("online", "")
