"""SQLAlchemy tables, one module per aggregate. Importing this package registers them all."""

from models.base import Base
from models.candidate import Candidate, CandidateDocument
from models.organisation import ApiKey, Organisation
from models.vacancy import Vacancy

__all__ = ["ApiKey", "Base", "Candidate", "CandidateDocument", "Organisation", "Vacancy"]
