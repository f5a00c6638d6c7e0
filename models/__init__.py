"""SQLAlchemy tables, one module per aggregate. Importing this package registers them all."""

from models.base import Base
from models.candidate import Candidate, CandidateDocument
from models.matching import ConceptMention, SectionEmbedding
from models.organisation import ApiKey, Organisation
from models.taxonomy import Taxonomy, TaxonomyConcept, TaxonomyLabel
from models.vacancy import Vacancy

__all__ = [
    "ApiKey",
    "Base",
    "Candidate",
    "CandidateDocument",
    "ConceptMention",
    "Organisation",
    "SectionEmbedding",
    "Taxonomy",
    "TaxonomyConcept",
    "TaxonomyLabel",
    "Vacancy",
]
