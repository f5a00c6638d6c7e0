"""Deterministic, realistic-looking candidate profiles and vacancies for benchmarks.

Profile ``i`` depends only on ``(seed, i)``, never on how many are generated, so the first
10,000 profiles of a 100,000 run are exactly the profiles of a 10,000 run and sizes can grow
one database step by step. Profiles are Dutch or English, spread over several fields (IT,
teaching, libraries and archives, editing, community management, healthcare, finance, HR),
and about one in five has an earlier job in another field, so transferable skills and mixed
vocabularies occur as they do in real CVs. Half of the titles and skills come from ESCO
(``bench/esco_words.py``: the field's ESCO occupations and skills, Dutch and English) when the
ESCO files are beside the checkout. The shapes are the public API's
(``CandidateCreate`` / ``VacancyCreate`` as JSON), so a profile can be posted as is.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal, NotRequired, TypedDict

from bench.esco_words import field_words

Language = Literal["nl", "en"]
DEFAULT_SEED = 20261122
ESCO_SHARE = 0.5  # of titles and skills drawn from ESCO when its files are there


class LocationPayload(TypedDict):
    city: str
    country: str


class ExperiencePayload(TypedDict):
    title: str
    organisation: str
    start: str
    end: str | None
    description: str


class EducationPayload(TypedDict):
    degree: str
    field: str
    institution: str
    year: int


class CandidatePayload(TypedDict):
    external_id: str
    name: str
    email: str
    headline: str
    summary: str
    language: Language
    skills: list[str]
    languages: list[str]
    location: LocationPayload
    remote: bool
    experience: list[ExperiencePayload]
    education: list[EducationPayload]


class VacancyPayload(TypedDict):
    external_id: str
    title: str
    description: str
    language: Language
    required_skills: list[str]
    nice_to_have_skills: list[str]
    required_languages: list[str]
    location: LocationPayload
    remote: bool
    employment_type: str
    hours_per_week: NotRequired[float]


@dataclass(frozen=True)
class Words:
    """One field's vocabulary in one language."""

    titles: tuple[str, ...]
    skills: tuple[str, ...]
    domains: tuple[str, ...]  # "digital collections", "primary education"
    activities: tuple[str, ...]  # full sentences about daily work, first person
    results: tuple[str, ...]  # full sentences about an achievement, first person
    organisations: tuple[str, ...]
    degrees: tuple[tuple[str, str], ...]  # (degree, field of study)


@dataclass(frozen=True)
class Field:
    name: str
    weight: int  # relative frequency among profiles
    words: dict[Language, Words]


