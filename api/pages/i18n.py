"""Interface text of the public pages (vacancy page, apply form, share pages) in English
and Dutch. A page speaks the vacancy's language unless the visitor picks the other one
(``?lang=``); the dashboard speaks English."""

from __future__ import annotations

from datetime import date
from typing import Final

LANGUAGES: Final = ("en", "nl")
LANGUAGE_NAMES: Final = {"en": "English", "nl": "Nederlands"}
# Open Graph wants a territory with the language.
OG_LOCALES: Final = {"en": "en_GB", "nl": "nl_NL"}

_EN: Final = {
    "hiring": "{organisation} is hiring",
    "remote": "remote work possible",
    "hours": "{hours} hours a week",
    "salary": "Salary",
    "salary_range": "{currency} {low} – {high} {period}",
    "salary_from": "from {currency} {low} {period}",
    "salary_up_to": "up to {currency} {high} {period}",
    "period_hour": "an hour",
    "period_day": "a day",
    "period_week": "a week",
    "period_month": "a month",
    "period_year": "a year",
    "type_full_time": "Full-time",
    "type_part_time": "Part-time",
    "type_contract": "Contract",
    "type_temporary": "Temporary",
    "type_internship": "Internship",
    "type_volunteer": "Volunteer",
    "type_per_diem": "Per day",
    "type_other": "Other",
    "apply_until": "Apply before {date}",
    "skills": "What you bring",
    "nice_to_have": "Nice to have",
    "languages_needed": "Languages",
    "how_to_apply": "How to apply",
    "apply_here": "Fill in the form below; we answer every application.",
    "apply_elsewhere": "Apply on our own site:",
    "apply_button_elsewhere": "Apply on our site",
    "apply_title": "Apply",
    "name": "Your name",
    "email": "Email address",
    "phone": "Phone number",
    "optional": "optional",
    "cv": "Your CV",
    "cv_hint": "PDF, Word (.docx) or text, at most {size} MB.",
    "motivation": "Why this job?",
    "consent": "I agree that {organisation} stores and processes my details for this application.",
    "privacy": "{organisation} uses your details only to consider your application to this "
    "vacancy and keeps them no longer than needed for it. You can ask to see or erase them "
    "at any time. Your CV is matched against the vacancy automatically; a person always "
    "makes the decision.",
    "submit": "Send my application",
    "required": "required",
    "errors_title": "Please check the form",
    "error_name": "Please fill in your name.",
    "error_email": "Please fill in a valid email address.",
    "error_phone": "Please fill in a valid phone number, or leave it empty.",
    "error_cv_missing": "Please add your CV.",
    "error_cv": "We could not read this file: {reason}",
    "error_cv_size": "The file is larger than {size} MB.",
    "error_consent": "We can only take your application with your consent.",
    "error_motivation": "Please keep your motivation under {count} characters.",
    "error_token": "This form was open too long, or came from elsewhere. Please send it again.",
    "file_again": "For your safety the browser does not keep a chosen file: add your CV again.",
    "thanks_title": "Thank you for applying",
    "thanks": "We received your application for {title}. You will hear from {organisation} "
    "soon; a confirmation is not sent by email.",
    "back": "Back to the vacancy",
    "share_title": "Share this vacancy",
    "share_intro": "Know someone who would fit? Get your own link to this vacancy and pass it on.",
    "share_where": "Where will you share it?",
    "share_button": "Get my link",
    "share_plain": "Know someone who would fit? Pass this vacancy on:",
    "your_link_title": "Your link",
    "your_link": "Share this link; whoever applies through it is credited to the people who "
    "passed the vacancy on.",
    "copy": "Copy",
    "copied": "Copied",
    "copy_link": "Copy the link",
    "language": "Language",
    "not_found_title": "Page not found",
    "problem_title": "That did not work",
    "unavailable": "The service is briefly unavailable. Nothing was stored: please go back "
    "and try again in a minute.",
    "not_found": "This vacancy is not open, or the link is not right.",
    "ambassador_title": "Share {title}",
    "ambassador_intro": "Hello {name}, {organisation} is hiring. Sharing the vacancy in your "
    "own network helps us reach people no job board does. These links are yours: they tell "
    "us which shares brought applicants.",
    "ambassador_text": "Suggested text",
    "ambassador_open": "Share on {channel}",
    "ambassador_link": "Your link",
    "attribution": "This service uses the ESCO classification of the European Commission.",
    "skip": "Skip to content",
}

