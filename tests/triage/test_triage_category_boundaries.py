"""The facilities/tech boundary through the `local` backend (SOP gate, rules and model,
policy), as TRIAGE_RULES.md draws it: the physical space and supplies are `facilities`
(impact screen, doors that are physically broken, lighting, power and outlets, HVAC, the
ball dispenser), the devices are `tech` (the projected image, the access app and keypad,
network, TVs, audio, kiosk, card reader); a hazard takes the category of what it comes from,
and several problems the category of the worst. None of these texts is a corpus row."""

from __future__ import annotations

import pytest

from bot.tickets.domain import Category, Priority
from bot.triage.local import LocalClassifier
from tests.triage.helpers import (
    CRITICAL,
    FAC,
    HIGH,
    LOW,
    MEDIUM,
    TECH,
    assert_no_ticket,
    assert_ticket,
)
from tests.triage.local_support import decide


@pytest.mark.parametrize(
    ("text", "category", "priority"),
    [
        # "screen": the impact screen is the space's, the image on it the projector's
        ("big tear in the screen in bay 2, balls going straight through", FAC, HIGH),
        ("l'écran est troué dans la baie 4, la balle passe à travers", FAC, HIGH),
        ("the picture on the screen is really dim in bay 1", TECH, MEDIUM),
        ("screen has a pink tint in bay 6", TECH, MEDIUM),
        ("l'image est floue sur l'écran de la box 1", TECH, MEDIUM),
        # doors: broken or jammed is physical, a failed unlock is the access system
        ("handle on the front door snapped off", FAC, MEDIUM),
        ("la poignée de la porte de la box 2 est cassée", FAC, MEDIUM),
        ("door shows unlocked but it's jammed shut, 3 of us outside", FAC, CRITICAL),
        ("you tried unlocking twice, app still says denied, we're outside", TECH, CRITICAL),
        # lights: one bay is medium, the whole place dark is critical
        ("two of the lights in bay 5 are burnt out", FAC, MEDIUM),
        ("all the lights just went out, we're standing in the dark", FAC, CRITICAL),
        ("pu de lumières nulle part, on voit rien pantoute", FAC, CRITICAL),
        # network is tech, power is facilities
        ("internet died, none of the bays will load", TECH, CRITICAL),
        ("le net marche pu dans toute la place", TECH, CRITICAL),
        ("power's out everywhere", FAC, CRITICAL),
        ("no power in bay 2 only, the rest is fine", FAC, HIGH),
        # TV, audio, kiosk, card reader
        ("no sound in bay 5 at all", TECH, MEDIUM),
        ("lounge tv is stuck on a blue screen", TECH, LOW),
        ("the card reader at the front shows an error and won't take cards", TECH, MEDIUM),
        ("kiosk screen got smashed", TECH, MEDIUM),
        # supplies and HVAC are facilities, a device's own fan is tech
        ("ball dispenser in bay 3 is jammed, no balls come out", FAC, MEDIUM),
        ("thermostat in bay 1 is dead and it's so cold in here", FAC, MEDIUM),
        ("pc in bay 2 is making a loud grinding noise", TECH, MEDIUM),
        # a hazard is the category of what it comes from
        ("sparks from the wall outlet next to the projector", FAC, CRITICAL),
        ("the power strip behind the pc is smoking", FAC, CRITICAL),
        ("the tv in bay 3 is smoking", TECH, CRITICAL),
        ("le kiosque sent le brûlé pis y boucane", TECH, CRITICAL),
        # several problems: the worst one's category
        ("projector's a little blurry and the toilet is overflowing in the mens", FAC, HIGH),
        ("no tees in 4 and the internet is down for every bay", TECH, CRITICAL),
        # a computer's mouse and keyboard are tech; a dead PC's lights are the PC's
        ("the mouse in bay 4 isnt clicking at all", TECH, LOW),
        ("keyboard in bay 3 has sticky keys", TECH, LOW),
        ("pc in bay 2 is completely dead, no lights on it, power button does nothing", TECH, HIGH),
        ("the kiosk crashed for the second time tonight", TECH, HIGH),
        ("le projo s'est éteint pis rallumé pis s'est refermé encore", TECH, HIGH),
        ("le trackman lit mal toutes les balles", TECH, MEDIUM),
    ],
)
async def test_boundary_messages_get_the_rules_category(
    local: LocalClassifier, text: str, category: Category, priority: Priority
) -> None:
    assert_ticket(await decide(local, text), category, priority)


@pytest.mark.parametrize(
    "text",
    [
        "app isn't working at the door, can you unlock it for us?",  # first unlock: the SOP
        "projector in bay 2 won't turn on, can you power cycle it",
        "kiosk is frozen on the welcome screen, reboot it pls",
        "what's the wifi password here?",
        "can we put the hockey game on the lounge tv?",
        "do we grab a bucket of balls or is there a dispenser in the bay?",
        # refunds for a problem that is over are billing
        "can we get a refund, the bay was freezing during our last session",
        "refund please, projector was dim on saturday",
    ],
)
async def test_boundary_near_misses_open_no_ticket(local: LocalClassifier, text: str) -> None:
    assert_no_ticket(await decide(local, text))
