"""zpms (TOM, the children's helpline) with a moved clock: e-mail addresses are erased 2 years after
the answer (and not a day before); the register of chronic and crisis cases is kept 10 years.

The rules (examples/zpms/privacy.yaml): email-counselling.email-2y and chat-counselling.chat-email-2y
(P2Y after the answer, erase the e-mail field, keep the anonymous question), crisis-register.crisis-10y
(P10Y after the case was entered, delete the row). Counting per Reg. 1182/71 Art. 3: the anchor day
does not count, and 29 February + 2 years ends on 28 February.
"""

from __future__ import annotations

import pytest
from scenario_support import EXAMPLES, Store, Sweeper, at, seed

EMAIL_2Y, CHAT_2Y = "email-counselling.email-2y", "chat-counselling.chat-email-2y"
CRISIS_10Y = "crisis-register.crisis-10y"


@pytest.fixture
def zpms(tmp_path, ledger, run, monkeypatch) -> Store:
    if not (EXAMPLES / "zpms" / "datasets.yaml").exists():
        pytest.skip("examples/zpms/datasets.yaml is not there yet")
    return seed(run, monkeypatch, tmp_path, "zpms", "ZPMS_DATABASE_URL")


def test_zpms_email_addresses_go_two_years_after_the_answer_crisis_cases_stay_ten(run, zpms):
    db, sweep = zpms, Sweeper(run, "zpms", zpms)
    question = "Sošolci me v razredni skupini zmerjajo in objavljajo moje slike."
    answered = db.insert("email_questions", channel="web_form", email="zvezdica2011@gmail.com",
                         topic="medvrstniško nasilje", question=question, asked_at=at("2030-04-09"),
                         answer="Hvala, ker si nam pisal/-a.", answered_at=at("2030-04-10"))
    leap = db.insert("email_questions", channel="email", email="anonim2012@siol.net", topic="šola",
                     question="V šoli mi ne gre.", asked_at=at("2028-02-28"), answer="Pokliči nas.",
                     answered_at=at("2028-02-29"))
    waiting = db.insert("email_questions", channel="email", email="skrivnost2010@gmail.com", topic="starši",
                        question="Starša se ves čas kregata.", asked_at=at("2030-04-09"))  # not answered yet
    offline = db.insert("chats", visitor_id="a1b2c3d4e5f6a1b2c3d4e5f6", ip="93.103.12.7", offline=True,
                        email="k2011@gmail.com", topic="internet", transcript="Obiskovalec: Nekdo mi grozi.",
                        started_at=at("2030-04-09"), answered_at=at("2030-04-10"))
    case = db.insert("crisis_cases", kind="crisis", email="zvezdica2011@gmail.com", ip="93.103.12.7",
                     confided="Rojena 2011, obiskuje osnovno šolo.", offence="žrtev spletnega izsiljevanja",
                     reported_to="Policija", question_id=answered, recorded_at=at("2030-04-11"))

    # answered on 29. 2. 2028: two years end on 28. 2. 2030 (there is no 29. 2. 2030)
    sweep("2030-02-28")
    assert db.value("email_questions", leap, "email") == "anonim2012@siol.net"
    sweep("2030-03-01")
    assert db.value("email_questions", leap, "email") is None
    assert db.value("email_questions", leap, "question") == "V šoli mi ne gre."  # only the address goes

    # answered on 10. 4. 2030: kept through 10. 4. 2032, erased on 11. 4. 2032
    assert sweep.due("2032-04-10")[EMAIL_2Y] == 0
    assert sweep.due("2032-04-11")[EMAIL_2Y] == 1 and sweep.due("2032-04-11")[CHAT_2Y] == 1
    sweep("2032-04-10")
    assert db.value("email_questions", answered, "email") == "zvezdica2011@gmail.com"
    assert db.value("chats", offline, "email") == "k2011@gmail.com"
    result = sweep("2032-04-11")
    assert db.value("email_questions", answered, "email") is None
    assert db.value("chats", offline, "email") is None
    assert db.value("email_questions", answered, "question") == question
    assert db.value("chats", offline, "transcript") == "Obiskovalec: Nekdo mi grozi."
    assert {i["rule"]: i["affected"] for i in result["items"] if i["rule"] in (EMAIL_2Y, CHAT_2Y)} == \
        {EMAIL_2Y: 1, CHAT_2Y: 1}
    # a question not answered yet has no anchor: its address stays
    assert db.value("email_questions", waiting, "email") == "skrivnost2010@gmail.com"
    # the crisis register keeps what identifies the child for its own ten years
    assert db.value("crisis_cases", case, "email") == "zvezdica2011@gmail.com"

    # entered on 11. 4. 2030: kept through 11. 4. 2040, deleted on 12. 4. 2040
    sweep("2040-04-11")
    assert db.exists("crisis_cases", case)
    assert sweep.due("2040-04-12")[CRISIS_10Y] == 1
    result = sweep("2040-04-12")
    assert not db.exists("crisis_cases", case)
    assert [i["affected"] for i in result["items"] if i["rule"] == CRISIS_10Y] == [1]