_NL: Final = {
    "hiring": "{organisation} zoekt",
    "remote": "thuiswerken mogelijk",
    "hours": "{hours} uur per week",
    "salary": "Salaris",
    "salary_range": "{currency} {low} – {high} {period}",
    "salary_from": "vanaf {currency} {low} {period}",
    "salary_up_to": "tot {currency} {high} {period}",
    "period_hour": "per uur",
    "period_day": "per dag",
    "period_week": "per week",
    "period_month": "per maand",
    "period_year": "per jaar",
    "type_full_time": "Voltijd",
    "type_part_time": "Deeltijd",
    "type_contract": "Opdracht",
    "type_temporary": "Tijdelijk",
    "type_internship": "Stage",
    "type_volunteer": "Vrijwilligerswerk",
    "type_per_diem": "Per dag",
    "type_other": "Anders",
    "apply_until": "Solliciteer vóór {date}",
    "skills": "Wat je meebrengt",
    "nice_to_have": "Mooi meegenomen",
    "languages_needed": "Talen",
    "how_to_apply": "Solliciteren",
    "apply_here": "Vul het formulier hieronder in; we beantwoorden elke sollicitatie.",
    "apply_elsewhere": "Solliciteer op onze eigen site:",
    "apply_button_elsewhere": "Solliciteer op onze site",
    "apply_title": "Solliciteer",
    "name": "Je naam",
    "email": "E-mailadres",
    "phone": "Telefoonnummer",
    "optional": "niet verplicht",
    "cv": "Je cv",
    "cv_hint": "PDF, Word (.docx) of tekst, hoogstens {size} MB.",
    "motivation": "Waarom deze baan?",
    "consent": "Ik ga ermee akkoord dat {organisation} mijn gegevens voor deze sollicitatie "
    "bewaart en verwerkt.",
    "privacy": "{organisation} gebruikt je gegevens alleen om je sollicitatie op deze vacature "
    "te beoordelen en bewaart ze niet langer dan daarvoor nodig is. Je kunt altijd vragen ze "
    "in te zien of te wissen. Je cv wordt automatisch met de vacature vergeleken; een mens "
    "neemt altijd het besluit.",
    "submit": "Verstuur mijn sollicitatie",
    "required": "verplicht",
    "errors_title": "Controleer het formulier",
    "error_name": "Vul je naam in.",
    "error_email": "Vul een geldig e-mailadres in.",
    "error_phone": "Vul een geldig telefoonnummer in, of laat het leeg.",
    "error_cv_missing": "Voeg je cv toe.",
    "error_cv": "We konden dit bestand niet lezen: {reason}",
    "error_cv_size": "Het bestand is groter dan {size} MB.",
    "error_consent": "We kunnen je sollicitatie alleen met je toestemming aannemen.",
    "error_motivation": "Houd je motivatie onder de {count} tekens.",
    "error_token": "Dit formulier stond te lang open of kwam van elders. Verstuur het opnieuw.",
    "file_again": "Voor je veiligheid onthoudt de browser geen gekozen bestand: voeg je cv "
    "opnieuw toe.",
    "thanks_title": "Bedankt voor je sollicitatie",
    "thanks": "We hebben je sollicitatie voor {title} ontvangen. Je hoort snel van "
    "{organisation}; er volgt geen bevestiging per e-mail.",
    "back": "Terug naar de vacature",
    "share_title": "Deel deze vacature",
    "share_intro": "Ken je iemand die past? Vraag je eigen link naar deze vacature en geef hem "
    "door.",
    "share_where": "Waar deel je hem?",
    "share_button": "Geef mijn link",
    "share_plain": "Ken je iemand die past? Geef deze vacature door:",
    "your_link_title": "Je link",
    "your_link": "Deel deze link; wie erdoor solliciteert, wordt toegeschreven aan wie de "
    "vacature doorgaf.",
    "copy": "Kopieer",
    "copied": "Gekopieerd",
    "copy_link": "Kopieer de link",
    "language": "Taal",
    "not_found_title": "Pagina niet gevonden",
    "problem_title": "Dat lukte niet",
    "unavailable": "De dienst is even niet bereikbaar. Er is niets opgeslagen: ga terug en "
    "probeer het over een minuut opnieuw.",
    "not_found": "Deze vacature is niet open, of de link klopt niet.",
    "ambassador_title": "Deel {title}",
    "ambassador_intro": "Hallo {name}, {organisation} zoekt een nieuwe collega. Als je de "
    "vacature in je eigen netwerk deelt, bereiken we mensen die geen vacaturesite bereikt. "
    "Deze links zijn van jou: zo zien we welke keer delen sollicitanten opleverde.",
    "ambassador_text": "Voorgestelde tekst",
    "ambassador_open": "Deel op {channel}",
    "ambassador_link": "Je link",
    "attribution": "Deze dienst gebruikt de ESCO-classificatie van de Europese Commissie.",
    "skip": "Naar de inhoud",
}

TEXTS: Final = {"en": _EN, "nl": _NL}


def pick_language(requested: str | None, content_language: str | None) -> str:
    """The visitor's choice if we speak it, else the content's language, else English."""
    for candidate in (requested, content_language):
        if candidate in LANGUAGES:
            return candidate
    return "en"


_MONTHS: Final = {
    "en": "January February March April May June July August September October November December",
    "nl": "januari februari maart april mei juni juli augustus september oktober november december",
}
_CHANNELS: Final = {
    "en": {"direct": "Link", "email": "Email", "intranet": "Intranet", "feed": "Job feed"},
    "nl": {"direct": "Link", "email": "E-mail", "intranet": "Intranet", "feed": "Vacaturefeed"},
}
_BRANDS: Final = {
    "linkedin": "LinkedIn",
    "facebook": "Facebook",
    "x": "X",
    "whatsapp": "WhatsApp",
    # Job boards reading the feeds (models/link.py FeedBoard), as the dashboard's funnel names them.
    "indeed": "Indeed",
    "google": "Google",
    "nationalevacaturebank": "Nationale Vacaturebank",
    "werk.nl": "werk.nl",
    "jooble": "Jooble",
    "adzuna": "Adzuna",
    "careerjet": "Careerjet",
    "jobbird": "Jobbird",
}


class Texts:
    """Interface text in one language: ``t("hours", hours=32)``."""

    def __init__(self, language: str) -> None:
        self.language = language
        self._table = TEXTS[language]

    def __call__(self, key: str, **values: object) -> str:
        text = self._table[key]
        return text.format(**values) if values else text

    def number(self, value: float) -> str:
        """``32.5`` in English, ``32,5`` in Dutch."""
        text = f"{value:g}"
        return text.replace(".", ",") if self.language == "nl" else text

    def date(self, day: date) -> str:
        """``7 December 2026`` / ``7 december 2026``."""
        month = _MONTHS[self.language].split()[day.month - 1]
        return f"{day.day} {month} {day.year}"

    def channel(self, channel: str) -> str:
        """A share channel's name (brands as they write themselves)."""
        return _BRANDS.get(channel) or _CHANNELS[self.language].get(channel, channel)
