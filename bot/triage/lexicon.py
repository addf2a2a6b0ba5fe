"""Phrase and pattern tables of the rules triage, English and French.

Matching runs on normalised text (see `normalize`): lower case, accents stripped, curly
quotes straightened, a few emoji spelled out, and every run of a repeated letter squeezed
to one letter ("frozennnn" -> "frozen", "balls" -> "bals"). Patterns are written in plain
spelling and squeezed the same way when compiled (`rx`), so "pleeease", "ballz" and
"projecter" style typos still meet them.
"""

from __future__ import annotations

import importlib
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from bot.tickets.domain import Category, Priority

# --------------------------------------------------------------------------- normalisation

EMOJI_WORDS: dict[str, str] = {
    "\U0001f976": " freezing cold ",  # cold face
    "\U0001f975": " too hot ",  # hot face
    "\U0001f92e": " vomit ",  # vomiting face
    "\U0001f922": " gross ",  # nauseated face
    "\U0001f4a7": " water ",  # droplet
    "\U0001f4a6": " water ",  # sweat droplets
    "\U0001f6bd": " toilet ",  # toilet
    "\U0001f9ca": " cold ",  # ice
    "\U0001f4a8": " smoke ",  # dash / puff
}

_QUOTES = str.maketrans(
    {"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u201c": '"', "\u201d": '"'}
)
_REPEATS = re.compile(r"([a-z])\1+")
_SPACES = re.compile(r"[ \t\r\f\v]+")
# Words whose squeezed form is another word that matters ("off" -> "of") keep their double
# letter (a NUL splits it from squeezing); patterns spell them `of(?:f)`, `lo(?:o)se`.
_UNSQUEEZED = (
    (re.compile(r"\bof{2,}\b"), "of\x00f"),
    (re.compile(r"\blo{2,}se\b"), "lo\x00ose"),
)


def normalize(text: str) -> str:
    """Lower-case, accent-free, emoji spelled out, repeated letters squeezed."""
    for emoji, words in EMOJI_WORDS.items():
        if emoji in text:
            text = text.replace(emoji, words)
    text = text.translate(_QUOTES)
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.casefold()
    for pattern, kept in _UNSQUEEZED:
        text = pattern.sub(kept, text)
    text = _REPEATS.sub(r"\1", text).replace("\x00", "")
    return _SPACES.sub(" ", text).strip()


_GROUP_OPEN = re.compile(r"\(\?(?:P<\w+>|<=|<!|[:=!])")


def squeeze_pattern(pattern: str) -> str:
    """Squeeze repeated literal letters of a regex the way `normalize` squeezes text."""
    out: list[str] = []
    prev: str | None = None
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            prev = None
            continue
        if ch == "[":
            end = pattern.index("]", i + 2 if pattern.startswith("[^]", i) else i + 1)
            out.append(pattern[i : end + 1])
            i = end + 1
            prev = None
            continue
        if ch == "{":
            end = pattern.index("}", i)
            out.append(pattern[i : end + 1])
            i = end + 1
            prev = None
            continue
        if ch == "(":
            group = _GROUP_OPEN.match(pattern, i)
            if group:
                out.append(group.group())
                i = group.end()
                prev = None
                continue
        if "a" <= ch <= "z":
            if ch == prev:
                i += 1
                continue
            prev = ch
        else:
            prev = None
        out.append(ch)
        i += 1
    return "".join(out)


_sre: Any = importlib.import_module("re._parser")  # the stdlib regex parser (no stubs)
_MIN_NEEDLE = 3


def _needles(items: Any) -> frozenset[str] | None:
    """Strings one of which every match of the parsed regex `items` must contain (None: no
    such guarantee). Sound by construction: only mandatory parts of the regex count."""
    candidates: list[frozenset[str]] = []
    run: list[str] = []

    def flush() -> None:
        if len(run) >= _MIN_NEEDLE:
            candidates.append(frozenset({"".join(run)}))
        run.clear()

    for op, av in items:
        name = str(op)
        if name == "LITERAL":
            run.append(chr(av))
            continue
        flush()
        found: frozenset[str] | None = None
        if name == "SUBPATTERN":
            found = _needles(av[-1])
        elif name == "BRANCH":
            branches = [_needles(branch) for branch in av[1]]
            if all(b is not None for b in branches):
                found = frozenset().union(*(b for b in branches if b is not None))
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT") and av[0] >= 1:
            found = _needles(av[2])
        if found:
            candidates.append(found)
    flush()
    if not candidates:
        return None
    return max(candidates, key=lambda c: (min(len(n) for n in c), -len(c)))


_NEEDLES_BY_TRIGRAM: dict[str, set[str]] = {}  # every pattern's needles, by first 3 letters
_last_seen: tuple[str, frozenset[str]] = ("", frozenset())


def _present(text: str) -> frozenset[str]:
    """The needles (of every pattern) that `text` holds, or a superset of them: the answer
    for the latest whole text also serves its parts (its sentences)."""
    global _last_seen
    seen_text, seen = _last_seen
    if text not in seen_text:
        trigrams = {text[i : i + 3] for i in range(len(text) - 2)}
        seen = frozenset(
            needle
            for trigram in trigrams.intersection(_NEEDLES_BY_TRIGRAM)
            for needle in _NEEDLES_BY_TRIGRAM[trigram]
            if needle in text
        )
        _last_seen = (text, seen)
    return seen


def present(text: str) -> frozenset[str]:
    """Look for every needle in `text` once (before its parts are matched)."""
    return _present(text)


class Rx:
    """A compiled pattern with a cheap pre-check: when the text holds none of the strings
    every match needs, the regex is not run at all (most rules, for most messages)."""

    __slots__ = ("needles", "pattern", "regex")

    def __init__(self, source: str) -> None:
        self.pattern = squeeze_pattern(source)
        self.regex = re.compile(self.pattern)
        self.needles = _needles(_sre.parse(self.pattern))
        for needle in self.needles or ():
            _NEEDLES_BY_TRIGRAM.setdefault(needle[:_MIN_NEEDLE], set()).add(needle)

    def _may_match(self, text: str) -> bool:
        return self.needles is None or not self.needles.isdisjoint(_present(text))

    def search(self, text: str, pos: int = 0, endpos: int | None = None) -> re.Match[str] | None:
        if not self._may_match(text):
            return None
        return self.regex.search(text, pos, len(text) if endpos is None else endpos)

    def match(self, text: str) -> re.Match[str] | None:
        return self.regex.match(text) if self._may_match(text) else None

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        return self.regex.finditer(text) if self._may_match(text) else iter(())


def rx(pattern: str) -> Rx:
    return Rx(pattern)


# --------------------------------------------------------------------------- vocabulary

W = r"[^.!?\n]{0,40}?"  # a short gap inside one sentence
W20 = r"[^.!?\n]{0,20}?"
W60 = r"[^.!?\n]{0,60}?"

