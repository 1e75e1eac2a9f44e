"""`cstar-tui completion bash|zsh|fish`: a completion script made from the subcommands' own parser, so
it offers exactly the commands, flags and choices there are (zsh reuses the bash one via bashcompinit)."""

from __future__ import annotations

import argparse
import shlex

__all__ = ["script"]

_TOP = ("serve", "config")  # the TUI's other commands, offered next to the scripting ones


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _leaves(parser: argparse.ArgumentParser,
            path: tuple[str, ...] = ()) -> dict[tuple[str, ...], argparse.ArgumentParser]:
    """Every command path (`("ticket", "update")`) and its parser, the inner ones included."""
    found = {path: parser}
    for name, sub in _subparsers(parser).items():
        found.update(_leaves(sub, (*path, name)))
    return found


def _options(parser: argparse.ArgumentParser) -> list[str]:
    return [flag for action in parser._actions if action.help != argparse.SUPPRESS
            for flag in action.option_strings if flag.startswith("--")]


def _choices(parser: argparse.ArgumentParser) -> dict[str, list[str]]:
    return {flag: [str(c) for c in action.choices] for action in parser._actions if action.option_strings
            and action.choices and not isinstance(action, argparse._SubParsersAction) for flag in action.option_strings}


def _positional_choices(parser: argparse.ArgumentParser) -> list[str]:
    return [str(c) for action in parser._actions if not action.option_strings and action.choices
            and not isinstance(action, argparse._SubParsersAction) for c in action.choices]


def _bash(root: argparse.ArgumentParser) -> str:
    cases = []
    for path, parser in _leaves(root).items():
        words = list(_subparsers(parser)) + (list(_TOP) if not path else []) + _positional_choices(parser)
        key = " ".join(path)
        value_cases = "".join(
            f"            {shlex.quote(flag)}) COMPREPLY=($(compgen -W {shlex.quote(' '.join(values))} -- \"$cur\"));"
            " return;;\n" for flag, values in _choices(parser).items())
        cases.append(
            f"        {shlex.quote(key)})\n"
            f"            case \"$prev\" in\n{value_cases}            esac\n"
            f"            words={shlex.quote(' '.join(words))}\n"
            f"            flags={shlex.quote(' '.join(_options(parser)))};;\n")
    return (
        "# bash completion for cstar-tui (cstar-tui completion bash)\n"
        "_cstar_tui() {\n"
        "    local cur=\"${COMP_WORDS[COMP_CWORD]}\" prev=\"${COMP_WORDS[COMP_CWORD-1]}\"\n"
        "    local path=\"\" word i words=\"\" flags=\"\"\n"
        "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
        "        word=\"${COMP_WORDS[i]}\"\n"
        "        case \"$word\" in -*) continue;; esac\n"
        "        case \"${path:+$path }$word\" in\n"
        + "".join(f"            {shlex.quote(' '.join(p))}) path={shlex.quote(' '.join(p))};;\n"
                  for p in _leaves(root) if p)
        + "        esac\n"
        "    done\n"
        "    case \"$path\" in\n" + "".join(cases) + "    esac\n"
        "    if [[ \"$cur\" == -* ]]; then\n"
        "        COMPREPLY=($(compgen -W \"$flags\" -- \"$cur\"))\n"
        "    else\n"
        "        COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
        "    fi\n"
        "}\n"
        "complete -o default -F _cstar_tui cstar-tui\n"
    )


def _zsh(root: argparse.ArgumentParser) -> str:
    return ("#compdef cstar-tui\n# zsh completion for cstar-tui (cstar-tui completion zsh), through bashcompinit\n"
            "autoload -U +X bashcompinit && bashcompinit\n" + _bash(root))


def _fish(root: argparse.ArgumentParser) -> str:
    lines = ["# fish completion for cstar-tui (cstar-tui completion fish)", "complete -c cstar-tui -f"]
    for path, parser in _leaves(root).items():
        if not path:
            condition = "__fish_use_subcommand"
        else:
            condition = " and ".join(f"__fish_seen_subcommand_from {word}" for word in path)
        inner = _subparsers(parser)
        if inner:
            # Offer the next word only until one of them is typed.
            condition_next = condition if not path else f"{condition}; and not __fish_seen_subcommand_from " \
                + " ".join(inner)
            for name, sub in inner.items():
                help_text = (sub.description or "").split(".")[0][:60]
                lines.append(f"complete -c cstar-tui -n {shlex.quote(condition_next)} -a {shlex.quote(name)}"
                             + (f" -d {shlex.quote(help_text)}" if help_text else ""))
            if not path:
                for name in _TOP:
                    lines.append(f"complete -c cstar-tui -n {shlex.quote(condition)} -a {name}")
            continue
        choices = _choices(parser)
        for flag in _options(parser):
            values = choices.get(flag)
            extra = f" -x -a {shlex.quote(' '.join(values))}" if values else ""
            lines.append(f"complete -c cstar-tui -n {shlex.quote(condition)} -l {flag[2:]}{extra}")
        positional = _positional_choices(parser)
        if positional:
            lines.append(f"complete -c cstar-tui -n {shlex.quote(condition)} -a {shlex.quote(' '.join(positional))}")
    return "\n".join(lines) + "\n"


def script(shell: str, root: argparse.ArgumentParser) -> str:
    return {"bash": _bash, "zsh": _zsh, "fish": _fish}[shell](root)
