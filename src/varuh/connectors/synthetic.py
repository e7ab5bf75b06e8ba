"""Realistic synthetic Slovenians for the example databases: names, addresses, phones, e-mails, IBANs.

Names and streets come from Faker's sl_SI lists; postcodes are real Slovenian post offices, so an
address reads right (`Trubarjeva cesta 12, 2000 Maribor`). Everything is drawn from one seeded
`random.Random`, so a seed gives the same people every time, and nothing calls Faker per row:
100,000 subjects take seconds, not minutes.
"""

from __future__ import annotations

import datetime as dt
import random
from bisect import bisect
from dataclasses import dataclass
from itertools import accumulate

from faker.providers.address.sl_SI import Provider as _Address
from faker.providers.person.sl_SI import Provider as _Person

# (postcode, post office, weight ~ population served)
PLACES: list[tuple[str, str, int]] = [
    ("1000", "Ljubljana", 60), ("1210", "Ljubljana - Šentvid", 6), ("1231", "Ljubljana - Črnuče", 5),
    ("1260", "Ljubljana - Polje", 5), ("2000", "Maribor", 25), ("3000", "Celje", 12), ("4000", "Kranj", 11),
    ("6000", "Koper", 10), ("8000", "Novo mesto", 9), ("5000", "Nova Gorica", 7), ("3320", "Velenje", 8),
    ("2250", "Ptuj", 6), ("9000", "Murska Sobota", 6), ("2380", "Slovenj Gradec", 4), ("4270", "Jesenice", 4),
    ("4220", "Škofja Loka", 5), ("1230", "Domžale", 6), ("1241", "Kamnik", 5), ("1420", "Trbovlje", 3),
    ("6230", "Postojna", 3), ("6310", "Izola", 3), ("6330", "Piran", 2), ("5270", "Ajdovščina", 3),
    ("4260", "Bled", 2), ("8250", "Brežice", 3), ("8270", "Krško", 4), ("5280", "Idrija", 2),
    ("1270", "Litija", 2), ("1290", "Grosuplje", 4), ("1360", "Vrhnika", 3), ("1330", "Kočevje", 2),
    ("6210", "Sežana", 2), ("5220", "Tolmin", 2), ("3310", "Žalec", 3), ("2310", "Slovenska Bistrica", 3),
    ("2230", "Lenart v Slovenskih goricah", 2), ("9240", "Ljutomer", 2), ("9220", "Lendava", 2),
    ("2390", "Ravne na Koroškem", 2), ("4240", "Radovljica", 3), ("4290", "Tržič", 2), ("1215", "Medvode", 3),
    ("1370", "Logatec", 2), ("6250", "Ilirska Bistrica", 2), ("8340", "Črnomelj", 2), ("8290", "Sevnica", 2),
    ("3270", "Laško", 2), ("3250", "Rogaška Slatina", 2), ("3210", "Slovenske Konjice", 2),
    ("2342", "Ruše", 1), ("6320", "Portorož", 1), ("1234", "Mengeš", 2), ("1295", "Ivančna Gorica", 2),
    ("2270", "Ormož", 1), ("9250", "Gornja Radgona", 1), ("8210", "Trebnje", 2), ("1310", "Ribnica", 1),
]
MAIL_DOMAINS = [("gmail.com", 46), ("siol.net", 12), ("hotmail.com", 6), ("t-2.net", 5), ("amis.net", 3),
                ("yahoo.com", 4), ("guest.arnes.si", 3), ("telemach.net", 2), ("outlook.com", 4),
                ("icloud.com", 2), ("gmx.net", 1), ("volja.net", 1), ("student.uni-lj.si", 3), ("net.hr", 1)]
MOBILE_PREFIXES = ["031", "041", "040", "051", "030", "068", "069", "070", "064", "071"]
LANDLINE_AREAS = ["01", "02", "03", "04", "05", "07"]
# (bank code in the IBAN, BIC) of banks that hold Slovenian accounts
BANKS = [("02", "LJBASI2X"), ("03", "SKBASI2X"), ("10", "BAKOSI2X"), ("04", "KBMASI2X"), ("07", "GORESI2X"),
         ("34", "SZKBSI2X"), ("61", "HDELSI22"), ("19", "DBSSSI2X"), ("33", "ADDKSI2X")]