BAY_WORD = r"(?:bay|bays|box|boxes|boite|boites|baie|baies)"
SIM = (
    r"(?:sim|sims|simulator|simulators|simulater|simulateur|simulateurs|game|software|course|gspro)"
)
DISPLAY = r"(?:screen|screens|ecran|ecrans|display|picture|image)"
PROJECTOR = r"(?:projector|projectors|projecter|projecteur|projecteurs|projo|proj)"
PC = r"(?:pc|pcs|computer|computers|ordi|ordinateur|ordinateurs)"
TRACKMAN = (
    r"(?:track ?man|trakman|trackmn|launch monitor|launch monitors|sensor|sensors|radar"
    r"|foresight|gc ?quad|uneekor|capteur)"
)
KIOSK = r"(?:kiosk|kiosks|kiosque|check-?in (?:screen|tablet|kiosk)|touch ?screen|tablet|ipad)"
TV = r"(?:tv|tvs|tele|television|telly|side screen)(?! remote| channel)"
AUDIO = r"(?:sound|audio|speaker|speakers|volume|haut-parleurs?|le son|du son|music)"
WIFI = r"(?:wifi|wi-fi|wi fi|guest wifi)"
NETWORK = r"(?:internet|network|reseau|connexion|connection)"
DOOR = r"(?:door|doors|porte|portes|app|code|codes|keypad|lock|access|entry|entrance)"
MAT = r"(?:mat|mats|turf|tapis|hitting mat|putting green|green)"
BALLS = r"(?:golf )?(?:balls?|balz|balles?)"
TEES = r"(?:tees?|tes)"
CLUB = (
    r"(?:clubs?|driver|drivers|putter|putters|irons?|wedges?|woods?|hybrids?|shafts?"
    r"|batons?|fers?)"
)
BATHROOM = (
    r"(?:bathrooms?|washrooms?|restrooms?|toilets?|toilettes?|wc|salle de bain|urinals?|sinks?"
    r"|mens|womens|men's|women's|ladies|lavabo|loo)"
)
HEAT = r"(?:heat|heater|heaters|heating|chauffage|furnace|thermostat)"
AIRCON = r"(?:ac|a/c|air ?con|aircon|air conditioning|air conditioner|clim|climatisation|hvac)"
LIGHTS = r"(?:lights?|lighting|lumieres?|eclairage|bulbs?|ampoules?|light fixture)"
FURNITURE = (
    r"(?:stools?|chairs?|tables?|couch|couches|sofa|bench|benches|seats?|cushions?|shelf|shelves"
    r"|rack|racks|cup ?holders?|chaises?|tabourets?|divan|banc|furniture|hooks?)"
)
POWER = r"(?:power|electricity|courant|electricite|hydro)"

NOT_WORKING = (
    r"(?:not working|isn'?t working|aren'?t working|stopped working|doesn'?t work|don'?t work"
    r"|won'?t work|not work|broken|broke|busted|dead|died|out of order|kaput|not on|of(?:f)"
    r"|ne marche (?:pas|plus)|marche (?:pas|plus)|ne fonctionne (?:pas|plus)"
    r"|fonctionne (?:pas|plus)|en panne|brise|casse)"
)
WONT_TURN_ON = (
    r"(?:won'?t (?:turn|switch|power|come) on|will not turn on|not turning on|doesn'?t turn on"
    r"|isn'?t turning on|won'?t start|won'?t boot|not booting|ne s'allume (?:pas|plus)"
    r"|s'allume (?:pas|plus)|ne demarre (?:pas|plus))"
)
FROZEN = (
    r"(?:froze|frozen|freezes|freezing|freeze|frz|crash|crashed|crashes|crashing|stuck|hung"
    r"|hanging|not responding|unresponsive|locked up|glitch\w*|lagging|laggy|won'?t load"
    r"|wont load|not loading|isn'?t loading|will not load|not load|gele|gelee|fige|figee"
    r"|bloque|bloquee|plante|ne charge pas)"
)

# --------------------------------------------------------------------------- problem rules


@dataclass(frozen=True)
class ProblemRule:
    """One kind of problem: what it is, how bad by default, how to recognise it.

    `sop` names the device whose standard remote procedure covers a first report.
    `wide` is the priority when the report says the whole location is hit.
    `area` problems are not tied to a bay (bathroom, lobby, entry...).
    `excludes` lists weaker readings of the same words that this one replaces.
    """

    key: str
    label: str
    category: Category
    priority: Priority
    patterns: tuple[Rx, ...]
    sop: str | None = None
    wide: Priority | None = None
    area: bool = False
    hazard: bool = False
    firm: bool = False
    lobby: Priority | None = None  # the priority when it is in a common area (lounge, lobby)
    fallback: bool = False  # a vague reading, dropped when any specific problem is found
    excludes: tuple[str, ...] = ()

    @property
    def holds_priority(self) -> bool:
        """Hedges like "not a big deal" do not lower hazards, sanitation or outages."""
        return self.hazard or self.firm


def _rule(
    key: str,
    label: str,
    category: Category,
    priority: Priority,
    *patterns: str,
    sop: str | None = None,
    wide: Priority | None = None,
    area: bool = False,
    hazard: bool = False,
    firm: bool = False,
    lobby: Priority | None = None,
    fallback: bool = False,
    excludes: tuple[str, ...] = (),
) -> ProblemRule:
    return ProblemRule(
        key=key,
        label=label,
        category=category,
        priority=priority,
        patterns=tuple(rx(p) for p in patterns),
        sop=sop,
        wide=wide,
        area=area,
        hazard=hazard,
        firm=firm or key in _FIRM,
        lobby=lobby,
        fallback=fallback,
        excludes=excludes,
    )


# Sanitation, safety and location-wide outages: a hedge never lowers them.
_FIRM = frozenset(
    {
        "vomit",
        "bathroom_dirty",
        "leak",
        "safety",
        "pests",
        "internet_down",
        "power_out",
        "entry_down",
    }
)


FAC, TECH = Category.FACILITIES, Category.TECH
LOW, MED, HIGH, CRIT = Priority.LOW, Priority.MEDIUM, Priority.HIGH, Priority.CRITICAL

