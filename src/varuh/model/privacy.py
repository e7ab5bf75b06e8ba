"""The schema of privacy.yaml: what an organisation declares about its processing.

Everything a GDPR Art. 13/14 notice and an Art. 30 record need, in a form a machine can run:
retention is a list of structured rules (a period after a named anchor event, conditions that
stop or suspend it), not free text. Texts a person reads are bilingual `{sl, en}`, Slovenian
primary. References between parts (an activity's recipients, a cookie's activity) are ids that
`varuh.model.load` resolves, so a misspelt id is an error with a line number.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from varuh.model.periods import Period

ID_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
Id = Annotated[str, Field(pattern=ID_PATTERN, description="A short id: lower-case letters, digits, - and _.")]


class Strict(BaseModel):
    """Unknown fields are errors: a misspelt field must not be silently ignored."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def _period(value: Any) -> Period:
    if isinstance(value, Period):
        return value
    if not isinstance(value, str):
        raise ValueError("a duration must be written as ISO 8601 text, e.g. P2Y, P6M, P30D")
    return Period.parse(value)


Duration = Annotated[
    Period,
    BeforeValidator(_period),
    PlainSerializer(lambda p: p.iso(), return_type=str),
    WithJsonSchema({"type": "string", "pattern": "^P", "description": "ISO 8601 duration: P2Y, P6M, P30D, PT72H"}),
]


class Text(Strict):
    """A text a person reads, in Slovenian (primary) and English."""

    sl: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def __call__(self, lang: str) -> str:
        return self.en if lang == "en" else self.sl


# --- the organisation --------------------------------------------------------------------------


class Address(Strict):
    street: str
    postcode: str
    city: str
    country: str = Field("SI", description="ISO 3166-1 alpha-2 country code.")

    def line(self) -> str:
        return f"{self.street}, {self.postcode} {self.city}"


class Contact(Strict):
    email: str | None = None
    phone: str | None = None
    web: str | None = None
    address: Address | None = None
    note: Text | None = None


class Person(Strict):
    """The DPO (pooblaščena oseba za varstvo podatkov) or a contact point."""

    name: str | None = None
    kind: Literal["dpo", "contact_point"] = "dpo"
    email: str | None = None
    phone: str | None = None
    address: Address | None = None


class Authority(Strict):
    name: Text = Text(sl="Informacijski pooblaščenec", en="Information Commissioner of the Republic of Slovenia")
    address: Address = Address(street="Dunajska cesta 22", postcode="1000", city="Ljubljana")
    email: str | None = "gp.ip@ip-rs.si"
    phone: str | None = "01 230 97 30"
    web: str | None = "https://www.ip-rs.si"


class Organisation(Strict):
    name: str
    short_name: str | None = None
    legal_form: str | None = Field(None, description="d.o.o., d.d., društvo, zveza, zavod, s.p. …")
    seat: Address | None = None
    offices: list[Address] = []
    registration_number: str | None = Field(None, description="Matična številka (validated with python-stdnum).")
    tax_number: str | None = Field(None, description="Davčna številka / ID za DDV (validated with python-stdnum).")
    register_entry: Text | None = Field(
        None, description="The entry in the court or business register (court, file number, date).")
    bank_account: str | None = Field(None, description="IBAN of the business account (validated with python-stdnum).")
    contact: Contact = Contact()
    dpo: Person | None = None
    supervisory_authority: Authority = Authority()
    website: str | None = None
    consent_age: int = Field(
        15, description="Age from which a child consents alone to information-society services "
        "(ZVOP-2 Art. 8: 15 in Slovenia; GDPR Art. 8(1)).",
    )

    @field_validator("registration_number")
    @classmethod
    def _maticna(cls, value: str | None) -> str | None:
        if value is None:
            return value
        from stdnum.exceptions import ValidationError
        from stdnum.si import maticna

        try:
            maticna.validate(value)  # validate() shortens to 7 digits; keep the number as the policy prints it
            return value
        except ValidationError as e:
            raise ValueError(f"not a valid Slovenian registration number (matična številka): {e}") from None

    @field_validator("bank_account")
    @classmethod
    def _iban(cls, value: str | None) -> str | None:
        if value is None:
            return value
        from stdnum import iban
        from stdnum.exceptions import ValidationError

        try:
            iban.validate(value)
        except ValidationError as e:
            raise ValueError(f"not a valid IBAN: {e}") from None
        return iban.format(value)

    @field_validator("tax_number")
    @classmethod
    def _ddv(cls, value: str | None) -> str | None:
        if value is None:
            return value
        from stdnum.exceptions import ValidationError
        from stdnum.si import ddv

        try:
            ddv.validate(value)  # validate() drops the SI prefix; keep the number as the policy prints it
            return value
        except ValidationError as e:
            raise ValueError(f"not a valid Slovenian tax number (davčna številka): {e}") from None