FIELDS: tuple[Field, ...] = (
    Field(
        "it",
        22,
        {
            "en": Words(
                titles=(
                    "Software Developer",
                    "Backend Developer",
                    "Data Engineer",
                    "DevOps Engineer",
                    "Full Stack Developer",
                    "Data Analyst",
                    "Python Developer",
                ),
                skills=(
                    "Python",
                    "SQL",
                    "JavaScript",
                    "TypeScript",
                    "Docker",
                    "Kubernetes",
                    "PostgreSQL",
                    "Linux",
                    "Git",
                    "REST APIs",
                    "data analysis",
                    "Django",
                    "React",
                    "cloud computing",
                    "Scrum",
                    "continuous integration",
                ),
                domains=(
                    "web applications",
                    "data pipelines",
                    "cloud infrastructure",
                    "open source software",
                    "e-commerce platforms",
                ),
                activities=(
                    "I build and maintain REST APIs in Python and PostgreSQL.",
                    "I design data pipelines that load millions of records every night.",
                    "I review code, write tests and keep the continuous integration green.",
                    "I automate deployments with Docker and Kubernetes.",
                    "I work in a Scrum team with designers and product owners.",
                    "I migrate legacy applications to the cloud.",
                    "I write dashboards and reports in SQL for the finance department.",
                ),
                results=(
                    "I cut the response time of the search API by half.",
                    "I introduced automated testing, which reduced production incidents.",
                    "I led the migration of twelve services to Kubernetes.",
                    "I set up monitoring so the team sees problems before customers do.",
                    "I mentored two junior developers during their first year.",
                ),
                organisations=(
                    "Bol.com",
                    "Adyen",
                    "a Utrecht software agency",
                    "the Dutch Tax Administration",
                    "a logistics start-up",
                    "Booking.com",
                    "a Rotterdam consultancy",
                ),
                degrees=(
                    ("BSc", "Computer Science"),
                    ("MSc", "Data Science"),
                    ("BSc", "Information Technology"),
                ),
            ),
            "nl": Words(
                titles=(
                    "Softwareontwikkelaar",
                    "Backend developer",
                    "Data-engineer",
                    "DevOps-engineer",
                    "Applicatiebeheerder",
                    "Data-analist",
                    "Python-ontwikkelaar",
                ),
                skills=(
                    "Python",
                    "SQL",
                    "JavaScript",
                    "Java",
                    "Docker",
                    "Kubernetes",
                    "PostgreSQL",
                    "Linux",
                    "Git",
                    "applicatiebeheer",
                    "data-analyse",
                    "Scrum",
                    "testautomatisering",
                    "informatiebeveiliging",
                ),
                domains=(
                    "webapplicaties",
                    "datapijplijnen",
                    "cloudinfrastructuur",
                    "open source software",
                    "overheidssystemen",
                ),
                activities=(
                    "Ik ontwikkel en onderhoud API's in Python met een PostgreSQL-database.",
                    "Ik bouw datapijplijnen die elke nacht miljoenen records verwerken.",
                    "Ik beoordeel code van collega's en schrijf geautomatiseerde tests.",
                    "Ik automatiseer uitrol en beheer met Docker en Kubernetes.",
                    "Ik werk in een Scrum-team samen met ontwerpers en producteigenaren.",
                    "Ik migreer verouderde applicaties naar de cloud.",
                    "Ik schrijf rapportages in SQL voor de afdeling financiën.",
                ),
                results=(
                    "Ik heb de responstijd van de zoekfunctie gehalveerd.",
                    "Ik heb testautomatisering ingevoerd, waardoor storingen sterk afnamen.",
                    "Ik leidde de migratie van tien diensten naar Kubernetes.",
                    "Ik heb monitoring opgezet zodat het team problemen eerder ziet.",
                    "Ik heb twee junior ontwikkelaars begeleid in hun eerste jaar.",
                ),
                organisations=(
                    "Bol.com",
                    "de Belastingdienst",
                    "een softwarebureau in Utrecht",
                    "gemeente Amsterdam",
                    "een logistieke start-up",
                    "Rabobank",
                    "een ICT-dienstverlener in Eindhoven",
                ),
                degrees=(
                    ("Bachelor", "Informatica"),
                    ("Master", "Data Science"),
                    ("HBO", "Technische Informatica"),
                ),
            ),
        },
    ),
    Field(
        "teaching",
        14,
        {
            "en": Words(
                titles=(
                    "Secondary School Teacher",
                    "Primary School Teacher",
                    "English Teacher",
                    "Mathematics Teacher",
                    "Teaching Assistant",
                    "Curriculum Developer",
                ),
                skills=(
                    "teaching",
                    "lesson planning",
                    "classroom management",
                    "curriculum development",
                    "assessment",
                    "coaching",
                    "special needs education",
                    "e-learning",
                    "mentoring",
                    "parent communication",
                    "differentiated instruction",
                ),
                domains=(
                    "secondary education",
                    "primary education",
                    "vocational training",
                    "adult education",
                ),
                activities=(
                    "I teach mathematics to pupils aged twelve to sixteen.",
                    "I plan lessons and design assessments that match the curriculum.",
                    "I coach pupils who need extra support with reading.",
                    "I talk with parents about the progress of their children.",
                    "I develop e-learning modules for blended lessons.",
                    "I mentor new teachers during their first months at school.",
                ),
                results=(
                    "The exam results of my classes rose two years in a row.",
                    "I introduced a reading programme that the whole school adopted.",
                    "I redesigned the year-three curriculum with three colleagues.",
                    "I organised a school exchange with a partner school in Germany.",
                ),
                organisations=(
                    "a secondary school in Leiden",
                    "an international school in The Hague",
                    "a primary school in Utrecht",
                    "ROC Amsterdam",
                    "a language institute",
                ),
                degrees=(
                    ("BEd", "Primary Education"),
                    ("MA", "Education"),
                    ("PGCE", "Secondary Mathematics"),
                ),
            ),
            "nl": Words(
                titles=(
                    "Docent Nederlands",
                    "Leerkracht basisonderwijs",
                    "Docent wiskunde",
                    "Onderwijsassistent",
                    "Docent Engels",
                    "Onderwijskundige",
                ),
                skills=(
                    "lesgeven",
                    "lesvoorbereiding",
                    "klassenmanagement",
                    "curriculumontwikkeling",
                    "toetsing",
                    "coaching",
                    "passend onderwijs",
                    "e-learning",
                    "mentoraat",
                    "oudergesprekken",
                    "differentiëren",
                ),
                domains=(
                    "het voortgezet onderwijs",
                    "het basisonderwijs",
                    "het mbo",
                    "volwassenenonderwijs",
                ),
                activities=(
                    "Ik geef les aan havo- en vwo-leerlingen in de bovenbouw.",
                    "Ik bereid lessen voor en ontwikkel toetsen die aansluiten bij het curriculum.",
                    "Ik begeleid leerlingen die extra ondersteuning nodig hebben bij lezen.",
                    "Ik voer oudergesprekken over de voortgang van leerlingen.",
                    "Ik ontwikkel digitaal lesmateriaal voor blended learning.",
                    "Ik ben mentor van een brugklas en begeleid stagiaires.",
                ),
                results=(
                    "De examenresultaten van mijn klassen stegen twee jaar op rij.",
                    "Ik heb een leesprogramma opgezet dat de hele school heeft overgenomen.",
                    "Ik heb met collega's het curriculum van de onderbouw vernieuwd.",
                    "Ik organiseerde een uitwisseling met een school in Duitsland.",
                ),
                organisations=(
                    "een middelbare school in Leiden",
                    "basisschool De Regenboog",
                    "ROC Midden Nederland",
                    "een scholengemeenschap in Zwolle",
                    "een taleninstituut",
                ),
                degrees=(
                    ("Pabo", "Leraar basisonderwijs"),
                    ("Master", "Onderwijswetenschappen"),
                    ("Lerarenopleiding", "Nederlands"),
                ),
            ),
        },
    ),
    Field(
        "library",
        9,
        {
            "en": Words(
                titles=(
                    "Librarian",
                    "Archivist",
                    "Collection Specialist",
                    "Metadata Specialist",
                    "Digital Preservation Officer",
                ),
                skills=(
                    "cataloguing",
                    "metadata",
                    "archiving",
                    "digitisation",
                    "information literacy",
                    "collection management",
                    "Dublin Core",
                    "research support",
                    "digital preservation",
                    "records management",
                ),
                domains=(
                    "digital collections",
                    "public libraries",
                    "university libraries",
                    "heritage archives",
                ),
                activities=(
                    "I catalogue new acquisitions and maintain metadata in the library system.",
                    "I help researchers find sources and teach information literacy workshops.",
                    "I coordinate the digitisation of fragile manuscripts.",
                    "I manage the collection policy for the social sciences.",
                    "I advise departments on records management and retention.",
                ),
                results=(
                    "I led the digitisation of 40,000 photographs from the city archive.",
                    "I moved the catalogue to a new library system without downtime.",
                    "I set up a digital preservation workflow for born-digital records.",
                ),
                organisations=(
                    "the Royal Library",
                    "a university library",
                    "a city archive",
                    "a public library in Haarlem",
                    "a national heritage institute",
                ),
                degrees=(
                    ("MA", "Archival Studies"),
                    ("MSc", "Information Science"),
                    ("BA", "History"),
                ),
            ),
            "nl": Words(
                titles=(
                    "Bibliothecaris",
                    "Archivaris",
                    "Collectiespecialist",
                    "Medewerker informatiebeheer",
                    "Specialist digitale collecties",
                ),
                skills=(
                    "catalogiseren",
                    "metadata",
                    "archiveren",
                    "digitaliseren",
                    "informatievaardigheden",
                    "collectiebeheer",
                    "informatiebeheer",
                    "onderzoeksondersteuning",
                    "digitale duurzaamheid",
                    "archiefwet",
                ),
                domains=(
                    "digitale collecties",
                    "openbare bibliotheken",
                    "universiteitsbibliotheken",
                    "erfgoedarchieven",
                ),
                activities=(
                    "Ik catalogiseer nieuwe aanwinsten en beheer de metadata in de catalogus.",
                    "Ik help onderzoekers bronnen vinden en geef workshops informatievaardigheden.",
                    "Ik coördineer het digitaliseren van kwetsbare handschriften.",
                    "Ik ben verantwoordelijk voor het collectiebeleid van de afdeling historie.",
                    "Ik adviseer afdelingen over informatiebeheer en de Archiefwet.",
                ),
                results=(
                    "Ik leidde de digitalisering van 40.000 foto's uit het stadsarchief.",
                    "Ik heb de catalogus zonder onderbreking naar een nieuw systeem overgezet.",
                    "Ik heb een werkwijze voor digitale duurzaamheid ingevoerd.",
                ),
                organisations=(
                    "de Koninklijke Bibliotheek",
                    "een universiteitsbibliotheek",
                    "het Stadsarchief Amsterdam",
                    "de openbare bibliotheek van Haarlem",
                    "een regionaal historisch centrum",
                ),
                degrees=(
                    ("Master", "Archiefwetenschap"),
                    ("Master", "Informatiewetenschap"),
                    ("Bachelor", "Geschiedenis"),
                ),
            ),
        },
    ),
    Field(
        "editing",
        8,
        {
            "en": Words(
                titles=("Editor", "Copy Editor", "Content Editor", "Managing Editor", "Translator"),
                skills=(
                    "editing",
                    "proofreading",
                    "copywriting",
                    "content strategy",
                    "translation",
                    "style guides",
                    "SEO",
                    "content management systems",
                    "fact-checking",
                ),
                domains=("book publishing", "online media", "academic publishing", "journalism"),
                activities=(
                    "I edit non-fiction manuscripts and work closely with authors.",
                    "I proofread articles and keep the house style guide up to date.",
                    "I plan the editorial calendar for the website and the newsletter.",
                    "I translate marketing texts from Dutch into English.",
                    "I check facts and sources before publication.",
                ),
                results=(
                    "I edited twelve titles that were published on schedule.",
                    "The newsletter I relaunched doubled its readership in a year.",
                    "I wrote the style guide the whole newsroom now uses.",
                ),
                organisations=(
                    "an Amsterdam publishing house",
                    "a national newspaper",
                    "an academic publisher",
                    "a content agency",
                ),
                degrees=(("BA", "English Literature"), ("MA", "Journalism"), ("BA", "Linguistics")),
            ),
            "nl": Words(
                titles=("Redacteur", "Eindredacteur", "Contentredacteur", "Vertaler", "Copywriter"),
                skills=(
                    "redigeren",
                    "corrigeren",
                    "copywriting",
                    "contentstrategie",
                    "vertalen",
                    "huisstijl",
                    "zoekmachineoptimalisatie",
                    "eindredactie",
                    "factchecking",
                ),
                domains=("het uitgeverijwezen", "online media", "wetenschappelijke uitgaven"),
                activities=(
                    "Ik redigeer manuscripten van non-fictie en werk nauw samen met auteurs.",
                    "Ik corrigeer artikelen en bewaak de huisstijl.",
                    "Ik plan de redactionele kalender voor de website en de nieuwsbrief.",
                    "Ik vertaal teksten van het Engels naar het Nederlands.",
                    "Ik controleer feiten en bronnen voor publicatie.",
                ),
                results=(
                    "Ik heb twaalf titels geredigeerd die op tijd verschenen.",
                    "De vernieuwde nieuwsbrief verdubbelde in een jaar het aantal lezers.",
                    "Ik schreef de stijlgids die de hele redactie nu gebruikt.",
                ),
                organisations=(
                    "een uitgeverij in Amsterdam",
                    "een landelijk dagblad",
                    "een wetenschappelijke uitgever",
                    "een contentbureau",
                ),
                degrees=(
                    ("Bachelor", "Nederlandse taal en cultuur"),
                    ("Master", "Journalistiek"),
                    ("Bachelor", "Taalwetenschap"),
                ),
            ),
        },
    ),
    Field(
        "community",
        7,
        {
            "en": Words(
                titles=(
                    "Community Manager",
                    "Social Media Manager",
                    "Online Moderator",
                    "Community Coordinator",
                ),
                skills=(
                    "community management",
                    "social media",
                    "moderation",
                    "event planning",
                    "content creation",
                    "stakeholder management",
                    "Discord",
                    "analytics",
                    "volunteer coordination",
                ),
                domains=("online communities", "open source projects", "gaming", "non-profits"),
                activities=(
                    "I grow and moderate an online community of forty thousand members.",
                    "I organise meetups and online events for volunteers.",
                    "I write posts for social media and follow up on comments.",
                    "I report engagement figures to the management team every month.",
                    "I coordinate a team of volunteer moderators.",
                ),
                results=(
                    "Active membership grew by sixty percent in one year.",
                    "I launched an ambassador programme with a hundred volunteers.",
                    "I brought response times on the forum down to under a day.",
                ),
                organisations=(
                    "an open source foundation",
                    "a gaming company",
                    "a charity",
                    "a festival organisation",
                ),
                degrees=(("BA", "Communication Studies"), ("BA", "Media Studies")),
            ),
            "nl": Words(
                titles=(
                    "Communitymanager",
                    "Social media manager",
                    "Online moderator",
                    "Coördinator vrijwilligers",
                ),
                skills=(
                    "communitymanagement",
                    "sociale media",
                    "moderatie",
                    "evenementen organiseren",
                    "contentcreatie",
                    "stakeholdermanagement",
                    "vrijwilligerscoördinatie",
                    "webanalyse",
                ),
                domains=(
                    "online communities",
                    "maatschappelijke organisaties",
                    "de culturele sector",
                ),
                activities=(
                    "Ik bouw en modereer een online community van veertigduizend leden.",
                    "Ik organiseer bijeenkomsten en online evenementen voor vrijwilligers.",
                    "Ik schrijf berichten voor sociale media en reageer op vragen.",
                    "Ik rapporteer maandelijks over bereik en betrokkenheid.",
                    "Ik coördineer een team van vrijwillige moderatoren.",
                ),
                results=(
                    "Het aantal actieve leden groeide in een jaar met zestig procent.",
                    "Ik heb een ambassadeursprogramma met honderd vrijwilligers opgezet.",
                    "De reactietijd op het forum daalde naar minder dan een dag.",
                ),
                organisations=(
                    "een goede doelenorganisatie",
                    "een festivalorganisatie",
                    "een woningcorporatie",
                    "een buurthuis in Rotterdam",
                ),
                degrees=(("Bachelor", "Communicatie"), ("HBO", "Social Work")),
            ),
        },
    ),
    Field(
        "healthcare",
        16,
        {
            "en": Words(
                titles=(
                    "Registered Nurse",
                    "Care Coordinator",
                    "Nursing Assistant",
                    "Physiotherapist",
                ),
                skills=(
                    "patient care",
                    "wound care",
                    "medication administration",
                    "elderly care",
                    "care planning",
                    "triage",
                    "electronic health records",
                    "rehabilitation",
                    "infection control",
                ),
                domains=("elderly care", "hospital wards", "home care", "rehabilitation"),
                activities=(
                    "I care for patients on a surgical ward and administer medication.",
                    "I write care plans together with patients and their families.",
                    "I coordinate home care visits for elderly clients.",
                    "I treat patients recovering from knee and hip surgery.",
                    "I keep electronic health records accurate and complete.",
                ),
                results=(
                    "I introduced a fall-prevention protocol that the whole ward adopted.",
                    "I trained colleagues in the new electronic health record system.",
                    "I reduced waiting times for first appointments by three weeks.",
                ),
                organisations=(
                    "a university hospital",
                    "a home care organisation",
                    "a nursing home in Nijmegen",
                    "a rehabilitation centre",
                ),
                degrees=(("BSc", "Nursing"), ("BSc", "Physiotherapy")),
            ),
            "nl": Words(
                titles=(
                    "Verpleegkundige",
                    "Verzorgende IG",
                    "Wijkverpleegkundige",
                    "Fysiotherapeut",
                    "Zorgcoördinator",
                ),
                skills=(
                    "patiëntenzorg",
                    "wondzorg",
                    "medicatie toedienen",
                    "ouderenzorg",
                    "zorgplannen opstellen",
                    "triage",
                    "elektronisch patiëntendossier",
                    "revalidatie",
                    "infectiepreventie",
                ),
                domains=(
                    "de ouderenzorg",
                    "het ziekenhuis",
                    "de wijkverpleging",
                    "de revalidatiezorg",
                ),
                activities=(
                    "Ik verpleeg patiënten op een chirurgische afdeling en dien medicatie toe.",
                    "Ik stel zorgplannen op samen met cliënten en hun familie.",
                    "Ik plan en coördineer de thuiszorg voor oudere cliënten.",
                    "Ik behandel patiënten die herstellen van een knie- of heupoperatie.",
                    "Ik houd het elektronisch patiëntendossier zorgvuldig bij.",
                ),
                results=(
                    "Ik heb een valpreventieprotocol ingevoerd op de hele afdeling.",
                    "Ik heb collega's opgeleid in het nieuwe patiëntendossier.",
                    "De wachttijd voor een eerste afspraak daalde met drie weken.",
                ),
                organisations=(
                    "een academisch ziekenhuis",
                    "een thuiszorgorganisatie",
                    "een verpleeghuis in Nijmegen",
                    "een revalidatiecentrum",
                ),
                degrees=(
                    ("HBO", "Verpleegkunde"),
                    ("MBO", "Verzorgende IG"),
                    ("HBO", "Fysiotherapie"),
                ),
            ),
        },
    ),
    Field(
        "finance",
        13,
        {
            "en": Words(
                titles=("Financial Controller", "Accountant", "Financial Analyst", "Bookkeeper"),
                skills=(
                    "accounting",
                    "bookkeeping",
                    "financial analysis",
                    "budgeting",
                    "Excel",
                    "SAP",
                    "IFRS",
                    "auditing",
                    "financial reporting",
                    "payroll",
                ),
                domains=("corporate finance", "auditing", "the public sector", "retail"),
                activities=(
                    "I prepare monthly and annual financial reports under IFRS.",
                    "I build budgets and forecasts with the department heads.",
                    "I reconcile accounts and process payroll in SAP.",
                    "I support the external auditors during the year-end audit.",
                    "I analyse margins and costs in Excel and Power BI.",
                ),
                results=(
                    "I shortened the monthly close from ten to five working days.",
                    "I automated the cost reports, saving a day of work each month.",
                    "I led the switch to a new accounting system.",
                ),
                organisations=(
                    "a Big Four audit firm",
                    "a retail chain",
                    "a housing association",
                    "a municipality",
                ),
                degrees=(("BSc", "Accounting"), ("MSc", "Finance"), ("BSc", "Business Economics")),
            ),
            "nl": Words(
                titles=(
                    "Financieel controller",
                    "Boekhouder",
                    "Financieel analist",
                    "Medewerker financiële administratie",
                ),
                skills=(
                    "boekhouding",
                    "financiële analyse",
                    "begroten",
                    "Excel",
                    "SAP",
                    "salarisadministratie",
                    "jaarrekening",
                    "controlling",
                    "financiële rapportage",
                    "Exact Online",
                ),
                domains=("de financiële sector", "accountancy", "de publieke sector", "de retail"),
                activities=(
                    "Ik stel maand- en jaarrapportages op en bereid de jaarrekening voor.",
                    "Ik maak begrotingen en prognoses samen met de afdelingshoofden.",
                    "Ik verzorg de salarisadministratie en de crediteurenadministratie.",
                    "Ik ondersteun de accountant bij de jaarlijkse controle.",
                    "Ik analyseer kosten en marges in Excel en Power BI.",
                ),
                results=(
                    "Ik heb de maandafsluiting teruggebracht van tien naar vijf werkdagen.",
                    "Ik automatiseerde de kostenrapportages, wat elke maand een dag scheelt.",
                    "Ik leidde de overstap naar een nieuw boekhoudpakket.",
                ),
                organisations=(
                    "een accountantskantoor",
                    "een winkelketen",
                    "een woningcorporatie",
                    "de gemeente Utrecht",
                ),
                degrees=(
                    ("HBO", "Accountancy"),
                    ("Master", "Bedrijfseconomie"),
                    ("MBO", "Financiële administratie"),
                ),
            ),
        },
    ),
    Field(
        "hr",
        11,
        {
            "en": Words(
                titles=(
                    "HR Advisor",
                    "Recruiter",
                    "Talent Acquisition Specialist",
                    "HR Business Partner",
                ),
                skills=(
                    "recruitment",
                    "employee relations",
                    "labour law",
                    "onboarding",
                    "interviewing",
                    "HR analytics",
                    "performance management",
                    "employer branding",
                ),
                domains=("recruitment", "human resources", "talent development"),
                activities=(
                    "I recruit developers and data specialists for fast-growing teams.",
                    "I advise managers on absence, performance and labour law.",
                    "I run the onboarding programme for new employees.",
                    "I interview candidates and negotiate offers.",
                    "I analyse turnover and engagement figures for the board.",
                ),
                results=(
                    "I filled thirty technical vacancies in one year.",
                    "I redesigned onboarding, which halved early turnover.",
                    "I introduced structured interviews across the company.",
                ),
                organisations=(
                    "a recruitment agency",
                    "a hospital group",
                    "a tech scale-up",
                    "a bank",
                ),
                degrees=(("BA", "Human Resource Management"), ("MSc", "Organisational Psychology")),
            ),
            "nl": Words(
                titles=("HR-adviseur", "Recruiter", "Corporate recruiter", "HR business partner"),
                skills=(
                    "werving en selectie",
                    "arbeidsrecht",
                    "verzuimbegeleiding",
                    "onboarding",
                    "sollicitatiegesprekken",
                    "HR-analyse",
                    "functioneringsgesprekken",
                    "arbeidsmarktcommunicatie",
                ),
                domains=("werving en selectie", "personeelszaken", "talentontwikkeling"),
                activities=(
                    "Ik werf ontwikkelaars en dataspecialisten voor snelgroeiende teams.",
                    "Ik adviseer leidinggevenden over verzuim, functioneren en arbeidsrecht.",
                    "Ik verzorg het inwerkprogramma voor nieuwe medewerkers.",
                    "Ik voer sollicitatiegesprekken en onderhandel over aanbiedingen.",
                    "Ik analyseer verloop en medewerkerstevredenheid voor de directie.",
                ),
                results=(
                    "Ik heb in een jaar dertig technische vacatures vervuld.",
                    "Ik vernieuwde het inwerkprogramma, waardoor vroeg verloop halveerde.",
                    "Ik heb gestructureerde interviews ingevoerd in de hele organisatie.",
                ),
                organisations=(
                    "een recruitmentbureau",
                    "een ziekenhuisgroep",
                    "een techbedrijf",
                    "een bank",
                ),
                degrees=(
                    ("HBO", "Human Resource Management"),
                    ("Master", "Arbeids- en organisatiepsychologie"),
                ),
            ),
        },
    ),
)