# Order matters for ties: among problems of equal priority the earlier rule names the ticket.
RULES: tuple[ProblemRule, ...] = (
    # ---- hazards: critical wherever they are
    _rule(
        "fire",
        "Fire or smoke",
        FAC,
        CRIT,
        r"\b(?:a fire|caught fire|on fire|flames?|smoke(?! (?:detector|alarm))|smoking|smoky|feu"
        r"|incendie|fumee|boucane)\b",
        r"\b(?:fire|smoke) alarms?\b(?![^.!?\n]{0,25}?(?:beep\w*|chirp\w*|battery))",
        r"\b(?:burning (?:smell|plastic|rubber|odou?r|wire)|smel\w* (?:like |of )?(?:burn\w*|smoke)"
        r"|odeur de (?:brule|fumee)|ca brule)",
        hazard=True,
        area=True,
    ),
    _rule(
        "sparks",
        "Sparks / electrical hazard",
        FAC,
        CRIT,
        r"\b(?:sparks?|sparking|sparked|etincel\w*|arcing|electrocut\w*|shocked me|got shocked)\b",
        hazard=True,
    ),
    _rule(
        "gas",
        "Gas smell",
        FAC,
        CRIT,
        r"\b(?:smel\w* (?:of |like )?gas|gas (?:smell|leak)|odeur de gaz)\b",
        hazard=True,
        area=True,
    ),
    _rule(
        "flood",
        "Flooding",
        FAC,
        CRIT,
        r"\b(?:flood\w*|inond\w*|inch(?:es)? deep|ankle deep|standing water|water (?:is )?spreading"
        r"|spreading (?:toward|towards|to|into|across)|water everywhere|water (?:is )?pouring"
        r"|l'eau arrive|degats? d'eau)",
        hazard=True,
        area=True,
        excludes=("leak",),
    ),
    _rule(
        "injury",
        "Injury on site",
        FAC,
        CRIT,
        r"\b(?:got|get|getting|was|been|is|are|got really) (?:badly )?(?:hurt|injured)\b",
        r"\bhurt (?:him|her|them|themself|himself|herself|myself|his|her|my|their)\b",
        r"\bcut (?:his|her|my|their) (?:hand|head|arm|leg|finger|foot|face)\b",
        r"\b(?:bleeding|ambulance|injur\w*|concussion|unconscious|passed out|blesse\w*|saigne)\b",
        r"\b(?:got|was|been) (?:hit|struck) (?:in the|by a|by the)\b",
        hazard=True,
    ),
    # ---- location-wide outages
    _rule(
        "power_bay",
        "No power",
        FAC,
        HIGH,
        rf"\b(?:no|lost) {POWER} (?:in|to|at) (?:the )?{BAY_WORD}\b",
        rf"\b{POWER}(?:'s| is| just| has| went)* (?:out|of(?:f)|down|cut) (?:in|at) {BAY_WORD}\b",
        wide=CRIT,
    ),
    _rule(
        "power_out",
        "Power outage",
        FAC,
        CRIT,
        rf"\b{POWER}(?:'s| is| just| has| went| gone| go| going| must be| seems)* "
        r"(?:out|of(?:f)|down|cut)\b",
        rf"\b(?:no|lost|lost all|pas de|plus de|panne de|plus d') ?{POWER}\b",
        r"\b(?:power outage|blackout|panne (?:de courant|electrique|d'electricite)"
        r"|coupure de courant)\b",
        area=True,
        excludes=("power_bay", "lights_out"),
    ),
    _rule(
        "internet_down",
        "Internet down",
        TECH,
        CRIT,
        rf"\b{NETWORK}(?:'s| is| must be| seems| seems to be| went| just went| has gone"
        rf"| keeps going"
        rf"| has| just| been)* (?:down|out|dead|gone|not working|isn'?t working|stopped working"
        r"|ne (?:marche|fonctionne) (?:plus|pas)|marche (?:plus|pas)|en panne|coupe)",
        rf"\b(?:no|lost|lost the|pas d'|plus d'|pas de|plus de|sans) ?{NETWORK}\b",
        area=True,
        excludes=("wifi_down", "wifi_slow"),
    ),
    _rule(
        "wifi_down",
        "Wi-Fi down",
        TECH,
        MED,
        rf"\b{WIFI}(?:'s| is| must be| seems| went| just went| has gone| keeps going| has| just"
        rf"| been| in the \w+(?: is)?)* (?:down|out|dead|gone|not working|isn'?t working"
        rf"|stopped working"
        r"|ne (?:marche|fonctionne) (?:plus|pas)|marche (?:plus|pas)|en panne|coupe)",
        rf"\b(?:no|lost|lost the|pas de|plus de) {WIFI}\b",
        wide=CRIT,
        area=True,
        excludes=("wifi_slow",),
    ),
    _rule(
        "entry_down",
        "Door access down: nobody can get in",
        TECH,
        CRIT,
        r"\b(?:nobody|no one|noone|no-one|none of us|personne)(?: else)? (?:can|could|is able to"
        r"|can'?t|peut|ne peut)?(?: even)? ?(?:get|getting|go|come)? ?(?:in|inside|entrer"
        r"|rentrer)\b",
        rf"\b{DOOR}\w*{W}(?:for|pour) (?:anyone|anybody|everyone|any of us|all of us|all \d+ of us"
        r"|tout le monde|personne)\b",
        area=True,
        excludes=("door_locked",),
    ),
    # ---- tech: bay devices with a remote procedure (SOP) for a first report
    _rule(
        "pc_down",
        "Bay PC stuck",
        TECH,
        HIGH,
        rf"\b{PC}\b{W}(?:{FROZEN}|{WONT_TURN_ON}|blue screen|black screen|won'?t boot|not booting"
        r"|boot loop|keeps restarting|restarting|rebooting)",
        rf"\b(?:restart|reboot|reset|redemarrer|redemarer)\w* (?:the |my |our |le |l')?{PC}\b",
        sop="pc",
        wide=CRIT,
        excludes=("sim_frozen",),
    ),
    _rule(
        "projector_down",
        "Projector not showing a picture",
        TECH,
        HIGH,
        rf"\b{PROJECTOR}\b{W}(?:{WONT_TURN_ON}|no picture|no image|not working|isn'?t working"
        r"|black|blank|dead|of(?:f)|nothing)",
        rf"\b{DISPLAY}\b{W20}(?:just |all |completely |totally |went |is |'s |gone )*(?:black"
        rf"|blank|dark)\b",
        r"\b(?:no picture|no image|pas d'image|ecran noir)\b",
        rf"\b(?:{DISPLAY}|{PROJECTOR})\b{W}(?:no signal|no input|blue screen|went blue|turned blue"
        r"|pas de signal)",
        rf"\b(?:{BAY_WORD}|{SIM}|everything|all)\b{W20}\b(?:went|gone|go|goes|turned) "
        r"(?:\w+ )?(?:black|dark|blank)\b",
        sop="projector",
        wide=CRIT,
    ),
    _rule(
        "trackman_down",
        "Launch monitor not reading",
        TECH,
        HIGH,
        rf"\b{TRACKMAN}\b{W}(?:not reading|isn'?t reading|not picking|isn'?t picking|won'?t pick"
        r"|not detecting|isn'?t detecting|no ball detected|not registering|isn'?t registering"
        r"|not tracking|doesn'?t read|not working|isn'?t working|offline|no data|dead"
        r"|ne lit pas|lit pas|ne detecte pas|detecte pas|ne capte pas|capte pas|ne marche pas"
        r"|marche pas|ne fonctionne pas|fonctionne pas)",
        r"\b(?:not|isn'?t|wont|won'?t|doesn'?t|stopped) (?:picking up|reading|registering|detecting"
        r"|tracking|pick up|read|register|detect|track) (?:my |any |the |our |his |her )?"
        r"(?:shots?|balls?|swings?|putts?|hits?)\b",
        r"\bno ball detected\b",
        r"\b(?:not|isn'?t|aren'?t|never) (?:being |getting )?(?:picked up|read|registered|detected"
        r"|tracked)\b",
        sop="trackman",
        wide=CRIT,
    ),
    _rule(
        "kiosk_down",
        "Kiosk frozen",
        TECH,
        HIGH,
        rf"\b{KIOSK}\b{W}(?:{FROZEN}|{WONT_TURN_ON}|black|blank|offline|dead|not working"
        r"|isn'?t working)",
        sop="kiosk",
        area=True,
        excludes=("kiosk_slow",),
    ),
    _rule(
        "door_locked",
        "Door won't open",
        TECH,
        HIGH,
        rf"\b{DOOR}\b{W}(?:won'?t open|wont open|doesn'?t open|not opening|isn'?t opening"
        r"|won'?t unlock|not unlocking|isn'?t unlocking|not working|isn'?t working|doesn'?t work"
        r"|spinning|error|locked|barree|barre|verrouille\w*|marche pas|fonctionne pas"
        r"|ne s'ouvre pas|s'ouvre pas|rejected|declined|invalid)",
        r"\b(?:can'?t|cannot|can not|unable to|couldn'?t|not able to|can'?t even) "
        r"(?:get|come|go) ?(?:in|inside)\b",
        r"\b(?:locked (?:out|outside)|let (?:me|us|them) in|(?:stuck|waiting|standing) outside"
        r"|still locked|door(?:'s| is) locked)\b",
        r"\b(?:ouvrir la porte|nous ouvrir|m'ouvrir|peux pas entrer|pouvons pas entrer"
        r"|peut pas entrer|on est dehors|toujours dehors|bloques? dehors|barre dehors)\b",
        sop="door_controller",
        wide=CRIT,
        area=True,
    ),
    _rule(
        "sim_frozen",
        "Sim frozen",
        TECH,
        HIGH,
        rf"\b(?:{SIM}|{DISPLAY})\b{W}(?:{FROZEN}|{WONT_TURN_ON})",
        rf"\b{FROZEN}\b{W20}\b(?:{SIM})\b",
        r"\b(?:froze|frozen|crashed|crashing|crashes|refroze|planté|gelé)\b",
        r"\bkeeps? (?:freezing|crashing)\b",
        r"\bnothing(?:'s| is)? (?:loading|loads|works|working|responding)\b",
        rf"\b(?:{BAY_WORD}|it|its|it's|everything|everything's)\b{W20}\b(?:froze|frozen|crashed"
        r"|stuck|not loading|won'?t load)\b",
        sop="pc",
        wide=CRIT,
    ),
    _rule(
        "bay_down",
        "Bay not working",
        TECH,
        HIGH,
        rf"\b{BAY_WORD} ?#?\d{{1,2}}(?:'s| is| just| has)* (?:{NOT_WORKING}|down|unusable"
        r"|not usable)\b",
        sop="pc",
        wide=CRIT,
        fallback=True,
    ),
    _rule(
        "wide_outage",
        "All bays down",
        TECH,
        CRIT,
        r"\b(?:all|every|each)(?: \d+)?(?: of)?(?: the| our)? ?(?:bays|boxes|sims|screens"
        r"|simulators|pcs"
        r"|computers|baies|simulateurs)\b[^.!?\n]{0,20}?(?:are |is |r |just |went |have )*(?:down"
        r"|dead"
        r"|out|not working|broken|frozen|black|of(?:f)|crashed|offline|en panne)\b",
        r"\b(?:none of the|aucun\w* des|aucun\w* de nos)(?: \d+)? ?(?:bays|boxes|sims|screens"
        r"|simulators|pcs|computers|baies|simulateurs|ecrans)\b[^.!?\n]{0,20}?(?:work|load|turn on"
        r"|start|fonctionn\w*|marche\w*)",
        area=True,
        fallback=True,
    ),
    # ---- tech: degraded equipment
    _rule(
        "trackman_misread",
        "Launch monitor misreading",
        TECH,
        MED,
        r"\b(?:reading|reads|showing|shows|registering|registers|measuring|giving|gives|says|said)"
        r" (?:every|all|each|my|the|our|all my|all the)? ?(?:shots?|putts?|drives?|clubs?|swings?"
        r"|balls?|numbers?|distances?|yardages?|carry|irons?)\b"
        r"[^.!?\n]{0,40}?(?:short|long|wrong|way of(?:f)|of(?:f)|inaccurate|shanks?|hooks?|slices?"
        r"|zero"
        r"|\d+ ?(?:ft|feet|yds?|yards|m)\b)",
        r"\b(?:distances?|yardages?|numbers|readings|carry|spin|ball speed|club speed|launch angle)"
        r"[^.!?\n]{0,25}?(?:wrong|way of(?:f)|of(?:f)|short|inaccurate|not accurate|crazy|weird"
        r"|bogus"
        r"|messed up|all over the place)\b",
        rf"\b{TRACKMAN}\b{W}(?:misread\w*|inaccurate|not accurate|wrong|way of(?:f)|of(?:f) by"
        rf"|weird"
        r"|calibrat\w*)",
    ),
    _rule(
        "projector_dim",
        "Projector dim",
        TECH,
        MED,
        rf"\b(?:{PROJECTOR}|{DISPLAY}|lamp|bulb)\b{W}(?:dim|dimmer|dark|faint|pale|washed out"
        r"|washed-out|sombre|faible|too dark|not bright)\b",
        sop=None,
        excludes=("projector_down",),
    ),
    _rule(
        "projector_blurry",
        "Projector blurry",
        TECH,
        MED,
        rf"\b(?:{PROJECTOR}|{DISPLAY})\b{W}(?:blurry|blurred|blury|fuzzy|out of focus|flou|floue"
        r"|not sharp|doubled|double image)\b",
    ),
    _rule(
        "projector_flicker",
        "Projector flickering",
        TECH,
        MED,
        rf"\b(?:{PROJECTOR}|{DISPLAY})\b{W}(?:flicker\w*|flashing|blinking|clignot\w*|cutting out"
        r"|turns? of(?:f) (?:and|then) on|on and of(?:f))",
        excludes=("projector_down",),  # flickering "on and off" still shows a picture
    ),
    _rule(
        "projector_colour",
        "Projector colours off",
        TECH,
        MED,
        rf"\b(?:{PROJECTOR}|{DISPLAY})\b{W}(?:colou?rs? (?:are |is |look )?(?:of(?:f)|weird|wrong)"
        r"|(?:green|pink|purple|yellow|red|blue|orange)(?:ish)? (?:tint|tinge|cast)|tinted"
        r"|discolou?r\w*|couleurs?)",
    ),
    _rule(
        "projector_alignment",
        "Projector image misaligned",
        TECH,
        MED,
        rf"\b(?:{PROJECTOR}|{DISPLAY})\b{W}(?:misaligned|not aligned|of(?:f) cent(?:er|re)|crooked"
        r"|cut of(?:f)|shifted|too small|shaking|upside down|mal aligne|tilted|knocked|pointing)",
    ),
    _rule(
        "tv_dead",
        "Side TV dead",
        TECH,
        MED,
        rf"\b{TV}\b{W}(?:{WONT_TURN_ON}|{NOT_WORKING}|no signal|no input|no picture|black|blank"
        r"|won'?t come on|not coming on|smashed|shattered)",
        rf"\b(?:smashed|shattered|broke|destroyed) (?:the |a |our )?{TV}\b",
        lobby=LOW,
        excludes=("tv_defect",),
    ),
    _rule(
        "audio",
        "No sound",
        TECH,
        MED,
        r"\b(?:no|pas de|zero|without) (?:sound|audio|volume)\b",
        rf"\b{AUDIO}\b{W}(?:{NOT_WORKING}|out|crackl\w*|static|buzz\w*|distort\w*|blown|cutting out"
        r"|too loud|stuck|muted|won'?t)",
        r"\b(?:silent|muet|muets)\b",
        r"\b(?:can'?t|cannot|can not) hear (?:anything|the)\b",
        lobby=LOW,
    ),
    _rule(
        "kiosk_slow",
        "Kiosk touchscreen unreliable",
        TECH,
        MED,
        rf"\b{KIOSK}\b{W}(?:slow|laggy|lag|takes (?:like |about )?(?:\d+|a few|several|multiple) "
        r"(?:taps|tries|presses)|takes forever|unresponsive|not registering|doesn'?t register"
        r"|hard to use|sticky|glitchy|unreliable|cracked|not responding)",
    ),
    _rule(
        "tv_defect",
        "TV display defect",
        TECH,
        LOW,
        rf"\b{TV}\b{W}(?:lines?|spots?|dead pixels?|pixels?|scratch\w*|crack\w*|flicker\w*"
        r"|colou?rs? (?:are )?of(?:f)|tint)\b",
    ),
    _rule(
        "wifi_slow",
        "Wi-Fi slow",
        TECH,
        LOW,
        rf"\b(?:{WIFI}|{NETWORK})\b{W}(?:slow|spotty|laggy|weak|keeps dropping|drops|dropping"
        r"|cutting out|intermittent|lent|lente)",
    ),
    # ---- facilities
    _rule(
        "vomit",
        "Vomit to clean up",
        FAC,
        HIGH,
        r"\b(?:puke|puked|puking|vomit\w*|vomi|vomissure|threw up|throw up|thrown up"
        r"|(?:was|been|got) sick|sick (?:all over|everywhere|on the floor))\b",
        excludes=("bathroom_dirty",),
        area=True,
    ),
    _rule(
        "bathroom_dirty",
        "Bathroom dirty",
        FAC,
        HIGH,
        rf"\b{BATHROOM}\b{W60}(?:dirty|disgusting|gross|filthy|nasty|smells?|stinks?|stinky"
        r"|sale|degueulasse|degueu|malpropre|pee|urine|poop|shit|clogged|clog|blocked|backed up"
        r"|overflow\w*|won'?t flush|wont flush|doesn'?t flush|not flushing|bouche\w*|deborde\w*"
        r"|a mess|messy)\b",
        rf"\b(?:dirty|disgusting|gross|filthy|nasty|clogged|overflowing|blocked|degueulasse|sale)"
        rf"\b{W}\b{BATHROOM}\b",
        area=True,
    ),
    _rule(
        "bathroom_supplies",
        "Bathroom supplies out",
        FAC,
        MED,
        r"\b(?:no|out of|ran out|run out|empty|missing|pas de|plus de|manque|without|any) "
        r"(?:\w+ ){0,3}?(?:soap|toilet paper|tp|paper towels?|hand towels?|towels"
        r"|papier (?:de toilette|toilette|hygienique)|savon|essuie-mains)\b",
        r"\b(?:soap|toilet paper|tp|paper towels?|savon|papier de toilette|papier toilette)\b"
        r"[^.!?\n]{0,25}?(?:ran out|runs out|is out|are out|empty|gone|finished|vide)\b",
        area=True,
    ),
    _rule(
        "impact_screen",
        "Impact screen torn",
        FAC,
        HIGH,
        rf"\b(?:impact )?(?:screen|ecran|net|netting|toile|filet)\b{W}(?:tear|tears|torn|tore|rip"
        rf"|ripped|hole"
        r"|holes|slit|gash|split|dechire\w*|trou\w*|coming of(?:f)|came of(?:f)|fell down"
        r"|falling down"
        r"|detached|sagging|came lo(?:o)se|coming lo(?:o)se)\b",
        r"\b(?:tear|rip|hole|gash|slit|trou)s? (?:in|on|down|through) (?:the )?(?:impact )?"
        r"(?:screen|net)\b",
        rf"\b{BALLS}{W}(?:going|go|goes|went|passent|passing|passe|fly|flying) (?:right "
        rf"|straight )?"
        r"(?:thru|through|a travers|behind|past) ",
        excludes=("projector_down", "projector_dim", "sim_frozen"),
    ),
    _rule(
        "mat_torn",
        "Hitting mat torn",
        FAC,
        MED,
        rf"\b{MAT}\b{W}(?:tear|torn|tore|rip|ripped|hole|worn|worn out|coming up|lifting|peeling"
        r"|curling|lo(?:o)se|split|dechire\w*|trou\w*|bunched|bald|sliding|slides|moving)",
        rf"\b(?:tear|rip|hole|trou)s? (?:in|on) (?:the )?{MAT}\b",
    ),
    _rule(
        "ball_dispenser",
        "Ball dispenser jammed",
        FAC,
        MED,
        r"\b(?:ball )?(?:tray|dispenser|feeder|bucket|bac)\b[^.!?\n]{0,20}?(?:jammed|jam|stuck"
        r"|clogged"
        r"|bloque|coince)",
        rf"\b{BALLS} (?:won'?t|don'?t|aren'?t|are not|will not|do not) (?:come|coming|roll|rolling)"
        r" (?:out|down)\b",
    ),
    _rule(
        "balls_out",
        "No balls",
        FAC,
        MED,
        rf"\b(?:no|out of|ran out of|run out of|running out of|need more|needs more|missing"
        rf"|empty of"
        rf"|plus de|pas de|manque de|manque des|il manque des|more|any more|zero) (?:\w+ ){{0,2}}?"
        rf"{BALLS}(?! (?:go|going|went|are going))\b",
        rf"\b{BALLS}\b{W20}(?:empty|gone|missing|ran out|all gone|none left|running low|used up)\b",
        r"\b(?:ball )?(?:tray|bucket|bin|basket|dispenser|bac)(?:'s)?\b[^.!?\n]{0,15}?"
        r"(?:empty|vide)\b",
        rf"\b(?:can'?t|cannot|couldn'?t) find (?:any |the |more )?{BALLS}\b",
    ),
    _rule(
        "tees_out",
        "No tees",
        FAC,
        MED,
        rf"\b(?:no|out of|ran out of|run out of|need more|missing|plus de|pas de|manque de"
        rf"|manque des|il manque des|more|any more|zero) (?:\w+ ){{0,2}}?{TEES}\b",
        rf"\b(?:the )?{TEES}\b{W}(?:broken|gone|missing|snapped|all broken|empty|used up)\b",
        rf"\b(?:can'?t|cannot|couldn'?t) find (?:any |the |more )?{TEES}\b",
    ),
    _rule(
        "clubs",
        "Clubs missing or broken",
        FAC,
        MED,
        r"\b(?:no|missing|out of|pas de|plus de) (?:\w+ ){0,2}?(?:clubs|batons)\b",
        r"\b(?:club|clubs|rack)\b[^.!?\n]{0,25}?(?:is |are )?(?:empty|vide|gone)\b",
        rf"\b{CLUB}\b{W}(?:broken|broke|bent|cracked|snapped|lo(?:o)se|rattl\w*|came of(?:f)"
        rf"|fell of(?:f)"
        r"|split|missing (?:a |the )?grip|casse\w*|brise\w*)",
        rf"\b(?:broken|bent|cracked|snapped) (?:\w+ ){{0,2}}?{CLUB}\b",
        rf"\b(?:the|a|our|any) {CLUB}\b{W20}(?:is |are |'s )?(?:missing|gone|not there)\b",
    ),
    _rule(
        "heater",
        "Heater not working",
        FAC,
        MED,
        rf"\b{HEAT}\b{W20}(?:{NOT_WORKING}|out|won'?t|stopped|not on|isn'?t on|seems of(?:f))",
        rf"\b(?:no|pas de|plus de) {HEAT}\b",
    ),
    _rule(
        "too_cold",
        "Bay too cold",
        FAC,
        MED,
        r"\b(?:freezing (?:cold|in here|in the|here|inside)|freezing$|(?:so|really|too|very|super"
        r"|fucking|freaking) cold|cold af|ice ?box|icebox|froid|on gele|je gele|ca gele|glacial"
        r"|frigo|chilly(?! out)|(?:kinda|a bit|bit|a little|pretty|quite) cold(?! out)"
        r"|cold in (?:here|the|bay"
        r"|box))\b",
        r"\b(?:it'?s|its|we'?re|were|we are|i'?m|im) freezing\b(?![^.!?\n]{0,25}?out ?(?:here"
        r"|side))",
        excludes=("heater",),
    ),
    _rule(
        "too_hot",
        "AC not working / too hot",
        FAC,
        MED,
        rf"\b{AIRCON}\b{W}(?:{NOT_WORKING}|busted|stuck|blasting|too (?:cold|high|low|strong)"
        r"|won'?t|can'?t|of(?:f)|out)",
        r"\b(?:too hot|so hot|really hot|super hot|boiling|sweating|sauna|\d\d ?degrees|hot af"
        r"|trop chaud|creve de chaud|on cuit|fait chaud)\b",
    ),
    _rule(
        "leak",
        "Water leak",
        FAC,
        HIGH,
        r"\b(?:leak\w*|drip\w*|fuite\w*|coule\w*|puddles?|flaques?)\b",
        r"\bwater (?:coming|pouring|dripping|leaking|on the floor|under)\b",
        r"\b(?:ceiling|plafond)\b[^.!?\n]{0,25}?(?:wet|water|eau)\b",
    ),
    _rule(
        "safety",
        "Safety hazard",
        FAC,
        HIGH,
        r"\b(?:trip hazard|tripping hazard|can trip|could trip|might trip|will trip|trip on it"
        r"|slip hazard|slippery|dangerous|hazard|unsafe|exposed wires?|live wires?|broken glass"
        r"|glass (?:everywhere|all over|on the floor)|verre (?:casse|brise)|fils? (?:denudes?"
        r"|exposes?)"
        r"|dangereux"
        r"|someone (?:could|will|might|is going to) (?:get hurt|fall|trip))\b",
    ),
    _rule(
        "pests",
        "Pests",
        FAC,
        HIGH,
        r"\b(?:mouse|mice|rats?|cockroach\w*|roach\w*|bed ?bugs?|souris|coquerelles?|cafards?)\b",
        area=True,
    ),
    _rule(
        "lights_out",
        "Lights out",
        FAC,
        MED,
        rf"\b{LIGHTS}\b{W20}(?:not working|isn'?t working|aren'?t working|stopped working|broken"
        r"|busted|dead|died|out|burnt|burned|blown|gone|won'?t (?:turn|come|switch) on"
        r"|not turning on"
        r"|ne (?:marche|fonctionne|s'allume) (?:pas|plus)|eteint\w* et|brule\w*|en panne)",
        rf"\b(?:no|pas de) {LIGHTS}\b",
        r"\b(?:pitch black|dans le noir|noir total)\b",
        area=True,
    ),
    _rule(
        "door_physical",
        "Door physically broken",
        FAC,
        MED,
        r"\b(?:door|porte)\b[^.!?\n]{0,30}?(?:handle|hinge|latch|knob|poignee|closer|frame)\b"
        r"[^.!?\n]{0,30}?(?:broken|broke|lo(?:o)se|wobbl\w*|of(?:f)|stuck|fell|falling|cracked"
        r"|casse\w*)",
        r"\b(?:door|porte)\b[^.!?\n]{0,30}?(?:won'?t (?:close|latch|shut)|doesn'?t (?:close|latch)"
        r"|stuck open|of(?:f) (?:its|the) hinges?|ne ferme pas|ferme pas|ne ferme plus)",
        r"\b(?:door|porte)(?:'s| is| est)? (?:brise\w*|casse\w*|broken|busted|damaged"
        r"|endommage\w*)",
        area=True,
    ),
    _rule(
        "security",
        "Security concern",
        FAC,
        HIGH,
        r"\b(?:break-?in|broke in|broken into|intruders?|vandal\w*|trespass\w*|someone (?:is )?"
        r"sleeping|(?:broken|smashed|cracked) (?:window|glass door)|window (?:is |got |was )?"
        r"(?:broken|smashed|cracked)|broke (?:the|a) window|(?:door|porte) (?:was |is |left )?"
        r"(?:wide )?open (?:when|all night|overnight)|propped open|(?:was|been"
        r"|got) left (?:wide )?open"
        r"|left unlocked|was unlocked when)\b",
        area=True,
    ),
    _rule(
        "alarm",
        "Alarm going off",
        FAC,
        HIGH,
        r"\b(?:alarm|alarme)s?\b[^.!?\n]{0,20}?(?:going off|went off|goes off|ringing|sounding"
        r"|blaring|won'?t stop|sonne)",
        area=True,
        excludes=("smoke_detector",),
    ),
    _rule(
        "smoke_detector",
        "Smoke detector beeping",
        FAC,
        MED,
        r"\b(?:smoke|fire|co) (?:detector|alarm)s?\b[^.!?\n]{0,25}?(?:beep\w*|chirp\w*|battery)",
        area=True,
    ),
    _rule(
        "plumbing",
        "Plumbing problem",
        FAC,
        MED,
        r"\b(?:no|pas d'|plus d') ?(?:hot |running |cold )?(?:water|eau)\b(?! (?:in the )?"
        r"(?:cooler|fountain|bottle))",
        r"\b(?:won'?t|doesn'?t|does not|will not) stop running\b|\brunning (?:nonstop|non-stop"
        r"|constantly|all the time|non stop)\b",
        r"\b(?:faucet|tap|flush|water fountain|fountain)\b[^.!?\n]{0,20}?"
        rf"{NOT_WORKING}",
        area=True,
    ),
    _rule(
        "amenity",
        "Amenity broken",
        FAC,
        LOW,
        r"\b(?:hand dryers?|dryers?|paper towel dispenser|soap dispenser|mirror|coat rack"
        rf"|vending machine|fridge|microwave)\b{W20}(?:{NOT_WORKING}|smashed|cracked|jammed)",
        area=True,
    ),
    _rule(
        "mess",
        "Mess to clean up",
        FAC,
        MED,
        r"\b(?:spill\w*|spilt|sticky floor|floor is sticky|(?:left|made) (?:a |such a |a huge "
        r"|a big )?"
        r"mess|(?:garbage|trash|cans|bottles|food) (?:all over|everywhere)|(?:is |'s )(?:really "
        r"|so )?"
        r"(?:dirty|filthy)|c'est (?:tres |vraiment )?(?:sale|degueulasse)|broken glass)\b",
    ),
    _rule(
        "sim_error",
        "Sim software error",
        TECH,
        MED,
        rf"\b{SIM}\b{W}(?:error|license|licence|expired|activation|asking for (?:a )?(?:login"
        r"|password)|asks for (?:a )?(?:login|password)|updat\w*|sign ?in|log ?in|won'?t let)",
    ),
    _rule(
        "hvac_noise",
        "HVAC noisy",
        FAC,
        LOW,
        rf"\b(?:{AIRCON}|{HEAT}|fan|fans|vent|vents)\b{W20}(?:loud|noisy|rattl\w*|squeal\w*"
        r"|grind\w*|banging|humming|bruyant)",
    ),
    _rule(
        "furniture",
        "Furniture broken",
        FAC,
        MED,
        rf"\b{FURNITURE}\b{W}(?:broken|broke|snapped|collapsed|cracked|fell|falling apart"
        r"|missing (?:a )?leg|casse\w*|brise\w*|fell over|tipped over)",
        r"\bhole in the (?:wall|ceiling|floor|door)\b",
    ),
    _rule(
        "bad_smell",
        "Bad smell",
        FAC,
        MED,
        r"\b(?:smel\w* (?:bad|awful|terrible|horrible|like (?:pee|piss|sewage|garbage|rotten))"
        r"|stinks|reeks|sewage|odeur)\b",
        area=True,
    ),
    _rule(
        "light_flicker",
        "Light flickering",
        FAC,
        LOW,
        rf"\b{LIGHTS}\b{W}(?:flicker\w*|buzz\w*|blinking|clignot\w*|dim)",
        area=True,
    ),
    _rule(
        "furniture_minor",
        "Furniture worn",
        FAC,
        LOW,
        rf"\b{FURNITURE}\b{W}(?:wobbl\w*|lo(?:o)se|ripped|torn|rip|squeak\w*|sticky|uneven|wonky"
        r"|bancal|branl\w*|tear)",
        r"\b(?:door|porte)\b[^.!?\n]{0,30}?(?:handle|hinge|knob|poignee)\b[^.!?\n]{0,20}?"
        r"(?:lo(?:o)se|wobbl\w*|squeak\w*)",
    ),
    _rule(
        "remote",
        "TV remote missing or dead",
        FAC,
        LOW,
        r"\bremotes?\b[^.!?\n]{0,20}?(?:missing|gone|broken|not working|dead|batter\w*|lost)",
        r"\b(?:no|missing|can'?t find (?:the|a)) (?:tv )?remote\b",
    ),
    _rule(
        "trash",
        "Garbage full",
        FAC,
        LOW,
        r"\b(?:garbage|trash|bin|poubelles?)\b[^.!?\n]{0,20}?(?:full|overflowing|pleine)\b",
        area=True,
    ),
    _rule(
        "cosmetic",
        "Cosmetic damage",
        FAC,
        LOW,
        r"\b(?:scuff\w*|scratch\w*|black marks|marks (?:on|all over)|stain\w*|smudge\w*|dent\w*"
        r"|chipped|graffiti|taches?|paint (?:is )?peeling)\b",
    ),
)