class PolicyVersion(Strict):
    version: str
    effective: dt.date
    url: str | None = None
    changes: Text | None = None


class Policy(Strict):
    version: str
    reference: str | None = Field(None, description="The document's file number, e.g. ZMOS's 071-1/2019-1.")
    effective: dt.date = Field(description="The date this version of the policy took effect.")
    url: str | None = None
    earlier: list[PolicyVersion] = []
    languages: list[Literal["sl", "en"]] = ["sl", "en"]
    legal_references: list[str] = Field(
        [], description="The laws the policy text says it follows, cited verbatim (e.g. 'ZVOP-1, Uradni list RS, "
        "št. 94/07'), so check can point at a repealed law or a mistyped regulation number; documents cite the "
        "law correctly on their own.")


# --- subjects and data -------------------------------------------------------------------------


class SubjectCategory(Strict):
    id: Id
    name: Text
    description: Text | None = None
    children: bool = Field(False, description="The category may include children (GDPR Art. 8, recital 38).")


class DataCategory(Strict):
    id: Id
    name: Text
    items: Text | None = Field(None, description="What the category holds, as a readable list.")
    special: bool = Field(False, description="Special category under GDPR Art. 9(1).")
    criminal: bool = Field(False, description="Data on criminal convictions and offences, GDPR Art. 10.")
    dpv: str | None = Field(None, description="W3C DPV personal-data term, e.g. dpv-pd:EmailAddress.")


# --- recipients -------------------------------------------------------------------------------


class RecipientRole(StrEnum):
    processor = "processor"
    controller = "controller"
    joint_controller = "joint_controller"
    public_authority = "public_authority"


class Recipient(Strict):
    id: Id
    name: Text
    role: RecipientRole
    country: str | None = Field(None, description="ISO 3166-1 alpha-2 country of its seat; None: a category.")
    processing_countries: list[str] = Field(
        [], description="Countries where the recipient (or its group) processes the data, where known: a seat in "
        "Ireland with processing in the US is a third-country transfer (GDPR Chapter V).")
    purpose: Text | None = None
    category: bool = Field(False, description="A category of recipients rather than a named one.")
    dpa: bool | None = Field(None, description="A data-processing agreement (GDPR Art. 28(3)) is in place.")
    arrangement: Text | None = Field(None, description="For joint controllers: the essence of the Art. 26 arrangement.")
    privacy_url: str | None = None


# --- activities -------------------------------------------------------------------------------


class LegalBasis(StrEnum):
    """GDPR Art. 6(1)."""

    consent = "consent"  # (a)
    contract = "contract"  # (b)
    legal_obligation = "legal_obligation"  # (c)
    vital_interests = "vital_interests"  # (d)
    public_task = "public_task"  # (e)
    legitimate_interests = "legitimate_interests"  # (f)


class Art9Condition(StrEnum):
    """GDPR Art. 9(2): the condition that lifts the ban on special-category data."""

    explicit_consent = "explicit_consent"  # (a)
    employment = "employment"  # (b)
    vital_interests = "vital_interests"  # (c)
    not_for_profit = "not_for_profit"  # (d)
    made_public = "made_public"  # (e)
    legal_claims = "legal_claims"  # (f)
    substantial_public_interest = "substantial_public_interest"  # (g)
    health_care = "health_care"  # (h)
    public_health = "public_health"  # (i)
    archiving_research = "archiving_research"  # (j)


class Role(Strict):
    """Whose processing this is: ours, ours jointly with others (Art. 26), or a customer's (Art. 28)."""

    kind: Literal["controller", "joint_controller", "processor"] = "controller"
    with_: list[Id] = Field([], alias="with", description="Joint controllers: recipient ids.")
    for_: Text | None = Field(None, alias="for", description="Processor: for whom (the customers).")


