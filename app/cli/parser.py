"""The scripting subcommands' command line: one argparse tree, also read by `completion`."""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence

from api.models import PRIORITIES, STATUSES
from api.query import SORT_KEYS
from app import settings as settings_mod
from app.masking import MaskingArgumentParser

__all__ = ["build_parser", "spread_tag_changes"]

EXAMPLES = """\
examples:
  cstar-tui tickets list "status:open prio:high" --limit 50
  cstar-tui tickets list --all --csv > tickets.csv
  cstar-tui ticket update --where "status:new refund" --assign me --tag +billing --dry-run
  cstar-tui reply tkt_a1B2c3D4e5F6 --file answer.txt --status pending
  cstar-tui completion bash > ~/.local/share/bash-completion/completions/cstar-tui
"""


def _connection() -> argparse.ArgumentParser:
    """The TUI's connection flags (same names, environment and precedence), on every subcommand."""
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("connection (as the TUI: flags > CSTAR_* environment > profile > sandbox)")
    settings_mod.add_arguments(group)  # type: ignore[arg-type]
    for action in parent._actions:
        if action.dest in ("listen", "webhook_secret"):
            action.help = argparse.SUPPRESS  # live updates: the TUI's, nothing a one-off command uses
    return parent


def _json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", nargs="?", const="", default=None, metavar="FIELDS",
                        help="print JSON (the data exactly as the service sent it); FIELDS picks some, "
                             "comma-separated: id,title,status")