RULES_BY_KEY: dict[str, ProblemRule] = {rule.key: rule for rule in RULES}
RULE_ORDER: dict[str, int] = {rule.key: index for index, rule in enumerate(RULES)}


def _needle_index(rules: tuple[ProblemRule, ...]) -> tuple[frozenset[str], dict[str, set[str]]]:
    """Rules that must always be tried, and needle -> rules that need it."""
    always = frozenset(r.key for r in rules if any(p.needles is None for p in r.patterns))
    by_needle: dict[str, set[str]] = {}
    for rule in rules:
        for pattern in rule.patterns:
            for needle in pattern.needles or ():
                by_needle.setdefault(needle, set()).add(rule.key)
    return always, by_needle


_RULES_ALWAYS, _RULES_BY_NEEDLE = _needle_index(RULES)


def candidate_rules(text: str) -> list[ProblemRule]:
    """The rules that can match `text` (in table order): the others lack every needle."""
    keys = set(_RULES_ALWAYS)
    for needle in _present(text):
        keys.update(_RULES_BY_NEEDLE.get(needle, ()))
    return [rule for rule in RULES if rule.key in keys]


# --------------------------------------------------------------------------- markers

# The report says the whole location is hit (an outage in several bays at once).
WIDE = rx(
    r"\b(?:(?:all|every|each)(?: of)?(?: the| our)?(?: single| one of the)? ?(?:\d+ )?"
    r"(?:bays|boxes|sims|simulators|screens|pcs|computers|projectors|baies|simulateurs)"
    r"|(?:every|each) (?:single )?(?:bay|box|sim|simulator|screen)"
    r"|(?:whole|entire) (?:place|building|location|facility|club|site|store|spot|thing)"
    r"|none of the (?:\d+ )?(?:bays|sims|boxes|screens|pcs|simulators)"
    r"|no bays? (?:work|works|are working|is working)"
    r"|(?:toutes|tous) les (?:baies|simulateurs|ecrans|boites|box)"
    r"|aucun\w* (?:des |de )?(?:baies|baie|simulateurs?|ecrans?|boites?)"
    r"|tout l'etablissement|toute la place|all \d+ (?:of them|stuck|are|down|dead|frozen)"
    r"|every single (?:one|sim|bay|screen)|all at once|at the same time|none of them"
    r"|(?:went|go|gone|all) (?:\w+ )?(?:black|down|dead|frozen) at once"
    r"|everyone'?s? (?:stuck|standing|waiting|locked))"
)
# The problem is in a common area, not in a bay.
COMMON_AREA = rx(
    r"\b(?:lobby|lounge|front|entrance|entry|waiting area|hallway|hall|reception|foyer|accueil"
    r"|salon|parking)\b"
)
# An explicit ask to escalate to a person (beyond the remote procedure).
ESCALATE = rx(
    r"\b(?:escalat\w*|send (?:someone|somebody|a tech|a person|help)|need (?:someone|somebody"
    r"|a tech|a person) to (?:come|look|fix|check)|someone (?:needs to|should|has to|must) "
    r"(?:come|look|fix|check)|(?:actually|really|properly) (?:come )?fix|come (?:and )?fix"
    r"|get (?:someone|a tech|a technician)|(?:envoyer|envoyez) quelqu'un|quelqu'un (?:peut|doit)"
    r" (?:venir|passer)|technician)\b"
)
# A remote fix was already tried, or the failure keeps coming back.
REPEAT = rx(
    r"\b(?:still\b[^.!?,]{0,15}?\b(?:not|no|nothing|nada|frozen|froze|freezing|stuck|black|blank"
    r"|dead|broken|down|crash\w*|locked|can'?t|cant|won'?t|wont|isn'?t|isnt|doesn'?t|doesnt"
    r"|same|of(?:f)|loading|spinning|error|out|outside)\b"
    r"|(?:froze|frozen|freez\w*|crash\w*|stuck|down|dead|died|black|broke|broken|locked|not "
    r"(?:working|reading|loading)|same|happening|glitch\w*)\b[^.!?]{0,25}?\bagain\b"
    r"|^\W*again\b|\bagain\b[^.!?]{0,12}?\b(?:froze|frozen|crash\w*|stuck|dead|black|down)"
    r"|twice|2x|3x|4x|(?:two|three|four|five|several|multiple|many|a few|a couple of|\d+) times"
    r"|(?:second|2nd|third|3rd|fourth|4th|fifth|5th|\d+th|nth|another|one more) time"
    r"|(?:deux|trois|quatre|plusieurs|\d+) fois|(?:deuxieme|troisieme|2e|3e|2eme|3eme) fois"
    r"|already (?:tried|reset|restarted|rebooted|did|done|power ?cycled|turned|unlocked|had)"
    r"|nothing changed|no change|didn'?t (?:work|help|fix|change|do anything)|did nothing"
    r"|same (?:thing|problem|issue) (?:again|as before|still)|no difference|not fixed"
    r"|keeps? (?:freezing|crashing|dying|going down|locking|disconnecting|restarting|rebooting"
    r"|happening|doing (?:it|this|that))"
    r"|(?:encore|toujours|de nouveau|a nouveau) (?:gele|fige|plante|bloque|barre|en panne|noir"
    r"|pas|rien|dehors)|(?:gele|fige|plante|bloque) (?:encore|de nouveau|a nouveau)"
    r"|deja (?:essaye|redemarre|reset|fait|reinitialise)|vous avez deja|rien (?:n'a )?change"
    r"|et rien|ca n'a rien change|toujours pas)\b"
)
# Short answers that continue an earlier report in the thread ("nope", "same").
CONTINUE = rx(
    r"^\W*(?:nope|nah|no (?:it'?s |its )?(?:still|not)|not working|same|still|non ca marche pas"
    r"|toujours pas)\b"
)
# The problem is somewhere else than the venue ("a leak in my basement").
ELSEWHERE = rx(
    r"\b(?:(?:my|our) (?:house|home|basement|car|apartment|condo|office|garage|kitchen|work)"
    r"|at home|chez (?:moi|nous))\b"
)
# A question about how things are, not a report ("is it cold in the bays in winter?").
QUESTION = rx(
    r"^\W*(?:is it|is there|are there|are the|are your|do you|do they|does the|does it|will it"
    r"|would it|how (?:do|does|cold|hot|long)|est-ce que)\b[^.!?\n]*\?"
)
# Reads as a hypothetical or a question about what would happen.
HYPOTHETICAL = rx(r"\b(?:if|what if|in case|whenever|si jamais|au cas)\b")
# Billing, bookings and other non-facility requests.
BILLING = rx(
    r"\b(?:refund\w*|reimburs\w*|charged|charge me|credit|discount|partial|money back|receipt"
    r"|invoice|membership|subscription|gift ?cards?|price|pricing|how much|booking|book|reserve"
    r"|reservation|cancel\w*|rembours\w*|combien|prix|tarif|abonnement|carte cadeau|paiement"
    r"|payment|declined|comp(?:ed)? (?:me|us))\b"
)
# The problem happened before and is over (for billing follow-ups).
PAST = rx(
    r"\b(?:last (?:night|week|time|weekend|visit)|yesterday|earlier|the other day|before (?:u|you"
    r"|they|someone) (?:reset|fixed|restarted)|hier|la semaine derniere|l'autre jour)\b"
)
# Customers demanding priority: data, never instructions.
DEMAND = rx(
    r"\b(?:ignore (?:all |your |the |previous |prior |any )*(?:rules|instructions|prompt|policy)"
    r"|(?:make|mark|set|flag|treat|put|label) (?:it|this|that|the ticket|priority)(?: as| to| at)?"
    r" (?:critical|urgent|high|top|p0|p1|emergency)|priority ?(?:=|:|to|is)? ?(?:critical|high"
    r"|urgent|max)|critical priority|urgent\w*|asap|emergency|right now|immediately|system:"
    r"|you are now|admin mode|ignore tes regles|ignorez|tout de suite|urgence)\b"
)
# Minor-impact hedges: the bay is fully usable.
MINOR = rx(
    r"(?:\b(?:still|but|otherwise)\b[^.!?,]{0,25}?\b(?:fine|ok|okay|good|normal)\b"
    r"|\b(?:bays?|boxes|sims?)\b[^.!?]{0,12}?(?:all |are |r |is |'re )*(?:working |work )?"
    r"(?:fine|ok|good)\b"
    r"|\b(?:not a (?:big|huge) deal|no (?:big|huge) deal|no biggie|not a big issue|pas grave"
    r"|not urgent|no rush|works eventually"
    r"|works after a while|cosmetic|minor|rien de grave)\b)"
)
# The bay cannot be used (evidence, not a demand).
UNUSABLE = rx(
    r"\b(?:stopped (?:hitting|playing)|can'?t (?:play|hit|use (?:the|this|it))|cannot (?:play|hit)"
    r"|unusable|unplayable|not usable|impossible de jouer|peut pas jouer|on peut plus jouer"
    r"|had to stop|have to stop|hitting the wall)\b"
)
# Positive confirmation that the problem is gone.
_FIX_VERBS = (
    r"(?:restocked|refilled|replenished|replaced|swapped(?: out)?|cleaned(?: up)?|unclogged|plunged"
    r"|mopped|fixed|repaired|sorted(?: out)?|resolved|patched|tightened|installed|reconnected"
    r"|unjammed|topped up|re-?hung|changed (?:the|out|a|an))"
)
FIXED = rx(
    rf"(?:^|[.!,;:]\s*|\b(?:i|we|i'?ve|we'?ve|ive|weve|just|have|has|been|got|was|were|all|they"
    rf"|tech|guy|someone|he|she|'s|'re|is|are|now|finally)\s+)(?:just\s+|all\s+|finally\s+)?"
    rf"{_FIX_VERBS}\b"
    r"|\b(?:fine|good|great|better|normal|ok|okay|perfect|working|works|bright|clean|sorted"
    r"|nice|reading|loading)\s+(?:\w+\s+)?(?:now|again)\b"
    r"|\b(?:back on|back up|back to normal|back online|back in business|up and running"
    r"|good to go|all set|we'?re set|were set|we are set|you can close|can close (?:it|this|that)"
    r"|close (?:it|this|that) out|no longer (?:an issue|a problem)|looks brand new|like new)\b"
    rf"|\b(?:{_FIX_VERBS})(?:\s+(?:and|&)\s+\w+)?(?:\s+(?:in|at|for|on)\s+(?:the\s+)?"
    r"(?:bay\s+|box\s+)?\w+)?\s*(?:$|[.!,;]|[^\w\s])"
    r"|\bthanks? (?:\w+ )?for (?:fixing|restocking|cleaning|sorting|replacing|repairing"
    r"|unclogging|the (?:quick )?fix)\b"
    r"|\b(?:fonctionne|marche) (?:maintenant|a nouveau|de nouveau|bien maintenant)\b"
    r"|\b(?:c'est|est|a ete|tout est|probleme) (?:\w+ )?(?:regle|repare|resolu|remplace|nettoye"
    r"|change)\b|\btout (?:est beau|fonctionne|marche)\b"
)
# Weaker confirmations, only trusted in a thread that has an open ticket.
FIXED_WEAK = rx(
    r"\b(?:all good|that worked|it worked|that did it|works|working|problem solved|ca marche"
    r"|c'est bon|c'est beau|perfect|merci c'est|good now)\b"
)
# Negations and doubts that void a confirmation in the same sentence.
NOT_FIXED = rx(
    r"\b(?:not|n't|never|isn'?t|wasn'?t|hasn'?t|haven'?t|pas|jamais|still not|no longer working)"
    r"\s+(?:\w+\s+)?(?:been\s+)?(?:fixed|repaired|working|good|fine|sorted|resolved|regle"
    r"|repare|better|back)\b|\b(?:broke|broken|died|froze|stopped|dead) again\b|\bbut (?:now |it'?s"
    r" |its )?(?:still|not|broken)"
    r"|\b(?:to be|needs?|need to be|should be|will be|must be|be|get it|gets?|getting|can (?:you|u)"
    rf"|could (?:you|u)|please|pls|plz|when)\s+(?:\w+\s+)?(?:{_FIX_VERBS})\b"
)
# Where a sentence turns to another matter: findings after it are not part of a confirmation.
CLAUSE_TURN = rx(r"\b(?:but|mais|however|though|except|sauf|also|aussi|and now|et maintenant)\b")
OPERATOR_RESET = rx(
    r"\b(?:i|we|i'?ve|we'?ve|ive|weve|just)\s+(?:just\s+)?(?:reset|restarted|rebooted|unlocked"
    r"|power ?cycled|opened)\b"
)
# Nothing but greetings, thanks or emoji.
THANKS = rx(
    r"^\W*(?:ty|thx|thanks?|thank you|merci|cheers|ok|okay|k|cool|great|perfect|awesome|nice"
    r"|sweet|lol|haha|\W)*\W*$"
)

