"""The command palette: every action bound on the current screen, plus "open ticket by ID"."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider


class ActionCommands(Provider):
    def _commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        screen = self.screen
        seen: set[str] = set()
        commands: list[tuple[str, str, Callable[[], object]]] = []
        for key, active in screen.active_bindings.items():
            binding = active.binding
            if not binding.description or binding.action in seen or not active.enabled:
                continue
            seen.add(binding.action)
            key_label = self.app.get_key_display(binding)
            run = partial(self._run, active.node, binding.action)
            commands.append((binding.description, f"key: {key_label or key}", run))
        poller = getattr(self.app, "poller", None)
        toggle = getattr(self.app, "toggle_live", None)
        if poller is not None and toggle is not None:
            every = f"every {self.app.live_interval:g} s"  # type: ignore[attr-defined]
            if poller.enabled:
                commands.append(("Live updates: turn off", f"the list refreshes itself {every}", toggle))
            else:
                commands.append(("Live updates: turn on", f"refresh the list {every}", toggle))
        open_by_id = getattr(self.app, "action_open_ticket_prompt", None)
        if open_by_id is not None:
            commands.append(("Open ticket by ID…", "type a tkt_… ID or a UUID", open_by_id))
        return commands

    async def _run(self, node: object, action: str) -> None:
        await self.app.run_action(action, node)  # type: ignore[arg-type]

    async def discover(self) -> Hits:
        for name, help_text, callback in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