class LegitimateInterest(Strict):
    interest: Text
    balancing: Text | None = Field(None, description="Why the interest is not overridden (Art. 6(1)(f)).")


class Source(Strict):
    """Where the data comes from (Art. 14(2)(f) when not from the subject)."""

    kind: Literal["subject", "third_party", "public", "observed", "derived"] = "subject"
    name: Text | None = None
    recipient: Id | None = Field(None, description="The declared recipient this source is, e.g. google.")


class Requirement(Strict):
    """Art. 13(2)(e): whether providing the data is required, and what follows if it is not."""

    kind: Literal["statutory", "contractual", "contract_precondition", "voluntary"]
    consequence: Text | None = None


class TransferSafeguard(StrEnum):
    """GDPR Chapter V."""

    adequacy = "adequacy"  # Art. 45
    scc = "scc"  # Art. 46(2)(c)
    bcr = "bcr"  # Art. 47
    derogation = "derogation"  # Art. 49
    none = "none"


class Transfer(Strict):
    recipient: Id
    country: str
    safeguard: TransferSafeguard
    details: Text | None = None


class AutomatedDecisions(Strict):
    """Art. 13(2)(f), Art. 22."""

    exists: bool = False
    profiling: bool = False
    logic: Text | None = None
    significance: Text | None = None


class Anchor(Strict):
    """The event a retention period runs from, and the words for "after it" in both languages.

    `id` names the event; datasets.yaml maps it to a column per table. The text is the phrase that
    follows the period: sl "po odgovoru", en "after the answer".
    """

    id: Id
    after: Text


class Condition(Strict):
    """A condition named in the model and defined against the data in datasets.yaml."""

    id: Id
    text: Text


class RetentionRule(Strict):
    """One machine-executable retention rule.

    kinds:
      after    — `period` after the `anchor` event (P0D: at the event); `year_end` first moves the
                 anchor to 31 December of its year ("10 years after the end of the year");
      consent  — until consent is withdrawn, then erased within `grace`;
      customer — set by the customer for processor activities (Art. 28(3)(g)); `default` if unset;
      purpose  — while the purpose lasts, with no measurable end: allowed, but check warns.
    `unless`: conditions that cancel the rule (an account with a purchase is not deleted at 30 days);
    `hold_while`: conditions that suspend it (a pending claim).
    """

    id: Id
    kind: Literal["after", "consent", "customer", "purpose"] = "after"
    data: list[Id] = Field([], description="Data categories the rule covers; empty: all of the activity's.")
    period: Duration | None = None
    anchor: Anchor | None = None
    year_end: bool = False
    grace: Duration | None = Field(None, description="kind consent: erased within this after withdrawal.")
    default: Duration | None = Field(None, description="kind customer: the period when the customer sets none.")
    unless: list[Condition] = []
    hold_while: list[Condition] = []
    note: Text | None = None

    @model_validator(mode="after")
    def _shape(self) -> RetentionRule:
        if self.kind == "after" and (self.period is None or self.anchor is None):
            raise ValueError("a rule of kind 'after' needs both a period and an anchor")
        if self.kind == "consent" and self.anchor is not None:
            raise ValueError("a rule of kind 'consent' runs from the withdrawal: it takes no anchor")
        if self.year_end and self.kind != "after":
            raise ValueError("year_end applies only to rules of kind 'after'")
        return self


class ConsentSpec(Strict):
    """How consent for a consent-based activity is asked for and withdrawn (Art. 7)."""

    wording: Text | None = Field(None, description="The exact request shown to the subject.")
    withdraw: list[Literal["email", "link", "web_form", "preference_centre", "post", "phone"]] = Field(
        [], description="Channels for withdrawal: as easy as giving consent (Art. 7(3)).")
    proof_retention: Duration | None = Field(None, description="How long proofs are kept after consent ends.")
    parental_below: int | None = Field(None, description="Override of organisation.consent_age for this purpose.")


