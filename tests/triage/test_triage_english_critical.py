"""English critical reports through the `local` backend (SOP gate, rules and model, policy):
hazards with people present and location-wide outages, texted the way customers text
(slang, typos, no punctuation, understatement), are `critical`; their near-misses (a first
reset request, a drip, a toilet overflowing in the bathroom, one bay without power, golf
slang and jokes) are not."""

from __future__ import annotations

import pytest

from bot.tickets.domain import Category, Priority
from bot.triage.local import LocalClassifier
from tests.triage.helpers import (
    CRITICAL,
    FAC,
    HIGH,
    MEDIUM,
    TECH,
    assert_no_ticket,
    assert_ticket,
)
from tests.triage.local_support import decide


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # flooding: understated, spreading, rising
        ("uh there's kind of a lot of water on the floor", FAC),
        ("toilet overflowed and now the water is running into the lobby", FAC),
        ("water's up to our ankles in bay 2", FAC),
        ("lobby is basically a lake rn", FAC),
        # fire, smoke, melting
        ("smells like something's melting", FAC),
        ("fire in the trash can in the lobby!!", FAC),
        ("it stinks like burnt rubber in here, kinda scary", FAC),
        ("projector is smoking in bay 4", TECH),
        # sparks, shock
        ("live wire hanging", FAC),
        ("got zapped by the light switch, like a real shock", FAC),
        # gas, CO
        ("gas smell near the furnace", FAC),
        ("reeks of gas in the hallway", FAC),
        ("carbon monoxide alarm going off", FAC),
        # injury, structure, people trapped
        ("guy cut his hand bad on the broken net pole", FAC),
        ("guy slipped on the wet floor and broke his wrist i think", FAC),
        ("the screen frame fell on my buddy", FAC),
        ("ceiling tile fell", FAC),
        ("we're locked in", FAC),
        ("were stuck inside, the front door wont open from the inside", FAC),
        # location-wide outages
        ("the whole place just went dark", FAC),
        ("power died", FAC),
        ("everything just shut off, lights and all the sims", FAC),
        ("none of the sims work", TECH),
        ("wifi's dead everywhere", TECH),
        ("internets down again everyone's stuck on loading", TECH),
        ("door wont unlock for anybody", TECH),
        # CO alarms going off, the whole place dark, wiring and water, glass where people walk
        ("the CO alarm in the hallway is blaring and a couple of us feel dizzy", FAC),
        ("carbon monoxide detector keeps wailing by the furnace", FAC),
        ("whole building is out, no lights no sims, we're on our phone flashlights", FAC),
        ("wires dangling from the ceiling in bay 2 and water is dripping onto them", FAC),
        ("the glass partition by bay 4 just shattered, shards all over where people walk", FAC),
        # an outage stays critical beside smaller problems; a failed remote unlock
        ("all the sims are dead, the lobby tv is blank and the mens toilet keeps running", TECH),
        ("app still says access denied after you unlocked it, we're waiting in the cold", TECH),
    ],
)
async def test_english_critical_reports_are_critical(
    local: LocalClassifier, text: str, category: Category
) -> None:
    d = await decide(local, text)
    assert d.should_ticket, d.reason
    assert (d.category, d.priority) == (category, CRITICAL), d.reason


@pytest.mark.parametrize(
    "text",
    [
        "sim frozen in bay 2, can you reset",  # first request: the SOP
        "projector in bay 3 is black, can you restart it?",
        "this sim is fire 🔥",  # praise, not a fire
        "I'm on fire today",
        "my drive was smoking today lol",  # golf slang, as "smoking my drives"
        "my pride is hurt after that shank",
        "we're locked in tonight, dialing it in",
        "do you guys close if the power goes out?",
        "my basement flooded last night, can I move my booking",
    ],
)
async def test_english_near_misses_open_no_ticket(local: LocalClassifier, text: str) -> None:
    assert_no_ticket(await decide(local, text))


@pytest.mark.parametrize(
    ("text", "category", "priority"),
    [
        ("there's a small drip from the ceiling in bay 4", FAC, HIGH),
        ("small leak under the sink in the mens room", FAC, HIGH),
        ("toilet overflowed, water all over the bathroom floor", FAC, HIGH),
        ("no power in bay 3, the other bays are fine", FAC, HIGH),
        ("exposed wires sticking out of the wall by bay 2", FAC, HIGH),
        ("beer bottle broke in bay 2, some glass on the floor", FAC, HIGH),
        ("sewage smell coming from the mens room", FAC, HIGH),
        ("the sink in the ladies room won't stop running", FAC, MEDIUM),
        ("smoke detector chirping in the hallway, probably the battery", FAC, MEDIUM),
        ("the tv in bay 1 is dead", TECH, MEDIUM),
    ],
)
async def test_english_problems_short_of_critical_keep_their_priority(
    local: LocalClassifier, text: str, category: Category, priority: Priority
) -> None:
    assert_ticket(await decide(local, text), category, priority)
