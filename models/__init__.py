"""SQLAlchemy tables, one module per aggregate. Importing this package registers them all."""

from models.application import Application, ApplicationEvent, Touchpoint
from models.audit import AuditEntry
from models.base import Base
from models.campaign import Campaign, CampaignBatch, Notification
from models.candidate import Candidate, CandidateDocument
from models.employee import Employee
from models.event import Event
from models.idempotency import IdempotencyKey
from models.import_job import ImportJob, ImportRow
from models.link import Click, TrackedLink
from models.matching import ConceptMention, MatchPool, SectionEmbedding
from models.organisation import ApiKey, Organisation
from models.outbox import OutboxJob
from models.posting import Post, PostingChannel, PostingRule, PostingRuleChannel
from models.reward import RewardEntry, RewardPolicy
from models.taxonomy import Taxonomy, TaxonomyConcept, TaxonomyLabel
from models.vacancy import Vacancy
from models.webhook import WebhookAttempt, WebhookDelivery, WebhookEndpoint

__all__ = [
    "ApiKey",
    "Application",
    "ApplicationEvent",
    "AuditEntry",
    "Base",
    "Campaign",
    "CampaignBatch",
    "Candidate",
    "CandidateDocument",
    "Click",
    "ConceptMention",
    "Employee",
    "Event",
    "IdempotencyKey",
    "ImportJob",
    "ImportRow",
    "MatchPool",
    "Notification",
    "Organisation",
    "OutboxJob",
    "Post",
    "PostingChannel",
    "PostingRule",
    "PostingRuleChannel",
    "RewardEntry",
    "RewardPolicy",
    "SectionEmbedding",
    "Taxonomy",
    "TaxonomyConcept",
    "TaxonomyLabel",
    "Touchpoint",
    "TrackedLink",
    "Vacancy",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
]
