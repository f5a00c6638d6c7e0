"""Posting vacancies to an organisation's own channels, and cross-posting rules."""
