"""Synthetic database of TOM (ZPMS's helpline for children, 116 111): e-questions, chats, the
crisis register and the anonymised call log (seed 000).

  calls            calls to 116 111: a coded caller number (not the real one), anonymised notes
  email_questions  questions sent by e-mail or the web form, and the answers
  chats            chats (Tawk.to) and offline messages with the visitor's IP and, offline, e-mail
  crisis_cases     the special register of chronic and crisis cases (kept 10 years)

The people are children and teenagers: e-mail addresses look like theirs, the questions are what
counsellors really get (school, friends, parents, bullying, self-harm). Every reference and
retention-anchor column is indexed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random

import sqlalchemy as sa

from varuh.connectors.synthetic import Ids, Synthetic, history_start, midnight

metadata = sa.MetaData()
S = sa.String

calls = sa.Table(
    "calls", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("caller_code", S(64), index=True),  # coded number; erased when the call ends
    sa.Column("started_at", sa.DateTime, nullable=False),
    sa.Column("ended_at", sa.DateTime, index=True),
    sa.Column("topic", S(60), nullable=False),
    sa.Column("notes", sa.Text),  # anonymised, for supervision
)

email_questions = sa.Table(
    "email_questions", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("channel", S(12), nullable=False),  # email | web_form
    sa.Column("email", S(254), index=True),  # erased two years after the answer
    sa.Column("topic", S(60), nullable=False),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("asked_at", sa.DateTime, nullable=False),
    sa.Column("answer", sa.Text),
    sa.Column("answered_at", sa.DateTime, index=True),
)

chats = sa.Table(
    "chats", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("visitor_id", S(40), nullable=False, index=True),  # Tawk.to visitor id (twk_uuid)
    sa.Column("ip", S(45), nullable=False),
    sa.Column("offline", sa.Boolean, nullable=False),
    sa.Column("email", S(254), index=True),  # only for offline messages
    sa.Column("topic", S(60), nullable=False),
    sa.Column("transcript", sa.Text, nullable=False),
    sa.Column("started_at", sa.DateTime, nullable=False),
    sa.Column("answered_at", sa.DateTime, index=True),
)

crisis_cases = sa.Table(
    "crisis_cases", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", S(10), nullable=False),  # chronic | crisis
    sa.Column("email", S(254), index=True),
    sa.Column("ip", S(45)),
    sa.Column("confided", sa.Text),  # what the child disclosed about themselves
    sa.Column("risk", S(120)),  # e.g. suicidal risk (health data, Art. 9)
    sa.Column("offence", S(120)),  # victim of a criminal offence (Art. 10)
    sa.Column("reported_to", S(60)),  # police, social work centre, ambulance
    sa.Column("question_id", sa.Integer, index=True),
    sa.Column("chat_id", sa.Integer, index=True),
    sa.Column("recorded_at", sa.DateTime, nullable=False, index=True),
)

TOPICS = ["šola", "prijatelji", "starši", "ljubezen", "medvrstniško nasilje", "samopodoba", "spolnost",
          "samopoškodovanje", "internet", "žalost in osamljenost"]
QUESTIONS = {
    "šola": "V šoli mi ne gre, starši pa pravijo, da se ne trudim. Kaj naj naredim?",
    "prijatelji": "Najboljša prijateljica se ne pogovarja več z mano in ne vem zakaj.",
    "starši": "Starša se ves čas kregata in jaz sem kar naprej v sobi.",
    "ljubezen": "Všeč mi je sošolec, pa ne vem, ali naj mu to povem.",
    "medvrstniško nasilje": "Sošolci me v razredni skupini zmerjajo in objavljajo moje slike.",
    "samopodoba": "Zdi se mi, da sem predebela, in nočem več jesti v šoli.",
    "spolnost": "Imam vprašanje o kontracepciji, ki ga staršem ne upam zastaviti.",
    "samopoškodovanje": "Ko mi je hudo, se režem. Ne vem, komu naj povem.",
    "internet": "Nekdo mi na Instagramu grozi, da bo objavil moje fotografije.",
    "žalost in osamljenost": "Ves čas sem žalosten in se nikomur ne da pogovarjati z mano.",
}
ANSWER = ("Hvala, ker si nam pisal/-a. Kar doživljaš, je težko, in prav je, da o tem spregovoriš. "
          "Predlagamo, da se o tem pogovoriš z nekom, ki mu zaupaš – in vedno nas lahko pokličeš na 116 111.")
REPORTED = [None, None, "Policija", "Center za socialno delo", "Reševalna služba"]


def _teen_email(syn: Synthetic, born: int) -> str:
    p = syn.person()
    nick = syn.rng.choice([p.first_name.lower(), p.first_name.lower()[:4], "skrivnost", "anonim", "zvezdica"])
    return syn.email(nick, f"{syn.rng.choice(['x', 'k', 'm', ''])}{born}")


def generate(out, subjects: int, rng: random.Random, today: dt.date) -> None:
    syn = Synthetic(rng)
    ids = Ids()
    start, now = history_start(today, 12), midnight(today) + dt.timedelta(hours=8)
    for _ in range(subjects):
        born = rng.randint(2004, 2015)
        topic = rng.choice(TOPICS)
        asked = syn.instant(start, now)
        kind = rng.choices(["call", "email", "chat"], [55, 25, 20])[0]
        question_id = chat_id = None
        email = ip = None
        if kind == "call":
            ended = asked + dt.timedelta(minutes=rng.randint(2, 45))
            # the coded number is kept only while the call lasts: older rows had it erased already
            code = hashlib.sha256(f"{rng.random()}".encode()).hexdigest()[:16] if rng.random() < 0.3 else None
            out.add("calls", {"id": ids("calls"), "caller_code": code, "started_at": asked,
                              "ended_at": ended, "topic": topic,
                              "notes": f"Klicalec ({born}) o temi: {topic}. Svetovano, dogovorjen ponovni klic."})
        elif kind == "email":
            question_id = ids("email_questions")
            email = _teen_email(syn, born)
            answered = asked + dt.timedelta(hours=rng.randint(4, 120))
            out.add("email_questions", {
                "id": question_id, "channel": rng.choice(["email", "web_form"]), "email": email, "topic": topic,
                "question": QUESTIONS[topic], "asked_at": asked,
                "answer": ANSWER if answered <= now else None, "answered_at": answered if answered <= now else None})
        else:
            chat_id = ids("chats")
            offline = rng.random() < 0.3
            ip = syn.ip()
            email = _teen_email(syn, born) if offline else None
            answered = asked + dt.timedelta(minutes=rng.randint(5, 60) if not offline else rng.randint(300, 4000))
            out.add("chats", {
                "id": chat_id, "visitor_id": f"{rng.getrandbits(96):024x}", "ip": ip, "offline": offline,
                "email": email, "topic": topic,
                "transcript": f"Obiskovalec: {QUESTIONS[topic]}\nSvetovalka: {ANSWER}", "started_at": asked,
                "answered_at": answered if answered <= now else None})
        crisis = topic in ("samopoškodovanje", "medvrstniško nasilje", "internet") and rng.random() < 0.25
        if crisis and kind != "call":
            out.add("crisis_cases", {
                "id": ids("crisis_cases"), "kind": rng.choice(["crisis", "chronic"]), "email": email, "ip": ip,
                "confided": f"Rojen/-a {born}, obiskuje {rng.choice(['osnovno šolo', 'gimnazijo', 'srednjo šolo'])} "
                            f"v kraju {syn.place()[1]}.",
                "risk": "samomorilna ogroženost" if topic == "samopoškodovanje" else None,
                "offence": "žrtev spletnega izsiljevanja" if topic == "internet" else
                           ("žrtev nasilja" if topic == "medvrstniško nasilje" else None),
                "reported_to": rng.choice(REPORTED), "question_id": question_id, "chat_id": chat_id,
                "recorded_at": asked + dt.timedelta(hours=rng.randint(1, 48))})
        out.tick()
