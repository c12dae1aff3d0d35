"""The people in Jen Weber's sample mailbox and the small constructors the email data files use.

Kept as plain data so `sample/build.py` (stdlib only) can render every message from it.
"""

from __future__ import annotations

from typing import Any, NamedTuple


class P(NamedTuple):
    """A correspondent: display name and address."""

    name: str
    addr: str

    def __str__(self) -> str:
        """As mail clients print it in attribution lines."""
        return f"{self.name} <{self.addr}>"

    def hdr(self) -> str:
        """As it goes into a From/To header: names with specials (comma, dot) are quoted."""
        if any(ch in self.name for ch in ',.;:()[]<>@"'):
            return f'"{self.name}" <{self.addr}>'
        return str(self)


# Jen's three accounts (the user's addresses in configs/user/jen.yaml).
JEN_MAIN = P("Jen Weber", "jen.weber@lindenmail.example")
JEN_STUDIO = P("Jen Weber", "jen@weber-landscapes.example")
JEN_OFFICE = P("Weber, Jen", "JWeber@hafencity-planung.example")
ACCOUNTS = {"main": JEN_MAIN, "studio": JEN_STUDIO, "office": JEN_OFFICE}

# Colleagues at the HafenCity planning office and the studio.
ANNA = P("Anna Schulz", "anna.schulz@hafencity-planung.example")
TOM = P("Tom Becker", "tom.becker@hafencity-planung.example")
MALTE = P("Malte Ohlsen", "m.ohlsen@hafencity-planung.example")
BIRGIT = P("Birgit Lorenzen", "b.lorenzen@hafencity-planung.example")
JONAS = P("Jonas Krüger", "jonas@weber-landscapes.example")  # the studio's working student
STUDIO_INFO = P("Weber Landscapes", "info@weber-landscapes.example")

# Clients and partners.
LENA = P("Dr. Lena Hoffmann", "l.hoffmann@speicherstadt-immobilien.example")
LENA_ASSIST = P("Sabine Voss", "s.voss@speicherstadt-immobilien.example")
ELODIE = P("Élodie Martin", "elodie.martin@atelier-rhone.example")
PIERRE = P("Pierre Garnier", "p.garnier@atelier-rhone.example")
FRAU_YILMAZ = P("Derya Yılmaz", "d.yilmaz@schule-bahrenfelder.example")  # head of the Altona school
HAUSMEISTER = P("Uwe Petersen", "hausmeister@schule-bahrenfelder.example")
ELTERNRAT = P("Carla Mendes", "carla.mendes@posteo.example")  # parents' council, school courtyard
SVEN = P("Sven Albers", "s.albers@baumschule-albers.example")  # tree nursery / supplier
BAUMSCHULE = P("Baumschule Albers Auftragsannahme", "auftrag@baumschule-albers.example")
GALABAU = P("Kai Rademacher", "k.rademacher@rademacher-galabau.example")  # landscaping contractor
STEUER = P("Petra Kahl", "kahl@steuerbuero-kahl.example")  # tax accountant
PRESS = P("Miriam Lange", "m.lange@garten-und-landschaft.example")  # trade magazine editor
MARTA = P("Marta Ruiz", "marta.ruiz@correo.example")  # friend in Valencia, architect
JAVIER = P("Javier Soler", "jsoler@viveros-turia.example")  # Spanish nursery contact
UNI = P("Prof. Henrik Dahl", "henrik.dahl@hcu-hamburg.example")  # HafenCity University

# Family and friends.
KATRIN = P("Katrin Weber", "katrin.weber@lindenmail.example")
MAMA = P("Helen Weber", "helen.weber@t-online.example")  # from Norwich: a bilingual family
PAPA = P("Gerd Weber", "gerd.weber@t-online.example")
MAX = P("Max Brandt", "max.brandt@lindenmail.example")  # Jen's partner
LOTTE = P("Lotte Hansen", "lotte.hansen@lindenmail.example")  # friend
CLUB = P("Alsterläufer e.V.", "vorstand@alsterlaeufer.example")  # running club board
NIKLAS = P("Niklas Brühl", "niklas.bruehl@alsterlaeufer.example")  # running club captain
FREYA = P("Freya Jessen", "freya.jessen@lindenmail.example")  # running friend
VERMIETER = P("Hausverwaltung Ottensen", "service@hv-ottensen.example")
OTHER_JEN = P("Jennifer Weber", "jennifer.weber@weber-consulting.example")  # a different person


def M(key: str, date: str | None, **kw: Any) -> dict[str, Any]:
    """One message. `date` is local Hamburg time "YYYY-MM-DD HH:MM" (None: no Date header)."""
    return {"key": key, "date": date, **kw}


def Q(who: P, date: str, text: str, to: P | None = None, subject: str | None = None) -> dict[str, Any]:
    """A quoted earlier message (most recent first in a message's `quotes`)."""
    return {"who": who, "date": date, "text": text, "to": to, "subject": subject}