# --------------------------------------------------------------------------- bays and places

_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "un": 1,
    "une": 1,
    "deux": 2,
    "trois": 3,
    "quatre": 4,
    "cinq": 5,
    "sept": 7,
    "huit": 8,
    "neuf": 9,
    "dix": 10,
}
BAY_NUMBER = rx(
    r"(?:\b(?:bay|box|boite|baie|sim|simulator|simulateur)\s*(?:no\.?\s*|number\s*|#\s*)?"
    r"(?P<n>\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|un|une|deux|trois|quatre"
    r"|cinq|sept|huit|neuf|dix)\b"
    r"|\bb(?P<b>\d{1,2})\b(?!\s+(?:we|i|u|you|the|it|that|they|then|and|ppl|its|it's|me|us))"
    r"|#\s?(?P<h>\d{1,2})\b)"
)


def find_bay(norm: str) -> int | None:
    """The first bay number the normalised text names ("bay 2", "box 3", "b4", "#2")."""
    for match in BAY_NUMBER.finditer(norm):
        raw = match.group("n") or match.group("b") or match.group("h")
        if raw is None:
            continue
        value = int(raw) if raw.isdigit() else _NUMBER_WORDS.get(raw)
        if value is not None and 0 < value < 100:
            return value
    return None


@lru_cache(maxsize=256)
def _place_pattern(name: str) -> tuple[str, re.Pattern[str]]:
    key = normalize(name)
    pattern = re.escape(key)
    return key, re.compile(
        rf"(?:\b(?:at|in|@|the|from|over at|a|au|chez|to)\s+(?:the\s+)?{pattern}\b"
        rf"|\b{pattern}\s*(?:'s\s+)?(?:location|spot|place|club|store|site|one|branch))"
    )


def find_other_location(
    norm: str, channel_location: str | None, known: tuple[str, ...]
) -> str | None:
    """A configured location the text says the problem is at, other than the channel's."""
    own = _place_pattern(channel_location)[0] if channel_location else None
    for name in known:
        key, pattern = _place_pattern(name)
        if key and key != own and key in norm and pattern.search(norm):
            return name
    return None
