"""The README's complete config example is a valid config file (it is what people copy)."""

from __future__ import annotations

import re
from pathlib import Path

from app.config import parse_config

ROOT = Path(__file__).resolve().parents[1]
FENCE = "`" * 3


def test_the_readme_config_example_parses() -> None:
    blocks = re.findall(FENCE + r"toml\n(.*?)" + FENCE, (ROOT / "README.md").read_text(encoding="utf-8"), re.S)
    assert blocks, "the README has a toml example"
    for block in blocks:
        config = parse_config(block, ROOT / "README.md")
        assert config.profiles and config.notifications.new_ticket_views == ["New"]