FIRST_NAMES = (
    "Anna Daan Sanne Bram Fatima Mohammed Lotte Jeroen Emma Sem Noor Lucas Julia Finn Sophie "
    "Ahmed Eva Thijs Lisa Milan Yara Ruben Iris Jesse Mila Stijn Priya Kofi Marta Wei Olga "
    "Tom Sarah James Chloe Omar Hannah Pieter Femke Koen Esther"
).split()
LAST_NAMES = (
    "de Vries;Jansen;van den Berg;Bakker;Visser;Smit;Meijer;de Boer;Mulder;de Groot;Bos;"
    "Vos;Peters;Hendriks;van Leeuwen;Dekker;Brouwer;de Wit;Dijkstra;Yilmaz;El Amrani;Kaya;"
    "Nguyen;Santos;Kowalski;Smith;Brown;Murphy;Schmidt;Rossi"
).split(";")
CITIES: tuple[tuple[str, str, int], ...] = (  # (city, country, weight)
    ("Amsterdam", "NL", 14),
    ("Rotterdam", "NL", 9),
    ("Den Haag", "NL", 8),
    ("Utrecht", "NL", 9),
    ("Eindhoven", "NL", 5),
    ("Groningen", "NL", 4),
    ("Leiden", "NL", 3),
    ("Haarlem", "NL", 3),
    ("Nijmegen", "NL", 3),
    ("Zwolle", "NL", 2),
    ("Maastricht", "NL", 2),
    ("Arnhem", "NL", 2),
    ("Antwerpen", "BE", 2),
    ("Gent", "BE", 1),
    ("London", "GB", 1),
    ("Berlin", "DE", 1),
)
INSTITUTIONS: dict[Language, tuple[str, ...]] = {
    "en": (
        "University of Amsterdam",
        "Leiden University",
        "Utrecht University",
        "Eindhoven University of Technology",
        "Radboud University",
        "University of Groningen",
    ),
    "nl": (
        "Universiteit Utrecht",
        "Hogeschool van Amsterdam",
        "Hogeschool Rotterdam",
        "Fontys Hogescholen",
        "Rijksuniversiteit Groningen",
        "ROC Midden Nederland",
    ),
}
OTHER_LANGUAGES = ("de", "fr", "es", "tr", "ar", "pl")