def build_parser() -> argparse.ArgumentParser:
    conn = _connection()
    root = MaskingArgumentParser(prog="cstar-tui", description="Script the cStar desk: the TUI's tickets, "
                                 "replies and notes from the shell.", epilog=EXAMPLES,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = root.add_subparsers(dest="command", metavar="COMMAND", required=True,
                                   parser_class=MaskingArgumentParser)

    tickets = commands.add_parser("tickets", help="list tickets")
    tickets_sub = tickets.add_subparsers(dest="action", metavar="ACTION", required=True,
                                         parser_class=MaskingArgumentParser)
    listing = tickets_sub.add_parser("list", parents=[conn], help="tickets matching a filter query",
                                     description="Tickets matching a filter query, in the TUI's language "
                                     "(status:open,pending -prio:low assignee:me tag:billing unsolved sort:sla "
                                     "refund); newest first unless sorted.")
    listing.add_argument("query", nargs="*", metavar="QUERY", help="a filter query (several words are joined)")
    amount = listing.add_mutually_exclusive_group()
    amount.add_argument("--limit", type=_positive, default=None, metavar="N",
                        help="at most N tickets (default 30)")
    amount.add_argument("--all", action="store_true", help="every matching ticket, page by page "
                        "(JSON is then one object a line, NDJSON, as each page arrives)")
    listing.add_argument("--sort", metavar="KEY", help=f"order by {', '.join(SORT_KEYS)} (a leading - reverses; "
                         "as sort: in the query)")
    shape = listing.add_mutually_exclusive_group()
    _json_flag(shape)
    shape.add_argument("--csv", action="store_true", help="comma-separated values with a header line")
    shape.add_argument("--plain", action="store_true", help="tab-separated lines, no header")

    ticket = commands.add_parser("ticket", help="show, create, update or delete a ticket")
    ticket_sub = ticket.add_subparsers(dest="action", metavar="ACTION", required=True,
                                       parser_class=MaskingArgumentParser)
    show = ticket_sub.add_parser("show", parents=[conn], help="a ticket with its messages")
    show.add_argument("ticket_id", metavar="ID")
    _json_flag(show)

    create = ticket_sub.add_parser("create", parents=[conn], help="file a new ticket")
    create.add_argument("--title", required=True)
    create.add_argument("--priority", choices=PRIORITIES)
    create.add_argument("--status", choices=STATUSES)
    create.add_argument("--tag", action="append", default=[], metavar="TAG", help="a tag (repeat for more)")
    create.add_argument("--customer", metavar="CUSTOMER", help="a customer ID (cus_…) or a customer's name")
    create.add_argument("--meta", nargs="+", action="extend", default=[], metavar="K=V", help="metadata")
    create.add_argument("--message", metavar="TEXT", help="a first message, as an internal note (- reads stdin)")
    _json_flag(create)

    update = ticket_sub.add_parser("update", parents=[conn], help="change one ticket, or every ticket a query finds",
                                   description="Change one ticket, or with --where every ticket a filter query "
                                   "finds (collected first, then changed a few at a time).")
    target = update.add_mutually_exclusive_group(required=True)
    target.add_argument("ticket_id", nargs="?", metavar="ID")
    target.add_argument("--where", metavar="QUERY", help="every ticket this filter query finds")
    target.add_argument("--resume", action="store_true", help="finish bulk changes a killed run (here or in the "
                        "TUI) left unfinished, with the keys they were journaled with")
    update.add_argument("--title")
    update.add_argument("--status", choices=STATUSES)
    update.add_argument("--priority", choices=PRIORITIES)
    update.add_argument("--assign", metavar="me|AGENT|none",
                        help="assign to yourself, an agent (ID, or a name the agent directory knows), or nobody")
    update.add_argument("--tag", nargs="+", action="extend", default=[], metavar="+TAG|-TAG",
                        help="add (+x or x) or remove (-x) tags")
    update.add_argument("--meta", nargs="+", action="extend", default=[], metavar="K=V|K=",
                        help="set metadata keys (K= removes K)")
    update.add_argument("--dry-run", action="store_true", help="say what would change, change nothing")
    update.add_argument("--yes", action="store_true", help="do not ask before changing several tickets")
    _json_flag(update)

    delete = ticket_sub.add_parser("delete", parents=[conn], help="delete a ticket and its messages")
    delete.add_argument("ticket_id", metavar="ID")
    delete.add_argument("--yes", action="store_true", help="do not ask first")
    _json_flag(delete)

    for name, what in (("reply", "a public reply"), ("note", "an internal note")):
        send = commands.add_parser(name, parents=[conn], help=f"send {what} (through the TUI's outbox)",
                                   description=f"Send {what} to a ticket through the same drafts and outbox as "
                                   "the TUI: a send whose answer is lost stays pending and is sent again with its "
                                   "Idempotency-Key, never posted twice.")
        send.add_argument("ticket_id", metavar="ID")
        source = send.add_mutually_exclusive_group()
        source.add_argument("-m", "--message", metavar="TEXT", help="the text")
        source.add_argument("--file", metavar="FILE", help="read the text from FILE")
        source.add_argument("stdin", nargs="?", choices=["-"], help="- reads the text from stdin")
        send.add_argument("--status", choices=STATUSES, help="then set this status (after the confirmed send)")
        _json_flag(send)

    completion = commands.add_parser("completion", help="print a shell completion script")
    completion.add_argument("shell", choices=("bash", "zsh", "fish"))
    return root


def _positive(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise argparse.ArgumentTypeError(f"needs a whole number of 1 or more, not {text!r}")
    return int(text)


#: Options whose value may start with "-" (`--sort -updated`, `--where "-prio:low"`, `-m "-1 from me"`).
_VALUE_OPTIONS = {"--sort": "--sort", "--where": "--where", "--title": "--title", "--message": "--message",
                  "-m": "--message", "--customer": "--customer"}
_QUERY_TERM = re.compile(r"^-[A-Za-z_]+:")


def spread_tag_changes(argv: Sequence[str]) -> list[str]:
    """argv as argparse can read it: `--tag +x -y z` as `--tag=+x --tag=-y --tag=z`, `--sort -updated` as
    `--sort=-updated` (argparse would take `-y` or `-updated` for an option of its own), and a query's
    negated term (`-prio:low`) kept as a word of the query."""
    out: list[str] = []
    taking_tags = False
    args = list(argv)
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "--tag":
            taking_tags = True
            continue
        if taking_tags and _is_tag_change(arg):
            out.append(f"--tag={arg}")
            continue
        taking_tags = False
        if arg in _VALUE_OPTIONS and i < len(args) and args[i].startswith("-") and args[i] != "-":
            out.append(f"{_VALUE_OPTIONS[arg]}={args[i]}")
            i += 1
            continue
        out.append(arg)
    return out


def _is_tag_change(arg: str) -> bool:
    """`+x`, `x` or `-x` after --tag; not `--next-option`, `-m` or `-h`."""
    if not arg.startswith("-"):
        return True
    return len(arg) > 1 and arg[1] != "-" and arg not in _VALUE_OPTIONS and arg != "-h"


def query_terms(extras: Sequence[str]) -> tuple[list[str], list[str]]:
    """Of what argparse did not recognise, the negated query terms (`-status:closed`) and the rest."""
    terms = [arg for arg in extras if _QUERY_TERM.match(arg)]
    return terms, [arg for arg in extras if not _QUERY_TERM.match(arg)]