class Activity(Strict):
    id: Id
    name: Text
    purpose: Text
    role: Role = Role()
    legal_basis: LegalBasis
    art9_condition: Art9Condition | None = None
    legitimate_interest: LegitimateInterest | None = None
    data: list[Id] = Field(description="Personal-data category ids.")
    subjects: list[Id] = Field(description="Data-subject category ids.")
    sources: list[Source] = []
    requirement: Requirement | None = None
    recipients: list[Id] = []
    transfers: list[Transfer] = []
    automated_decisions: AutomatedDecisions = AutomatedDecisions()
    measures: list[Text] = Field([], description="Art. 32 technical and organisational measures.")
    retention: list[RetentionRule] = []
    consent: ConsentSpec | None = None
    systems: list[str] = Field([], description="Where the activity runs: e-classroom, web shop, …")


# --- cookies -----------------------------------------------------------------------------------


class CookieCategory(StrEnum):
    necessary = "necessary"
    preferences = "preferences"
    statistics = "statistics"
    marketing = "marketing"


class Cookie(Strict):
    name: str
    pattern: bool = Field(False, description="`name` is a prefix or pattern (e.g. _ga_*), not an exact name.")
    provider: str = Field(description="The domain or company that sets it.")
    purpose: Text | None = None
    duration: Duration | Literal["session"] | None = None
    party: Literal["first", "third"] = "first"
    storage: Literal["cookie", "localStorage", "sessionStorage"] = "cookie"
    category: CookieCategory
    activity: Id | None = Field(None, description="The activity that covers it; a consent activity unless necessary.")
    path: str = "/"


# --- rights ------------------------------------------------------------------------------------


class Channel(Strict):
    kind: Literal["email", "post", "web_form", "phone", "in_person"]
    address: str | None = None
    note: Text | None = None


class Procedure(Strict):
    """A controller-declared procedure, e.g. instruiraj's internal appeal (15 days, 5 working days)."""

    id: Id
    name: Text
    description: Text | None = None
    lodge_within: Duration | None = Field(None, description="The subject may lodge it within this period.")
    decide_within_working_days: int | None = None
    decide_within: Duration | None = None


class Rights(Strict):
    channels: list[Channel] = []
    deadline: Duration = Field(Period(months=1), description="GDPR Art. 12(3): one month.")
    extension: Duration = Field(Period(months=2), description="GDPR Art. 12(3): by two further months.")
    identity_check: Text | None = Field(None, description="How identity is checked when in doubt (Art. 12(6)).")
    fee: Text | None = Field(None, description="Fees for manifestly unfounded or excessive requests (Art. 12(5)).")
    marketing_objection_within: Duration | None = Field(
        None, description="A promise to honour an objection to direct marketing within this period.")
    procedures: list[Procedure] = []
    note: Text | None = None


class Breach(Strict):
    notify_authority_within: Duration = Field(Period(hours=72), description="GDPR Art. 33(1): 72 hours.")
    promise: Text | None = Field(None, description="What the policy promises about breaches.")


# --- the whole model ---------------------------------------------------------------------------


class PrivacyModel(Strict):
    varuh: Literal[1] = Field(1, description="Version of the privacy.yaml format.")
    organisation: Organisation
    policy: Policy | None = None
    subjects: list[SubjectCategory] = []
    data_categories: list[DataCategory] = []
    recipients: list[Recipient] = []
    activities: list[Activity] = []
    cookies: list[Cookie] = []
    rights: Rights = Rights()
    breach: Breach = Breach()
    no_third_country_transfers: bool = Field(
        False, description="The policy states that no personal data leaves the EU/EEA.")
    notes: list[Text] = Field([], description="Anything else the policy says, rendered at the end.")

    # lookups used everywhere -----------------------------------------------------------------

    def activity(self, activity_id: str) -> Activity | None:
        return next((a for a in self.activities if a.id == activity_id), None)

    def recipient(self, recipient_id: str) -> Recipient | None:
        return next((r for r in self.recipients if r.id == recipient_id), None)

    def data_category(self, category_id: str) -> DataCategory | None:
        return next((c for c in self.data_categories if c.id == category_id), None)

    def subject_category(self, category_id: str) -> SubjectCategory | None:
        return next((c for c in self.subjects if c.id == category_id), None)

    def consent_activities(self) -> list[Activity]:
        return [a for a in self.activities if a.legal_basis == LegalBasis.consent]