_SUMMARY_OPEN: dict[Language, tuple[str, ...]] = {
    "en": (
        "{title} with {years} years of experience in {domain}.",
        "Experienced {title_lower} working in {domain}.",
        "I am a {title_lower} with a background in {domain}.",
        "{title} who enjoys solving practical problems in {domain}.",
    ),
    "nl": (
        "{title} met {years} jaar ervaring in {domain}.",
        "Ervaren {title_lower} werkzaam in {domain}.",
        "Ik ben {title_lower} met een achtergrond in {domain}.",
        "{title} die graag praktische problemen oplost in {domain}.",
    ),
}
_SUMMARY_SKILLS: dict[Language, tuple[str, ...]] = {
    "en": (
        "My strengths are {s1} and {s2}.",
        "I am skilled in {s1}, {s2} and {s3}.",
        "Colleagues know me for my work on {s1}.",
    ),
    "nl": (
        "Mijn sterke punten zijn {s1} en {s2}.",
        "Ik heb ruime ervaring met {s1}, {s2} en {s3}.",
        "Collega's kennen mij om mijn kennis van {s1}.",
    ),
}
_SUMMARY_CLOSE: dict[Language, tuple[str, ...]] = {
    "en": (
        "I am looking for a new challenge in or around {city}.",
        "I would like to work in a team that values learning.",
        "I am open to part-time and hybrid roles.",
        "Next I want to take on more responsibility for {domain}.",
    ),
    "nl": (
        "Ik zoek een nieuwe uitdaging in de regio {city}.",
        "Ik wil graag werken in een team waar leren centraal staat.",
        "Ik sta open voor een parttime of hybride functie.",
        "Ik wil meer verantwoordelijkheid nemen voor {domain}.",
    ),
}
_VACANCY_INTRO: dict[Language, tuple[str, ...]] = {
    "en": (
        "We are looking for a {title_lower} to strengthen our team in {city}.",
        "Join {organisation} as a {title_lower} and work on {domain}.",
    ),
    "nl": (
        "Wij zoeken een {title_lower} om ons team in {city} te versterken.",
        "Kom werken bij {organisation} als {title_lower} in {domain}.",
    ),
}
_VACANCY_OFFER: dict[Language, tuple[str, ...]] = {
    "en": (
        "You need experience with {s1} and {s2}.",
        "We offer a permanent contract, training budget and flexible hours.",
        "You speak Dutch or English fluently.",
    ),
    "nl": (
        "Je hebt ervaring met {s1} en {s2}.",
        "Wij bieden een vast contract, een opleidingsbudget en flexibele werktijden.",
        "Je spreekt vloeiend Nederlands.",
    ),
}
EMPLOYMENT_TYPES = ("full_time", "full_time", "part_time", "contract")


