"""Reading the `/ticket` command's text as Slack sends it (`should_escape: true`): `&`, `<`,
`>` typed by the user come as `&amp;`, `&lt;`, `&gt;`, and mentions, channels and links as
`<@U…|name>`, `<#C…|name>`, `<!channel>`, `<https://…|label>`. Free text (titles, notes,
reasons) is turned back into what the user typed (`plain_text`), so it is stored once,
unescaped, and escaped again wherever it is shown."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.tickets.domain import Status

_USER_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_USER_ID = re.compile(r"^[UW](?=[A-Z0-9]*\d)[A-Z0-9]{3,}$")  # a bare id has a digit
_TICKET_ID = re.compile(r"^(?:T-?)?(\d{1,12})$", re.IGNORECASE)
_ANGLE = re.compile(r"<([^<>]*)>")
_SPECIAL = {"channel": "@channel", "here": "@here", "everyone": "@everyone"}


def _angle_to_plain(match: re.Match[str]) -> str:
    inner = match.group(1)
    target, _, label = inner.partition("|")
    if target.startswith("@"):  # user
        return f"@{label}" if label else target
    if target.startswith("#"):  # channel
        return f"#{label}" if label else target
    if target.startswith("!"):  # special mention, user group, date
        name = target[1:]
        if label:
            return label if label.startswith("@") or name.startswith("date") else f"@{label}"
        return _SPECIAL.get(name, f"@{name.split('^')[-1]}")
    if label and label not in target:
        return f"{label} ({target})"
    return target


def plain_text(slack_text: str) -> str:
    """What the user typed, from Slack's escaped command text: `<@U1|ann>` -> `@ann`,
    `<!channel>` -> `@channel`, `<https://x|x>` -> `https://x`, `&lt;` -> `<`."""
    text = _ANGLE.sub(_angle_to_plain, slack_text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()


def phrase_key(words: Sequence[str]) -> str:
    """Words compared case-insensitively, with `-`, `_` and spaces alike."""
    return "_".join(w.casefold() for w in words).replace("-", "_")


@dataclass(frozen=True)
class Words:
    """The command's words with where each starts, so the rest of the text can be kept
    exactly as typed (line breaks included)."""

    text: str
    words: tuple[str, ...] = field(init=False)
    starts: tuple[int, ...] = field(init=False)

    def __post_init__(self) -> None:
        found = list(re.finditer(r"\S+", self.text))
        object.__setattr__(self, "words", tuple(m.group(0) for m in found))
        object.__setattr__(self, "starts", tuple(m.start() for m in found))

    def __len__(self) -> int:
        return len(self.words)

    def rest(self, index: int) -> str:
        """The text from word `index` on, as typed (made plain); "" past the end."""
        if index >= len(self.words):
            return ""
        return plain_text(self.text[self.starts[index] :])


def ticket_id_of(word: str) -> str | None:
    """`T-42`, `t-42`, `T42` or `42` -> `T-42`."""
    match = _TICKET_ID.match(word.strip())
    return f"T-{int(match.group(1))}" if match else None


def user_of(word: str, caller: str) -> str | None:
    """A user id from `<@U…|name>`, `<@U…>`, a bare user id, or `me`."""
    if word.casefold() == "me":
        return caller
    match = _USER_MENTION.match(word)
    if match:
        return match.group(1)
    return word if _USER_ID.match(word) else None


STATUS_WORDS: dict[str, Status] = {phrase_key([s.value]): s for s in Status}
STATUS_WORDS |= {"inprogress": Status.IN_PROGRESS, "onhold": Status.ON_HOLD}
