"""Synthetic database of ecpp.si (PRIMOTEHNA d.o.o.): e-classroom, web shop, website, mailbox.

What the privacy policy (seed 003) says the company holds, as one MariaDB-style database:

  accounts               user id, name, e-mail, username, password hash, registration and last
                         sign-in, registration IP, sign-in provider (own / Google / Facebook),
                         profile photo and language from Google/Facebook, profile settings
  service_orders         e-learning orders: category (B, A, C …), buyer's data, access period,
                         payment by bank transfer (IBAN, BIC, reference), PayPal or SMS
  quiz_attempts          quiz start, view and submission times, answers, score, pass probability
  survey_answers         the monthly survey (consent)
  discount_codes         codes from driving schools, redeemed by students (consent)
  newsletter_subscribers the blog newsletter "spletnik" (consent)
  marketing_subscribers  direct marketing by e-mail (consent)
  shop_orders            web-shop orders: buyer, recipient, delivery address, phone, delivery date
  invoices               invoices for both (kept 10 years after the year they refer to)
  access_log             web-server log: IP, time of visit, page, referrer
  correspondence         e-mails to info@ecpp.si

There are no foreign-key constraints (as in most WordPress/WooCommerce-era schemas); the
references are declared in datasets.yaml and every reference, identity and retention-anchor
column is indexed.

Proportions follow a real e-learning shop: most accounts never buy (and are due for deletion 30
days after registration), a few orders carry a pending claim, about one person in seven buys in
the shop, and the history spans twelve years, so that retention finds work both today and later.
One person's e-mail address occurs in many tables (account, orders, invoices, newsletter …).
"""

from __future__ import annotations

import datetime as dt
import random

import sqlalchemy as sa

from varuh.connectors.synthetic import Person, Synthetic, midnight

metadata = sa.MetaData()

S = sa.String
Id = sa.Integer


def _id() -> sa.Column:
    return sa.Column("id", Id, primary_key=True, autoincrement=True)


accounts = sa.Table(
    "accounts", metadata, _id(),
    sa.Column("first_name", S(100), nullable=False),
    sa.Column("last_name", S(100), nullable=False),
    sa.Column("email", S(254), nullable=False, index=True),
    sa.Column("username", S(100), nullable=False, unique=True),
    sa.Column("password_hash", S(100)),  # none for Google/Facebook sign-in
    sa.Column("login_provider", S(20), nullable=False),  # password | google | facebook
    sa.Column("photo_url", S(300)),
    sa.Column("language", S(10)),
    sa.Column("registered_at", sa.DateTime, nullable=False, index=True),
    sa.Column("last_login_at", sa.DateTime),
    sa.Column("registration_ip", S(45)),
    sa.Column("access_ended_at", sa.DateTime, index=True),  # end of the last ordered service's access
    sa.Column("notify_reminders", sa.Boolean, nullable=False, default=False),
    sa.Column("notify_results", sa.Boolean, nullable=False, default=False),
    sa.Column("show_progress", sa.Boolean, nullable=False, default=False),
    sa.Column("restricted", sa.Boolean, nullable=False, default=False),
)

service_orders = sa.Table(
    "service_orders", metadata, _id(),
    sa.Column("account_id", Id, nullable=False, index=True),
    sa.Column("category", S(5), nullable=False),
    sa.Column("first_name", S(100), nullable=False),
    sa.Column("last_name", S(100), nullable=False),
    sa.Column("address", S(200), nullable=False),
    sa.Column("postcode", S(10), nullable=False),
    sa.Column("city", S(100), nullable=False),
    sa.Column("email", S(254), nullable=False, index=True),
    sa.Column("phone", S(30), index=True),
    sa.Column("ordered_at", sa.DateTime, nullable=False),
    sa.Column("access_from", sa.DateTime),
    sa.Column("access_ended_at", sa.DateTime, index=True),  # null while access lasts
    sa.Column("price_eur", sa.Numeric(8, 2), nullable=False),
    sa.Column("payment_method", S(10), nullable=False),  # bank | paypal | sms
    sa.Column("payer_name", S(200)),
    sa.Column("payer_address", S(300)),
    sa.Column("iban", S(40)),
    sa.Column("bic", S(11)),
    sa.Column("payment_reference", S(40)),
    sa.Column("paypal_email", S(254), index=True),
    sa.Column("paypal_transaction_id", S(30)),
    sa.Column("sms_phone", S(30)),
    sa.Column("sms_operator", S(40)),
    sa.Column("sms_access_code", S(12)),
    sa.Column("paid_at", sa.DateTime),
    sa.Column("claim_pending", sa.Boolean, nullable=False, default=False),
    sa.Column("restricted", sa.Boolean, nullable=False, default=False),
)

