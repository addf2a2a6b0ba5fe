"""Generated relay traffic with known answers: a club of many locations (each its own
relay channel), customers' messages that are each a clearly distinct problem at one place
(its own location, bay and thread, so that dedup is never in question) or plain noise, and
the deliveries Slack would make of them (1-3 each, retries carrying Slack's retry headers,
some arriving well after the first)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from tests.support.paths import DATA

BAYS = 4
#: Problems at a bay: four kinds, told apart by the rules (different problems and things).
BAY_PROBLEMS = (
    "the projector in bay {bay} is very dim, we can barely see the screen",
    "there are no golf balls left in bay {bay}",
    "the hitting mat in bay {bay} is torn",
    "the impact screen in bay {bay} has a big rip in it",
)
#: Problems away from the bays: one each per location.
AWAY_PROBLEMS = (
    "no paper towels in the ladies washroom",
    "the wifi is down, nobody can connect",
    "the front door lock is broken, it won't latch",
)
NOISE = (
    "thanks!",
    "what are your hours?",
    "lol ok",
    "see you saturday",
    "how much is an hour in a bay?",
    "ok thank you so much",
)
NOISE_SHARE = 0.3
RETRY_REASON = "http_timeout"


@dataclass(frozen=True)
class Message:
    """One customer's message, alone in its thread, and what it must become."""

    channel: str
    ts: str
    text: str
    event_id: str
    location: str
    bay: int | None  # where its ticket must be, for a problem
    problem: bool  # False: noise, no ticket

    @property
    def thread(self) -> str:
        return f"{self.channel}:{self.ts}"


@dataclass(frozen=True)
class Delivery:
    message: Message
    retry_num: int | None  # None: Slack's first try; else its retry number (1, 2)


def location_name(n: int) -> str:
    return f"Site{n:03d}"


def relay_channel(n: int) -> str:
    return f"C0RL{n:05d}"


def places_needed(problems: int) -> int:
    """Locations enough for `problems` distinct problems."""
    per_location = BAYS * len(BAY_PROBLEMS) + len(AWAY_PROBLEMS)
    return max(1, -(-problems // per_location))


def write_club(path: Path, locations: int) -> Path:
    """The test club config with `locations` generated locations instead of its own."""
    base = (DATA / "clubos.test.toml").read_text()
    head, _, _ = base.partition("[[locations]]")
    _, _, tail = base.partition("[digest]")
    generated = "".join(
        f'[[locations]]\nname = "{location_name(n)}"\nbays = {BAYS}\n'
        f'relay_channels = ["{relay_channel(n)}"]\n\n'
        for n in range(locations)
    )
    path.write_text(f"{head}{generated}[digest]{tail}")
    return path


def _problems_of_a_location() -> list[tuple[int | None, str]]:
    """Every distinct problem one location can have, as (bay, text)."""
    at_bays = [(bay, kind.format(bay=bay)) for bay in range(1, BAYS + 1) for kind in BAY_PROBLEMS]
    return at_bays + [(None, text) for text in AWAY_PROBLEMS]


def messages(count: int, seed: int) -> list[Message]:
    """`count` messages, a share `NOISE_SHARE` of them noise, the rest distinct problems
    spread over the locations."""
    rng = random.Random(seed)
    noisy = [rng.random() < NOISE_SHARE for _ in range(count)]
    problem_slots = [
        (location, bay, text)
        for location in range(places_needed(noisy.count(False)))
        for bay, text in _problems_of_a_location()
    ]
    rng.shuffle(problem_slots)
    locations = places_needed(noisy.count(False))
    out: list[Message] = []
    for n, is_noise in enumerate(noisy):
        if is_noise:
            location, bay, text = rng.randrange(locations), None, rng.choice(NOISE)
        else:
            location, bay, text = problem_slots.pop()
        out.append(
            Message(
                channel=relay_channel(location),
                ts=f"1734{seed % 1000:03d}{n:03d}.{n:06d}",
                text=text,
                event_id=f"EvStorm{seed}x{n:06d}",
                location=location_name(location),
                bay=bay,
                problem=not is_noise,
            )
        )
    return out


def deliveries(batch: list[Message], seed: int) -> list[Delivery]:
    """Each message delivered 1-3 times: first as Slack first tries, then its retries
    (numbered, with the reason), each a few deliveries later than the one before."""
    rng = random.Random(seed)
    slots: list[tuple[float, int, Delivery]] = []
    for n, message in enumerate(batch):
        at = float(n)
        slots.append((at, len(slots), Delivery(message, None)))
        for retry in range(1, rng.randint(1, 3)):
            at += rng.uniform(0.5, 12)
            slots.append((at, len(slots), Delivery(message, retry)))
    return [delivery for _, _, delivery in sorted(slots, key=lambda s: (s[0], s[1]))]