# address blocks of Slovenian access providers (for access logs and registration IPs)
IP_BLOCKS = ["93.103", "89.212", "46.122", "193.77", "84.255", "86.61", "164.8", "91.185", "77.38", "213.250"]
_BCRYPT_ALPHABET = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_FOLD = str.maketrans("čšžćđČŠŽĆĐäöüé", "cszcdCSZCDaoue")


class Rng(random.Random):
    """random.Random with lean randint/choice/choices: generating 100,000 people calls them millions
    of times, and the standard versions spend most of that in argument checks. Deterministic for a
    seed, like its parent."""

    def randint(self, a: int, b: int) -> int:  # type: ignore[override]
        return a + int(self.random() * (b - a + 1))

    def choice(self, seq):  # type: ignore[override]
        return seq[int(self.random() * len(seq))]

    def choices(self, population, weights=None, *, cum_weights=None, k=1):  # type: ignore[override]
        if k != 1:
            return super().choices(population, weights, cum_weights=cum_weights, k=k)
        if cum_weights is None and weights is not None:
            cum_weights = list(accumulate(weights))
        if cum_weights is None:
            return [population[int(self.random() * len(population))]]
        return [population[bisect(cum_weights, self.random() * cum_weights[-1], 0, len(population) - 1)]]


def ascii_fold(text: str) -> str:
    """janez.Šuštar -> janez.Sustar: e-mail local parts and usernames are ASCII in practice."""
    return text.translate(_FOLD)


@dataclass(frozen=True)
class Person:
    first_name: str
    last_name: str
    female: bool
    email: str
    phone: str
    street: str
    postcode: str
    city: str
    birth_year: int

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def address(self) -> str:
        return f"{self.street}, {self.postcode} {self.city}"