quiz_attempts = sa.Table(
    "quiz_attempts", metadata, _id(),
    sa.Column("account_id", Id, nullable=False, index=True),
    sa.Column("order_id", Id, nullable=False, index=True),
    sa.Column("category", S(5), nullable=False),
    sa.Column("quiz_id", Id, nullable=False),
    sa.Column("started_at", sa.DateTime, nullable=False),
    sa.Column("viewed_at", sa.DateTime),
    sa.Column("submitted_at", sa.DateTime),
    sa.Column("seconds_spent", Id),
    sa.Column("answers", S(60)),  # one letter per question, in the quiz's order
    sa.Column("correct", Id),
    sa.Column("wrong", Id),
    sa.Column("score", Id),
    sa.Column("pass_probability", sa.Numeric(4, 3)),
    sa.Column("ip", S(45)),
    sa.Column("access_ended_at", sa.DateTime, index=True),  # copied from the order when its access ends
)

survey_answers = sa.Table(
    "survey_answers", metadata, _id(),
    sa.Column("account_id", Id, index=True),
    sa.Column("name", S(200)),
    sa.Column("email", S(254), nullable=False, index=True),
    sa.Column("category", S(5)),
    sa.Column("age", Id),
    sa.Column("rating", Id),
    sa.Column("experience", sa.Text),
    sa.Column("ideas", sa.Text),
    sa.Column("answered_at", sa.DateTime, nullable=False),
)

discount_codes = sa.Table(
    "discount_codes", metadata, _id(),
    sa.Column("code", S(20), nullable=False, unique=True),
    sa.Column("driving_school", S(120)),
    sa.Column("extension_days", Id, nullable=False),
    sa.Column("account_id", Id, index=True),  # null until redeemed
    sa.Column("order_id", Id, index=True),
    sa.Column("redeemed_at", sa.DateTime),
)

newsletter_subscribers = sa.Table(
    "newsletter_subscribers", metadata, _id(),
    sa.Column("email", S(254), nullable=False, index=True),
    sa.Column("first_name", S(100)),
    sa.Column("last_name", S(100)),
    sa.Column("subscribed_at", sa.DateTime, nullable=False),
    sa.Column("confirmed_at", sa.DateTime),  # double opt-in; the proof itself is in Varuh's consent ledger
)

marketing_subscribers = sa.Table(
    "marketing_subscribers", metadata, _id(),
    sa.Column("email", S(254), nullable=False, index=True),
    sa.Column("first_name", S(100)),
    sa.Column("last_name", S(100)),
    sa.Column("subscribed_at", sa.DateTime, nullable=False),
    sa.Column("confirmed_at", sa.DateTime),  # double opt-in; the proof itself is in Varuh's consent ledger
)

shop_orders = sa.Table(
    "shop_orders", metadata, _id(),
    sa.Column("account_id", Id, index=True),  # the shop also sells to guests
    sa.Column("buyer_first_name", S(100), nullable=False),
    sa.Column("buyer_last_name", S(100), nullable=False),
    sa.Column("buyer_address", S(200), nullable=False),
    sa.Column("buyer_postcode", S(10), nullable=False),
    sa.Column("buyer_city", S(100), nullable=False),
    sa.Column("email", S(254), nullable=False, index=True),
    sa.Column("phone", S(30), index=True),  # optional; erased at delivery
    sa.Column("recipient_name", S(200), nullable=False),
    sa.Column("delivery_address", S(200), nullable=False),
    sa.Column("delivery_postcode", S(10), nullable=False),
    sa.Column("delivery_city", S(100), nullable=False),
    sa.Column("items", S(300), nullable=False),
    sa.Column("total_eur", sa.Numeric(8, 2), nullable=False),
    sa.Column("ordered_at", sa.DateTime, nullable=False),
    sa.Column("iban", S(40)),
    sa.Column("bic", S(11)),
    sa.Column("payment_reference", S(40)),
    sa.Column("paid_at", sa.DateTime),
    sa.Column("delivered_at", sa.DateTime, index=True),  # null until delivered
    sa.Column("claim_pending", sa.Boolean, nullable=False, default=False),
    sa.Column("restricted", sa.Boolean, nullable=False, default=False),
)

