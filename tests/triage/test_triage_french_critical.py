"""French critical reports through the `local` backend (SOP gate, rules and model, policy):
hazards with people present and location-wide outages, written the way New Brunswick
customers write (chiac, missing accents, anglicisms), are `critical`; their near-misses
(a first reset request, a drip, a toilet overflowing in the bathroom, one bay without
power, jokes) are not."""

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
        # flooding: water rising, pouring or spreading
        ("c'est inondé dans le corridor pis y'a du monde dans toutes les baies", FAC),
        ("l'eau monte dans l'entrée, les clients ont les pieds dans l'eau", FAC),
        ("ya un degat deau dans le lobby, ca coule a flot du plafond", FAC),
        ("y'a de l'eau partout dans le lounge pis ça s'en va vers les box", FAC),
        # fire, smoke, burning
        ("y'a le feu dans la poubelle du lobby!!", FAC),
        ("ça boucane en arrière du kiosque pis ça sent le brûlé", TECH),
        ("la rallonge derrière le bar a fondu, ça sent le plastique brûlé", FAC),
        ("l'alarme d'incendie sonne pis y'a de la fumée dans le corridor", FAC),
        # sparks, electrical
        ("ça fait des sparks dans la prise à côté de la box 2", FAC),
        ("des étincelles sortent du luminaire au-dessus de la baie 5", FAC),
        ("ma blonde a pogné un choc électrique en touchant la rampe", FAC),
        # gas, CO
        ("ça sent le gaz en masse dans le corridor", FAC),
        ("le détecteur de CO sonne dans l'entrée", FAC),
        # injury
        ("quelqu'un s'est blessé dans la baie 3, il saigne de la tête", FAC),
        ("mon chum a reçu une balle dans la face, box 1", FAC),
        ("une madame est tombée dans les marches pis elle se relève pas", FAC),
        # ceiling, people trapped
        ("des morceaux du plafond tombent dans la baie 6", FAC),
        ("on est barrés dedans, la porte veut pas ouvrir pour sortir", FAC),
        ("on est pris à l'intérieur de la bâtisse, aidez-nous", FAC),
        # location-wide outages
        ("plus de courant dans toute la place, on est dans le noir", FAC),
        ("pas d'électricité icitte, tout est éteint", FAC),
        ("le courant vient de partir, tout est mort", FAC),
        ("internet est down partout, aucune baie peut se connecter", TECH),
        ("aucun simulateur marche, on a essayé toutes les baies", TECH),
        ("toutes les baies sont mortes en même temps", TECH),
        ("personne est capable de rentrer, le code marche pour personne", TECH),
        # CO going off, water on wiring, glass everywhere, a remote unlock that failed
        ("le détecteur de CO hurle dans le lobby", FAC),
        ("l'eau coule sur les fils électriques au plafond de la baie 2", FAC),
        ("du verre partout dans l'entrée, la vitre de la porte a éclaté", FAC),
        ("la porte débarre toujours pas après votre essai, on attend dehors avec le petit", TECH),
    ],
)
async def test_french_critical_reports_are_critical(
    local: LocalClassifier, text: str, category: Category
) -> None:
    d = await decide(local, text)
    assert d.should_ticket, d.reason
    assert (d.category, d.priority) == (category, CRITICAL), d.reason


@pytest.mark.parametrize(
    "text",
    [
        "le sim est gelé dans la baie 3, pouvez-vous le redémarrer?",  # first request: the SOP
        "l'écran est tout noir dans la box 2, vous pouvez le repartir?",
        "ce swing-là c'est du feu 🔥",  # praise, not a fire
        "t'es en feu à soir mon chum!",
        "mes drives sont en feu aujourd'hui haha",
        "mon ego est blessé après ce slice-là lol",
        "est-ce que vous fermez quand y'a une panne de courant?",
        "on a eu un dégât d'eau chez nous hier, on peut-tu déplacer notre réservation?",
    ],
)
async def test_french_near_misses_open_no_ticket(local: LocalClassifier, text: str) -> None:
    assert_no_ticket(await decide(local, text))


@pytest.mark.parametrize(
    ("text", "category", "priority"),
    [
        ("ça coule un peu sous le lavabo dans la salle de bain des hommes", FAC, HIGH),
        ("y'a une goutte qui coule du plafond dans la box 5, on a mis une chaudière", FAC, HIGH),
        ("la toilette déborde, y'a de l'eau partout dans la salle de bain", FAC, HIGH),
        ("le courant est parti dans la baie 4 seulement, les autres marchent", FAC, HIGH),
        ("y'a un fil dénudé qui traîne par terre dans l'entrée", FAC, HIGH),
        ("le détecteur de fumée bip dans le corridor, je pense que c'est la pile", FAC, MEDIUM),
        ("la tv est morte dans la box 4", TECH, MEDIUM),
        # repeats after a reset, in Quebec French: tech, high
        ("ça plante encore, troisième fois ce soir dans la box 2", TECH, HIGH),
        ("ça fait deux fois que je demande qu'on redémarre la box 3", TECH, HIGH),
        ("le projecteur s'est refermé encore après que vous l'avez rallumé", TECH, HIGH),
        ("deuxième fois que la porte me barre dehors, j'ai fini par rentrer", TECH, HIGH),
    ],
)
async def test_french_problems_short_of_critical_keep_their_priority(
    local: LocalClassifier, text: str, category: Category, priority: Priority
) -> None:
    assert_ticket(await decide(local, text), category, priority)