class Synthetic:
    """A seeded source of Slovenian people and the data around them."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._emails: set[str] = set()
        self._usernames: set[str] = set()
        self._places = [(p, c) for p, c, _ in PLACES]
        self._place_weights = [w for _, _, w in PLACES]
        self._domains = [d for d, _ in MAIL_DOMAINS]
        self._domain_weights = [w for _, w in MAIL_DOMAINS]
        self._streets = list(_Address.streets)
        self._male = list(_Person.first_names_male)
        self._female = list(_Person.first_names_female)
        self._last = list(_Person.last_names)

    # people ------------------------------------------------------------------------------------

    def person(self, born: tuple[int, int] = (1950, 2008)) -> Person:
        rng = self.rng
        female = rng.random() < 0.5
        first = rng.choice(self._female if female else self._male)
        last = rng.choice(self._last)
        postcode, city = rng.choices(self._places, self._place_weights)[0]
        return Person(first, last, female, self.email(first, last), self.mobile(), self.street(), postcode, city,
                      rng.randint(*born))

    def street(self) -> str:
        number = self.rng.choices([str(self.rng.randint(1, 40)), str(self.rng.randint(1, 180)),
                                   f"{self.rng.randint(1, 60)}{self.rng.choice('abc')}"], [6, 3, 1])[0]
        return f"{self.rng.choice(self._streets)} {number}"

    def place(self) -> tuple[str, str]:
        return self.rng.choices(self._places, self._place_weights)[0]

    def email(self, first: str, last: str) -> str:
        """A unique, plausible address: janez.novak@gmail.com, jnovak87@siol.net, novak.janez@t-2.net."""
        rng = self.rng
        f, s = ascii_fold(first).lower().replace(" ", ""), ascii_fold(last).lower().replace(" ", "")
        local = rng.choices([f"{f}.{s}", f"{f[0]}{s}", f"{s}.{f}", f"{f}{s}", f"{f}.{s}{rng.randint(60, 99)}",
                             f"{f}{rng.randint(1, 999)}"], [40, 15, 10, 12, 15, 8])[0]
        domain = rng.choices(self._domains, self._domain_weights)[0]
        address = f"{local}@{domain}"
        while address in self._emails:
            address = f"{local}{rng.randint(1, 9999)}@{domain}"
        self._emails.add(address)
        return address

    def mobile(self) -> str:
        """041 234 567: the way Slovenians write their mobile numbers."""
        d = self.rng.randint(0, 999_999)
        return f"{self.rng.choice(MOBILE_PREFIXES)} {d // 1000:03d} {d % 1000:03d}"

    def landline(self) -> str:
        d = self.rng.randint(1_000_000, 7_999_999)
        return f"{self.rng.choice(LANDLINE_AREAS)} {d // 10000:03d} {d % 10000:04d}"

    def username(self, person: Person) -> str:
        base = ascii_fold(person.first_name[0] + person.last_name).lower().replace(" ", "")
        name = base if self.rng.random() < 0.3 else f"{base}{self.rng.randint(1, 99)}"
        while name in self._usernames:
            name = f"{base}{self.rng.randint(1, 99999)}"
        self._usernames.add(name)
        return name

    def unique(self, make, seen: set[str]) -> str:
        """make() until the value is new to `seen` (codes, numbers that a schema keeps unique)."""
        value = make()
        while value in seen:
            value = make()
        seen.add(value)
        return value

    # money -------------------------------------------------------------------------------------

    def iban(self) -> tuple[str, str]:
        """A valid Slovenian IBAN and its bank's BIC.

        The national account number ends in two ISO 7064 mod 97-10 check digits, which makes the
        IBAN check digits of every Slovenian account 56.
        """
        bank, bic = self.rng.choice(BANKS)
        body = f"{bank}{self.rng.randint(0, 999):03d}{self.rng.randint(0, 99_999_999):08d}"
        check = 98 - (int(body) * 100) % 97
        digits = f"{body}{check:02d}"
        return "SI56 " + " ".join(digits[i:i + 4] for i in range(0, 15, 4)), bic

    def reference(self) -> str:
        """A payment reference of the SI00 model, as Slovenian bank transfers carry it."""
        return f"SI00 {self.rng.randint(10000, 99999)}-{self.rng.randint(1, 9999)}"

    # the web -----------------------------------------------------------------------------------

    def ip(self) -> str:
        if self.rng.random() < 0.1:
            r = self.rng.randint
            return f"2a00:ee2:{r(0, 0xffff):x}:{r(0, 0xffff):x}::{r(1, 0xfff):x}"
        return f"{self.rng.choice(IP_BLOCKS)}.{self.rng.randint(0, 255)}.{self.rng.randint(1, 254)}"

    def password_hash(self) -> str:
        """Looks like PHP's bcrypt output; it hashes nothing."""
        return "$2y$10$" + "".join(self.rng.choices(_BCRYPT_ALPHABET, k=53))

    # time --------------------------------------------------------------------------------------

    def instant(self, start: dt.datetime, end: dt.datetime) -> dt.datetime:
        """A moment between start and end, in office-ish hours more often than at night."""
        span = max((end - start).total_seconds(), 1.0)
        moment = start + dt.timedelta(seconds=int(self.rng.random() * span))
        if moment.hour < 6 and self.rng.random() < 0.7:
            moment += dt.timedelta(hours=9)
        return min(moment, end)

    def chance(self, p: float) -> bool:
        return self.rng.random() < p


def midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day)


class Ids:
    """Explicit ids per table, so generated rows can reference each other without a round trip."""

    def __init__(self) -> None:
        self.n: dict[str, int] = {}

    def __call__(self, table: str) -> int:
        self.n[table] = self.n.get(table, 0) + 1
        return self.n[table]


def history_start(today: dt.date, years: int) -> dt.datetime:
    """Midnight `years` before today (29 February falls back to the 28th)."""
    day = today.replace(day=28) if (today.month, today.day) == (2, 29) else today
    return midnight(day.replace(year=day.year - years))