def _title(rng: random.Random, field: Field, lang: Language) -> str:
    """A job title: the field's own words or, about half the time when the ESCO files are
    there, one of the field's ESCO occupations."""
    esco = field_words().get(field.name)
    if esco and esco.titles[lang] and rng.random() < ESCO_SHARE:
        label = rng.choice(esco.titles[lang])
        return label[0].upper() + label[1:]
    return rng.choice(field.words[lang].titles)


def _skills(rng: random.Random, field: Field, lang: Language, low: int, high: int) -> list[str]:
    """``low`` to ``high`` skills: the field's own words mixed with its ESCO skills."""
    words = field.words[lang]
    count = min(len(words.skills), rng.randint(low, high))
    esco = field_words().get(field.name)
    from_esco = 0
    if esco and esco.skills[lang]:
        from_esco = sum(rng.random() < ESCO_SHARE for _ in range(count - 2))
    chosen = rng.sample(words.skills, k=count - from_esco)
    if from_esco and esco:
        chosen += [s for s in rng.sample(esco.skills[lang], k=from_esco) if s not in chosen]
    return chosen


def _weighted_field(rng: random.Random) -> Field:
    return rng.choices(FIELDS, weights=[f.weight for f in FIELDS])[0]


def _city(rng: random.Random) -> LocationPayload:
    city, country, _ = rng.choices(CITIES, weights=[c[2] for c in CITIES])[0]
    return {"city": city, "country": country}


