"""`clubos-tickets demo` as a person runs it, and what it prints read back: the
transcript of each thread, the monitoring answers, the tickets table, the chart and the
sign-in link."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from tests.support.cli import cli_env

#: The whole `demo --once` run, replay and transcript included, must end within this.
DEMO_TIMEOUT_S = 60.0
BOT = "ClubOS"

SIGN_IN_LINK = re.compile(r"^  (http://127\.0\.0\.1:(\d+))/login/([\w.\-]+)$", re.MULTILINE)
CHART = re.compile(r"^Digest chart saved: (.+)$", re.MULTILINE)
# The path may be wrapped onto the next line (at the space before it).
FOLDER = re.compile(r"^Demo files \([^)]*\):\s+(\S+)$", re.MULTILINE)
TABLE_ROW = re.compile(r"^[│|] (T-\d+) +[│|]", re.MULTILINE)
# A rule (`console.rule`) with its title on the left: `Bedford · Jess M. · thread 17… ───`
RULE = re.compile(r"^(\S.*?) [─━\-]{3,}$")
THREAD_TITLE = re.compile(r"^(?P<location>.+?) · (?P<customer>.+?) · thread (?P<ts>\d+\.\d+)$")
MONITORING_LINE = re.compile(r"^  (\w+) +(.+?) {2,}(\w+)(?: → (T-\d+))?$")
CARD = re.compile(r"^card (T-\d+) “.*” · (\w+) · (\w+) · (\w+) now$")


def demo_env(database_url: str | None, scratch: Path) -> dict[str, str]:
    """This environment with no Slack, no OpenAI and the demo's files under `scratch`
    (TMPDIR); DATABASE_URL only when given (without it the demo makes a fresh database)."""
    env = cli_env(database_url or "", TMPDIR=str(scratch))
    if database_url is None:
        del env["DATABASE_URL"]
    dropped = ("OPENAI_", "TRIAGE_", "LOG_")
    return {key: value for key, value in env.items() if not key.startswith(dropped)}


@dataclass(frozen=True)
class Message:
    who: str  # the customer's name, or ClubOS
    text: str  # lines wrapped by the terminal joined again


@dataclass(frozen=True)
class ThreadShown:
    location: str
    customer: str
    ts: str  # the thread's root message
    messages: tuple[Message, ...]

    def said_by(self, who: str) -> list[str]:
        return [m.text for m in self.messages if m.who == who]

    def cards(self) -> list[tuple[str, ...]]:
        """(ticket id, category, priority, status) of each card line of the thread."""
        found = (CARD.match(text) for text in self.said_by(BOT))
        return [match.groups() for match in found if match]


@dataclass(frozen=True)
class MonitoringShown:
    event: str
    where: str
    decision: str
    ticket_id: str | None


def transcript_sections(stdout: str) -> dict[str, list[str]]:
    """The lines under each rule, by the rule's title, up to the tickets table."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in stdout.splitlines():
        if line.startswith("Tickets"):
            break
        rule = RULE.match(line)
        if rule:
            current = sections.setdefault(rule.group(1), [])
        elif current is not None:
            current.append(line)
    return sections


def messages(lines: list[str], people: set[str]) -> tuple[Message, ...]:
    """`  Who        what` lines; any other line continues the message above it."""
    found: list[Message] = []
    for line in lines:
        who = line[2:12].strip()
        if line.startswith("  ") and who in people:
            found.append(Message(who, line[13:].strip()))
        elif found and line.strip():
            last = found.pop()
            found.append(Message(last.who, f"{last.text} {line.strip()}"))
    return tuple(found)


def threads_shown(stdout: str) -> list[ThreadShown]:
    shown: list[ThreadShown] = []
    for title, lines in transcript_sections(stdout).items():
        match = THREAD_TITLE.match(title)
        if match:
            customer = match["customer"]
            said = messages(lines, {customer, BOT})
            shown.append(ThreadShown(match["location"], customer, match["ts"], said))
    return shown


def monitoring_shown(stdout: str) -> list[MonitoringShown]:
    lines = next(
        (lines for title, lines in transcript_sections(stdout).items() if "Monitoring" in title),
        [],
    )
    return [
        MonitoringShown(*match.groups())
        for match in map(MONITORING_LINE.match, lines)
        if match is not None
    ]


def tickets_listed(stdout: str) -> list[str]:
    """The ids in the tickets table, in its order."""
    return TABLE_ROW.findall(stdout)


def demo_folder(stdout: str) -> Path:
    match = FOLDER.search(stdout)
    assert match is not None, f"no 'Demo files' line in:\n{stdout}"
    return Path(match.group(1).strip())