invoices = sa.Table(
    "invoices", metadata, _id(),
    sa.Column("number", S(20), nullable=False, unique=True),
    sa.Column("account_id", Id, index=True),
    sa.Column("service_order_id", Id, index=True),
    sa.Column("shop_order_id", Id, index=True),
    sa.Column("buyer_name", S(200), nullable=False),
    sa.Column("address", S(200), nullable=False),
    sa.Column("postcode", S(10), nullable=False),
    sa.Column("city", S(100), nullable=False),
    sa.Column("email", S(254), index=True),  # where the invoice was sent
    sa.Column("service_date", sa.Date, nullable=False),  # when the service was performed / goods delivered
    sa.Column("issued_at", sa.DateTime, nullable=False, index=True),
    sa.Column("total_eur", sa.Numeric(8, 2), nullable=False),
)

access_log = sa.Table(
    "access_log", metadata, _id(),
    sa.Column("ip", S(45), nullable=False, index=True),
    sa.Column("visited_at", sa.DateTime, nullable=False, index=True),
    sa.Column("method", S(7), nullable=False),
    sa.Column("path", S(300), nullable=False),
    sa.Column("status", Id, nullable=False),
    sa.Column("referrer", S(300)),
    sa.Column("user_agent", S(300)),
)

correspondence = sa.Table(
    "correspondence", metadata, _id(),
    sa.Column("email", S(254), nullable=False, index=True),
    sa.Column("name", S(200)),
    sa.Column("subject", S(200), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("received_at", sa.DateTime, nullable=False, index=True),
    sa.Column("replied_at", sa.DateTime),
)

# --- what the rows are made of ----------------------------------------------------------------

CATEGORIES = [("B", 70), ("A", 9), ("AM", 6), ("C", 5), ("BE", 3), ("C1", 2), ("D", 2), ("CE", 2), ("G", 1)]
ACCESS = [(30, "14.90", 25), (90, "24.90", 40), (180, "34.90", 25), (365, "49.90", 10)]  # days, EUR, weight
SMS_OPERATORS = ["Telekom Slovenije", "A1 Slovenija", "Telemach", "T-2"]
DRIVING_SCHOOLS = ["AMZS Šola vožnje", "Avtošola Rožna dolina", "Šola vožnje Jarc", "Avto šola Lesjak",
                   "Šola vožnje Dolenjska", "Avtošola Celje", "Šola vožnje Krpan", "Avto šola Vič",
                   "Šola vožnje Gorenjska", "Avtošola Primorska", "Šola vožnje Prlekija", "Avtošola Špela"]
PRODUCTS = [("Priročnik Cestnoprometni predpisi", "19.90"), ("Vprašanja za teoretični izpit (knjiga)", "24.90"),
            ("Kartice prometnih znakov", "12.50"), ("Komplet za prvo pomoč", "15.90"),
            ("Odsevni jopič", "6.90"), ("Priročnik za motoriste", "17.90")]
SURVEY_EXPERIENCE = ["Kvizi so zelo podobni pravemu izpitu.", "Razlage pri napačnih odgovorih so mi pomagale.",
                     "Nekatera vprašanja so zastarela.", "Aplikacija na telefonu se včasih zatakne.",
                     "Izpit sem opravil v prvem poskusu!", "Preveč vprašanj o prednosti v križiščih.",
                     "Vse je jasno in pregledno.", "Simulacija izpita je odlična."]
SURVEY_IDEAS = ["Več video razlag.", "Temni način prikaza.", "Statistika po sklopih vprašanj.",
                "Možnost tiskanja napačnih odgovorov.", None, None, "Več vprašanj za kategorijo A."]
MAIL_SUBJECTS = [("Dostop do učilnice", "Pozdravljeni, plačal sem naročilo, a še nimam dostopa do e-učilnice."),
                 ("Račun", "Prosim za račun na podjetje, potrebujem ga za povračilo stroškov."),
                 ("Vprašanje o kvizu", "Pri vprašanju o krožnem križišču mislim, da je pravilen odgovor drugačen."),
                 ("Dostava knjige", "Kdaj bo dostavljena knjiga, ki sem jo naročil prejšnji teden?"),
                 ("Koda ugodnosti", "Koda, ki sem jo dobil v šoli vožnje, ne deluje."),
                 ("Podaljšanje dostopa", "Ali lahko podaljšam dostop, izpit imam šele naslednji mesec?")]
PAGES = ["/", "/e-ucilnica/", "/trgovina/", "/blog/", "/kategorija-b/", "/cenik/", "/kontakt/",
         "/ali-pravilno-uporabljamo-prometne-pasove-na-avtocesti/", "/krozno-krizisce/", "/prijava/",
         "/blog/novosti-v-zakonu-o-pravilih-cestnega-prometa/", "/politika-zasebnosti/"]
REFERRERS = [None, None, "https://www.google.com/", "https://www.google.si/", "https://www.facebook.com/",
             "https://l.instagram.com/", "https://www.bing.com/", "https://www2.ecpp.si/blog/"]
AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
    "Mozilla/5.0 (Linux; Android 14; SM-A546B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0",
]