def _language(rng: random.Random, country: str) -> Language:
    # Most Dutch and Flemish profiles are in Dutch; abroad they are in English.
    if country in ("NL", "BE"):
        return "nl" if rng.random() < 0.62 else "en"
    return "en"


def _year_month(year: int, rng: random.Random) -> str:
    return f"{year:04d}-{rng.randint(1, 12):02d}"


def _experiences(
    rng: random.Random, field: Field, lang: Language, start_year: int
) -> list[ExperiencePayload]:
    """1-4 jobs, newest first; about one profile in five changed field along the way."""
    count = rng.choices((1, 2, 3, 4), weights=(3, 4, 3, 2))[0]
    jobs: list[ExperiencePayload] = []
    end: int | None = None  # the newest job is current
    year = 2026
    for index in range(count):
        job_field = field
        if index == count - 1 and count > 1 and rng.random() < 0.2:
            job_field = _weighted_field(rng)
        words = job_field.words[lang]
        length = rng.randint(2, 6)
        start = max(start_year, year - length)
        sentences = rng.sample(words.activities, k=min(len(words.activities), rng.randint(1, 3)))
        if rng.random() < 0.6:
            sentences.append(rng.choice(words.results))
        jobs.append(
            {
                "title": _title(rng, job_field, lang),
                "organisation": rng.choice(words.organisations),
                "start": _year_month(start, rng),
                "end": None if end is None else _year_month(end, rng),
                "description": " ".join(sentences),
            }
        )
        end = start
        year = start
    # A start month drawn after the end month of the same year would be invalid.
    for job in jobs:
        if job["end"] is not None and job["end"] < job["start"]:
            job["start"], job["end"] = job["end"], job["start"]
    return jobs


