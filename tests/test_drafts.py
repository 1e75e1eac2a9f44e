"""Drafts on disk: atomic, per profile, and holding the send's Idempotency-Key."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.canned import BUILTIN, fill, placeholder_values
from app.drafts import Draft, DraftStore, profile_slug
from app.settings import Settings


def _settings(**kw: object) -> Settings:
    base = dict(base_url="https://www.cstar.help", team_id="team_acme", api_key="sk_test_x")
    return Settings(**{**base, **kw})  # type: ignore[arg-type]


def test_profile_is_sandbox_or_a_safe_slug_of_url_and_team() -> None:
    assert profile_slug(_settings(sandbox=True)) == "sandbox"
    slug = profile_slug(_settings())
    assert slug.startswith("www.cstar.help-team_acme-")
    assert "/" not in slug and ":" not in slug
    assert profile_slug(_settings(team_id="team_other")) != slug


def test_for_settings_puts_drafts_under_drafts_profile(tmp_path: Path) -> None:
    store = DraftStore.for_settings(_settings(sandbox=True), tmp_path)
    assert store.directory == tmp_path / "drafts" / "sandbox"


def test_round_trip_and_delete(tmp_path: Path) -> None:
    store = DraftStore(tmp_path / "d")
    assert store.load("tkt_abc") is None
    draft = Draft("tkt_abc", "Hello [b]there[/b]\nline two", "internal")
    store.save(draft)
    assert store.load("tkt_abc") == draft
    assert oct(store.directory.stat().st_mode & 0o777) == "0o700"
    store.delete("tkt_abc")
    assert store.load("tkt_abc") is None
    store.delete("tkt_abc")  # deleting twice is fine


def test_save_is_atomic_and_leaves_no_temp_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = DraftStore(tmp_path)
    store.save(Draft("tkt_abc", "first"))

    def boom(*_args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        store.save(Draft("tkt_abc", "second"))
    monkeypatch.undo()
    assert store.load("tkt_abc") == Draft("tkt_abc", "first")  # the old draft survives a failed write
    assert [p.name for p in tmp_path.iterdir() if p.is_file()] == ["tkt_abc.json"]  # (.locks/ is a directory)


def test_a_damaged_file_reads_as_no_draft(tmp_path: Path) -> None:
    store = DraftStore(tmp_path)
    store.path("tkt_abc").write_text("{not json", encoding="utf-8")
    assert store.load("tkt_abc") is None


def test_odd_ticket_ids_stay_inside_the_directory(tmp_path: Path) -> None:
    store = DraftStore(tmp_path / "d")
    path = store.path("../../etc/passwd")
    assert path.parent == store.directory
    store.save(Draft("../../etc/passwd", "x"))
    assert store.load("../../etc/passwd") is not None


def test_idempotency_key_is_kept_for_the_same_body_and_renewed_for_another() -> None:
    body = {"content": "hi", "messageType": "public"}
    first = Draft("tkt_abc", "hi").with_key_for(body)
    assert first.idempotency_key and first.idempotency_key.startswith("cstar-tui-")
    assert first.with_key_for(dict(body)) is first  # a retry of the same message replays
    changed = first.with_key_for({"content": "hi!", "messageType": "public"})
    assert changed.idempotency_key != first.idempotency_key
    internal = first.with_key_for({"content": "hi", "messageType": "internal"})
    assert internal.idempotency_key != first.idempotency_key


def test_canned_placeholders_fill_with_one_clean_line() -> None:
    values = placeholder_values(None, "tkt_abc", "Alex")
    assert values["customer_name"] == "there"
    text = fill("Hi {customer_name}, {agent_name} on {ticket_id} {unknown} {title}", values)
    assert text == "Hi there, Alex on tkt_abc {unknown} "
    hostile = {**values, "customer_name": "x"}
    assert fill("{customer_name}{{customer_name}}", hostile) == "x{x}"
    assert all("{agent_name}" in c.body for c in BUILTIN)
