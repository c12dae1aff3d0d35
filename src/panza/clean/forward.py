"""Forward markers: the line a client puts above a forwarded message, in the supported languages.

Gmail/Thunderbird use a dashed banner ("---------- Forwarded message ---------", "-------- Weitergeleitete
Nachricht --------"); Apple Mail a sentence with a colon ("Begin forwarded message:", "Inicio del mensaje
reenviado:"). Outlook has no banner: its forwards are header blocks whose Subject starts with FW:/WG:/TR:
(see attribution.subject_is_forward). Lotus Notes names the forwarder between dashes, often wrapped over
two lines ("----- Forwarded by Anna Schmidt/HOU/ACME on 12/13/2000 01:50 PM -----", "----- Weitergeleitet von
… am … -----").
"""

from __future__ import annotations

import re

_BANNER = (
    r"forwarded\s+message|forwarded\s+e-?mail|weitergeleitete\s+nachricht|message\s+transféré"
    r"|message\s+transfere|mensaje\s+reenviado|messaggio\s+inoltrato|mensagem\s+encaminhada"
    r"|mensagem\s+reencaminhada|doorgestuurd\s+bericht|doorgestuurde\s+bericht"
    r"|vidarebefordrat\s+meddelande|videresendt\s+meddelelse|videresendt\s+melding|välitetty\s+viesti"
    r"|edelleenlähetetty\s+viesti|przekazana\s+wiadomość|wiadomość\s+przekazana|přeposlaná\s+zpráva"
    r"|пересылаемое\s+сообщение|пересланное\s+сообщение|переслане\s+повідомлення|пересланий\s+лист"
    r"|転送メッセージ|转发的邮件|转发邮件|轉寄郵件|전달된\s*메시지|전달된\s*메일"
    r"|inline\s+attachment\s+follows"  # Netscape / Notes: "--------- Inline attachment follows ---------"
)
_BANNER_LINE = re.compile(rf"^\s*[-–—_=*]{{2,}}\s*(?:{_BANNER})\s*[-–—_=*]{{2,}}\s*$", re.IGNORECASE)
_SENTENCE = (
    r"begin\s+forwarded\s+message|anfang\s+der\s+weitergeleiteten\s+nachricht"
    r"|début\s+du\s+message\s+réexpédié|début\s+du\s+message\s+transféré|inicio\s+del\s+mensaje\s+reenviado"
    r"|comienzo\s+del\s+mensaje\s+reenviado|inizio\s+messaggio\s+inoltrato|messaggio\s+inoltrato"
    r"|início\s+da\s+mensagem\s+reencaminhada|mensagem\s+encaminhada|begin\s+doorgestuurd\s+bericht"
    r"|doorgestuurd\s+bericht|vidarebefordrat\s+brev|vidarebefordrat\s+meddelande"
    r"|start\s+på\s+videresendt\s+besked|videresendt\s+besked|videresendt\s+melding|välitetty\s+viesti"
    r"|początek\s+przekazanej\s+wiadomości|przekazana\s+wiadomość|začátek\s+přeposlané\s+zprávy"
    r"|přeposlaná\s+zpráva|начало\s+переадресованного\s+сообщения|пересылаемое\s+сообщение"
    r"|початок\s+листа,?\s+що\s+пересилається|переслане\s+повідомлення|転送されたメッセージ"
    r"|以下为转发的邮件|转发的邮件|전달된\s*메시지"
)
_SENTENCE_LINE = re.compile(rf"^\s*(?:{_SENTENCE})\s*[:：]?\s*$", re.IGNORECASE)


# Lotus Notes / Domino: the trailing dashes may sit on the next line when the client wrapped it.
_NOTES_BY = (
    r"forwarded\s+by|weitergeleitet\s+von|transféré\s+par|transfere\s+par|reenviado\s+por|inoltrato\s+da"
    r"|doorgestuurd\s+door|encaminhado\s+por|reencaminhado\s+por|vidarebefordrat\s+av|videresendt\s+af"
    r"|videresendt\s+av|välittänyt|przekazane\s+przez|přeposlal|переслано"
)
_NOTES_LINE = re.compile(rf"^\s*-{{2,}}\s*(?:{_NOTES_BY})\s+\S.{{0,160}}$", re.IGNORECASE)
_DIGIT = re.compile(r"\d")
# The banner wrapped right before its date: "----- Forwarded by Anna Schmidt/HOU/ACME on\n12/13/2000 01:50 PM -----".
# A Notes hierarchical name ("Name/OU/O") then the date's preposition ends the line.
_NOTES_WRAPPED = re.compile(r"/\S+\s+(?:on|am|le|el|il|em|op|på|den|dne)$", re.IGNORECASE)


def is_forward_marker(line: str) -> bool:
    """True for a forward banner, a Lotus Notes "Forwarded by" line or an Apple-style "Begin forwarded message:"."""
    if not line or len(line) > 200:
        return False
    if line.lstrip()[:1] in "-–—_=*":
        if len(line) <= 90 and _BANNER_LINE.match(line) is not None:
            return True
        if _NOTES_LINE.match(line) is None:
            return False
        return _DIGIT.search(line) is not None or _NOTES_WRAPPED.search(line) is not None
    return len(line) <= 90 and _SENTENCE_LINE.match(line) is not None