def profile(index: int, seed: int = DEFAULT_SEED) -> CandidatePayload:
    """Profile number ``index``; the same ``(seed, index)`` gives the same profile."""
    rng = random.Random(f"{seed}:candidate:{index}")
    field = _weighted_field(rng)
    location = _city(rng)
    lang = _language(rng, location["country"])
    words = field.words[lang]
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    years = rng.randint(1, 25)
    title = _title(rng, field, lang)
    domain = rng.choice(words.domains)
    skills = _skills(rng, field, lang, 3, 8)
    s1, s2, s3 = (skills * 3)[:3]
    values = {
        "title": title,
        "title_lower": _lower_first(title),
        "years": years,
        "domain": domain,
        "city": location["city"],
        "s1": s1,
        "s2": s2,
        "s3": s3,
    }
    parts = [rng.choice(_SUMMARY_OPEN[lang])]
    parts += rng.sample(_SUMMARY_SKILLS[lang], k=rng.randint(1, 2))
    if rng.random() < 0.7:
        parts.append(rng.choice(_SUMMARY_CLOSE[lang]))
    summary = " ".join(p.format(**values) for p in parts)
    degree, study = rng.choice(words.degrees)
    languages = ["nl", "en"] if lang == "nl" or rng.random() < 0.4 else ["en"]
    if rng.random() < 0.25:
        languages.append(rng.choice(OTHER_LANGUAGES))
    headline = f"{title} | {domain}" if rng.random() < 0.5 else title
    return {
        "external_id": f"bench-{seed}-{index}",
        "name": f"{first} {last}",
        "email": f"{first}.{last.replace(' ', '')}.{index}@example.org".lower(),
        "headline": headline,
        "summary": summary,
        "language": lang,
        "skills": skills,
        "languages": languages,
        "location": location,
        "remote": rng.random() < 0.3,
        "experience": _experiences(rng, field, lang, 2026 - years),
        "education": [
            {
                "degree": degree,
                "field": study,
                "institution": rng.choice(INSTITUTIONS[lang]),
                "year": 2026 - years - rng.randint(0, 2),
            }
        ]
        if rng.random() < 0.85
        else [],
    }