HISTORY_YEARS = 12


class _Ids:
    """Explicit ids per table, so rows can reference each other without asking the database."""

    def __init__(self) -> None:
        self.n: dict[str, int] = {}
        self.codes: set[str] = set()

    def __call__(self, table: str) -> int:
        self.n[table] = self.n.get(table, 0) + 1
        return self.n[table]


def generate(out, subjects: int, rng: random.Random, today: dt.date) -> None:
    """Write `subjects` people and everything the company holds about them."""
    syn = Synthetic(rng)
    ids = _Ids()
    now = midnight(today) + dt.timedelta(hours=8)
    start = midnight(today.replace(year=today.year - HISTORY_YEARS) if not (today.month == 2 and today.day == 29)
                     else today.replace(year=today.year - HISTORY_YEARS, day=28))
    cats, cat_w = [c for c, _ in CATEGORIES], [w for _, w in CATEGORIES]
    span = (now - start).total_seconds()

    def grown() -> dt.datetime:
        # business grew: linearly more sign-ups each year (density ~ t, so t = sqrt(u))
        return start + dt.timedelta(seconds=int(span * rng.random() ** 0.5))

    for n in range(subjects):
        # The first person does everything (a student who also shops, reads the newsletter and
        # writes in): one e-mail address in every table, for demos and request tests.
        everything = n == 0
        p = syn.person()
        first_seen = grown() if not everything else now - dt.timedelta(days=rng.randint(700, 1500))
        has_account = rng.random() < 0.82 or everything
        shopper = rng.random() < 0.14 or everything
        account_id = None
        if has_account:
            account_id = _account(out, syn, ids, p, first_seen, now, cats, cat_w, everything)
        if shopper:
            _shop(out, syn, ids, p, account_id if rng.random() < 0.6 or everything else None,
                  syn.instant(first_seen, now) if has_account else first_seen, now)
        lonely = not has_account and not shopper
        if rng.random() < (0.7 if lonely else 0.22) or everything:
            _subscriber(out, syn, ids, "newsletter_subscribers", p, syn.instant(first_seen, now))
        if rng.random() < (0.35 if lonely else 0.12) or everything:
            _subscriber(out, syn, ids, "marketing_subscribers", p, syn.instant(first_seen, now))
        if rng.random() < (0.4 if lonely else 0.06) or everything:
            _mail(out, syn, ids, p, syn.instant(first_seen, now), now)
        for _ in range(rng.choice((1, 2, 2, 3, 4, 5))):
            _visit(out, syn, ids, syn.instant(first_seen, now))
        out.tick()
    # codes handed out by driving schools that nobody has redeemed yet: not personal data
    for _ in range(max(1, subjects // 20)):
        out.add("discount_codes", {"id": ids("discount_codes"), "code": syn.unique(lambda: _code(rng), ids.codes),
                                   "driving_school": rng.choice(DRIVING_SCHOOLS), "extension_days": 30,
                                   "account_id": None, "order_id": None, "redeemed_at": None})


def _account(out, syn: Synthetic, ids: _Ids, p: Person, registered: dt.datetime, now: dt.datetime,
             cats: list[str], cat_w: list[int], everything: bool = False) -> int:
    rng = syn.rng
    account_id = ids("accounts")
    provider = rng.choices(["password", "google", "facebook"], [70, 20, 10])[0]
    ip = syn.ip()
    # Most accounts never buy. Those that do, mostly buy within days of registering.
    buys = rng.random() < 0.45 or everything
    orders: list[tuple[int, str, dt.datetime | None, dt.datetime]] = []
    if buys:
        ordered = registered + dt.timedelta(minutes=int(rng.expovariate(1 / 1800)))
        for _ in range(rng.choices([1, 2, 3], [80, 17, 3])[0]):
            if ordered >= now:
                break
            order = _service_order(out, syn, ids, p, account_id, ordered, now, rng.choices(cats, cat_w)[0])
            orders.append(order)
            ordered = (order[2] or now) + dt.timedelta(days=rng.randint(1, 400))
    ended = [o[2] for o in orders]
    access_ended = max(ended) if orders and all(e is not None for e in ended) else None  # type: ignore[type-var]
    last_seen = min(now, (access_ended or now) if orders else registered + dt.timedelta(days=rng.randint(0, 20)))
    out.add("accounts", {
        "id": account_id, "first_name": p.first_name, "last_name": p.last_name, "email": p.email,
        "username": syn.username(p) if provider == "password" else f"{provider}_{rng.getrandbits(40):x}",
        "password_hash": syn.password_hash() if provider == "password" else None,
        "login_provider": provider,
        "photo_url": (f"https://lh3.googleusercontent.com/a/{rng.getrandbits(64):x}" if provider == "google" else
                      f"https://platform-lookaside.fbsbx.com/platform/profilepic/?asid={rng.getrandbits(50)}"
                      if provider == "facebook" else None),
        "language": rng.choice(["sl", "sl", "sl", "en", "hr"]) if provider == "google" else None,
        "registered_at": registered, "last_login_at": syn.instant(registered, max(last_seen, registered)),
        "registration_ip": ip, "access_ended_at": access_ended,
        "notify_reminders": rng.random() < 0.3, "notify_results": rng.random() < 0.2,
        "show_progress": rng.random() < 0.1, "restricted": False,
    })
    for order_id, category, access_end, access_from in orders:
        for _ in range(min(int(rng.expovariate(1 / 5)), 30)):
            _attempt(out, syn, ids, account_id, order_id, category, access_from, access_end or now, access_end, ip)
        if rng.random() < 0.2 or everything:
            out.add("discount_codes", {"id": ids("discount_codes"), "code": syn.unique(lambda: _code(rng), ids.codes),
                                       "driving_school": rng.choice(DRIVING_SCHOOLS), "extension_days": 30,
                                       "account_id": account_id, "order_id": order_id,
                                       "redeemed_at": access_from + dt.timedelta(minutes=rng.randint(1, 600))})
        if rng.random() < 0.12 or everything:
            answered = syn.instant(access_from, access_end or now)
            out.add("survey_answers", {
                "id": ids("survey_answers"), "account_id": account_id, "name": p.name, "email": p.email,
                "category": category, "age": max(15, answered.year - p.birth_year),
                "rating": rng.choices([1, 2, 3, 4, 5], [2, 4, 12, 40, 42])[0],
                "experience": rng.choice(SURVEY_EXPERIENCE), "ideas": rng.choice(SURVEY_IDEAS),
                "answered_at": answered})
    return account_id


def _service_order(out, syn: Synthetic, ids: _Ids, p: Person, account_id: int, ordered: dt.datetime,
                   now: dt.datetime, category: str) -> tuple[int, str, dt.datetime | None, dt.datetime]:
    rng = syn.rng
    order_id = ids("service_orders")
    days, price, _ = rng.choices(ACCESS, [w for *_, w in ACCESS])[0]
    method = rng.choices(["bank", "paypal", "sms"], [45, 35, 20])[0]
    paid = ordered + dt.timedelta(minutes=rng.randint(2, 60) if method != "bank" else rng.randint(600, 4 * 1440))
    paid = min(paid, now)
    access_from = paid + dt.timedelta(minutes=rng.randint(1, 30))
    access_end = access_from + dt.timedelta(days=days)
    ended = access_end if access_end <= now else None
    iban, bic = syn.iban() if method == "bank" else (None, None)
    out.add("service_orders", {
        "id": order_id, "account_id": account_id, "category": category,
        "first_name": p.first_name, "last_name": p.last_name, "address": p.street, "postcode": p.postcode,
        "city": p.city, "email": p.email, "phone": p.phone, "ordered_at": ordered, "access_from": access_from,
        "access_ended_at": ended, "price_eur": price, "payment_method": method,
        "payer_name": p.name if method == "bank" else None,
        "payer_address": p.address if method == "bank" else None, "iban": iban, "bic": bic,
        "payment_reference": syn.reference() if method == "bank" else None,
        "paypal_email": p.email if method == "paypal" else None,
        "paypal_transaction_id": f"{rng.getrandbits(60):017X}"[:17] if method == "paypal" else None,
        "sms_phone": p.phone if method == "sms" else None,
        "sms_operator": rng.choice(SMS_OPERATORS) if method == "sms" else None,
        "sms_access_code": f"{rng.randint(0, 99999999):08d}" if method == "sms" else None,
        "paid_at": paid, "claim_pending": rng.random() < 0.02, "restricted": False,
    })
    _invoice(out, syn, ids, p, account_id, order_id, None, access_from.date(), paid, price)
    return order_id, category, ended, access_from


def _attempt(out, syn: Synthetic, ids: _Ids, account_id: int, order_id: int, category: str,
             access_from: dt.datetime, until: dt.datetime, access_end: dt.datetime | None, ip: str) -> None:
    rng = syn.rng
    started = syn.instant(access_from, until)
    done = rng.random() < 0.9
    skill = rng.random()
    rate = 0.55 + 0.4 * skill  # share of correct answers; binomial over 50 questions, approximated
    correct = min(50, max(0, round(rng.gauss(50 * rate, (50 * rate * (1 - rate)) ** 0.5)))) if done else None
    seconds = rng.randint(300, 2400) if done else None
    out.add("quiz_attempts", {
        "id": ids("quiz_attempts"), "account_id": account_id, "order_id": order_id, "category": category,
        "quiz_id": rng.randint(1, 60), "started_at": started,
        "viewed_at": started + dt.timedelta(seconds=rng.randint(2, 40)),
        "submitted_at": started + dt.timedelta(seconds=seconds) if seconds else None,
        "seconds_spent": seconds, "answers": _answers(rng) if done else _answers(rng)[:rng.randint(1, 49)],
        "correct": correct, "wrong": 50 - correct if correct is not None else None,
        "score": correct * 2 if correct is not None else None,
        "pass_probability": round(min(0.99, max(0.01, (correct - 30) / 20)), 3) if correct is not None else None,
        "ip": ip if rng.random() < 0.6 else syn.ip(), "access_ended_at": access_end,
    })


def _invoice(out, syn: Synthetic, ids: _Ids, p: Person, account_id: int | None, service_order_id: int | None,
             shop_order_id: int | None, service_date: dt.date, issued: dt.datetime, total: str) -> None:
    invoice_id = ids("invoices")
    out.add("invoices", {
        "id": invoice_id, "number": f"{issued.year}-{invoice_id:07d}", "account_id": account_id,
        "service_order_id": service_order_id, "shop_order_id": shop_order_id, "buyer_name": p.name,
        "address": p.street, "postcode": p.postcode, "city": p.city, "email": p.email,
        "service_date": service_date, "issued_at": issued, "total_eur": total,
    })


def _shop(out, syn: Synthetic, ids: _Ids, p: Person, account_id: int | None, first: dt.datetime,
          now: dt.datetime) -> None:
    rng = syn.rng
    ordered = first
    for _ in range(rng.choices([1, 2], [85, 15])[0]):
        order_id = ids("shop_orders")
        gift = rng.random() < 0.2
        recipient = syn.person() if gift else p
        items = rng.sample(PRODUCTS, rng.choice((1, 1, 2)))
        total = f"{sum(float(x[1]) for x in items) + 3.90:.2f}"
        paid = ordered + dt.timedelta(hours=rng.randint(1, 72))
        delivered = paid + dt.timedelta(days=rng.randint(1, 5), hours=rng.randint(0, 9))
        delivered_at = delivered if delivered <= now else None
        iban, bic = syn.iban()
        # people type their address as they like in a shop form
        email = p.email if rng.random() < 0.95 else p.email[:1].upper() + p.email[1:]
        out.add("shop_orders", {
            "id": order_id, "account_id": account_id, "buyer_first_name": p.first_name,
            "buyer_last_name": p.last_name, "buyer_address": p.street, "buyer_postcode": p.postcode,
            "buyer_city": p.city, "email": email, "phone": p.phone if rng.random() < 0.7 else None,
            "recipient_name": recipient.name, "delivery_address": recipient.street,
            "delivery_postcode": recipient.postcode, "delivery_city": recipient.city,
            "items": "; ".join(x[0] for x in items), "total_eur": total, "ordered_at": ordered,
            "iban": iban, "bic": bic, "payment_reference": syn.reference(), "paid_at": min(paid, now),
            "delivered_at": delivered_at, "claim_pending": rng.random() < 0.03, "restricted": False,
        })
        _invoice(out, syn, ids, p, account_id, None, order_id, (delivered_at or paid).date(), min(paid, now), total)
        ordered = ordered + dt.timedelta(days=rng.randint(20, 900))
        if ordered >= now:
            break


def _subscriber(out, syn: Synthetic, ids: _Ids, table: str, p: Person, at: dt.datetime) -> None:
    out.add(table, {"id": ids(table), "email": p.email, "first_name": p.first_name, "last_name": p.last_name,
                    "subscribed_at": at,
                    "confirmed_at": at + dt.timedelta(minutes=syn.rng.randint(1, 300)) if syn.chance(0.9) else None})


def _mail(out, syn: Synthetic, ids: _Ids, p: Person, at: dt.datetime, now: dt.datetime) -> None:
    subject, body = syn.rng.choice(MAIL_SUBJECTS)
    replied = at + dt.timedelta(hours=syn.rng.randint(1, 72))
    out.add("correspondence", {
        "id": ids("correspondence"), "email": p.email, "name": p.name, "subject": subject,
        "body": f"{body}\n\nLep pozdrav,\n{p.name}\n{p.phone}", "received_at": at,
        "replied_at": replied if replied <= now else None})


def _visit(out, syn: Synthetic, ids: _Ids, at: dt.datetime) -> None:
    rng = syn.rng
    out.add("access_log", {
        "id": ids("access_log"), "ip": syn.ip(), "visited_at": at, "method": "GET" if rng.random() < 0.93 else "POST",
        "path": rng.choice(PAGES), "status": rng.choices([200, 301, 304, 404], [85, 5, 7, 3])[0],
        "referrer": rng.choice(REFERRERS), "user_agent": rng.choice(AGENTS)})


_ANSWER_POOL: list[str] = []


def _answers(rng: random.Random) -> str:
    """50 answers (a/b/c), one per question; drawn from a pool made once from the same rng."""
    if not _ANSWER_POOL:
        _ANSWER_POOL.extend("".join(random.Random(n).choices("abc", k=50)) for n in range(1024))
    return rng.choice(_ANSWER_POOL)


def _code(rng: random.Random) -> str:
    return "ECPP-" + "".join(rng.choices("ABCDEFGHJKLMNPRSTUVZ23456789", k=8))