def profiles(count: int, *, start: int = 0, seed: int = DEFAULT_SEED) -> Iterator[CandidatePayload]:
    for index in range(start, start + count):
        yield profile(index, seed)


def _tasks(lang: Language, activities: list[str]) -> str:
    """First-person activities as the tasks of a vacancy, kept grammatical without
    conjugating Dutch verbs."""
    if lang == "en":
        return " ".join("You will " + a.removeprefix("I ") for a in activities)
    return "Een collega vertelt: '" + " ".join(activities) + "'"


def _lower_first(title: str) -> str:
    """ "Docent" -> "docent", but "DevOps-engineer" and "HR-adviseur" keep their capitals."""
    first_word = title.split()[0]
    return title if any(c.isupper() for c in first_word[1:]) else title[0].lower() + title[1:]


def vacancy(index: int, seed: int = DEFAULT_SEED) -> VacancyPayload:
    """Vacancy number ``index``, from the same fields and vocabulary as the profiles."""
    rng = random.Random(f"{seed}:vacancy:{index}")
    field = _weighted_field(rng)
    location = _city(rng)
    lang = _language(rng, location["country"])
    words = field.words[lang]
    title = _title(rng, field, lang)
    skills = _skills(rng, field, lang, 3, 7)
    required = skills[: rng.randint(2, min(5, len(skills)))]
    nice = [s for s in skills if s not in required][:3]
    values = {
        "title_lower": _lower_first(title),
        "city": location["city"],
        "organisation": rng.choice(words.organisations),
        "domain": rng.choice(words.domains),
        "s1": required[0],
        "s2": required[1],
    }
    sentences = [rng.choice(_VACANCY_INTRO[lang]).format(**values)]
    sentences.append(_tasks(lang, rng.sample(words.activities, k=3)))
    sentences += [s.format(**values) for s in _VACANCY_OFFER[lang]]
    payload: VacancyPayload = {
        "external_id": f"bench-{seed}-vacancy-{index}",
        "title": title,
        "description": " ".join(sentences),
        "language": lang,
        "required_skills": required,
        "nice_to_have_skills": nice,
        "required_languages": ["nl"] if lang == "nl" else [],
        "location": location,
        "remote": rng.random() < 0.2,
        "employment_type": rng.choice(EMPLOYMENT_TYPES),
    }
    if payload["employment_type"] == "part_time":
        payload["hours_per_week"] = float(rng.choice((24, 28, 32)))
    return payload


def vacancies(count: int, *, start: int = 0, seed: int = DEFAULT_SEED) -> Iterator[VacancyPayload]:
    for index in range(start, start + count):
        yield vacancy(index, seed)
