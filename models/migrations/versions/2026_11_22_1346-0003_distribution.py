"""Distribution: employees, campaigns, tracked links, clicks, applications, attribution
touchpoints, referral rewards, and the outbox of background jobs.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 13:46:03.948716+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox_jobs",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("task", sa.String(length=200), nullable=False),
        sa.Column("kwargs", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("eta", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_jobs")),
    )
    op.create_index(
        op.f("ix_outbox_jobs_created_at"),
        "outbox_jobs",
        ["created_at"],
        unique=False,
        postgresql_where="sent_at IS NULL",
    )
    op.create_table(
        "employees",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("department", sa.String(length=200), nullable=True),
        sa.Column("fields", sa.ARRAY(sa.Text()), nullable=False),
        sa.Column("channels", sa.ARRAY(sa.Text()), nullable=False),
        sa.Column("opted_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("opted_out_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "channels <@ ARRAY['linkedin', 'facebook', 'x', 'whatsapp', 'email', 'intranet']::text[]",
            name=op.f("ck_employees_channels"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_employees_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employees")),
        sa.UniqueConstraint(
            "organisation_id", "email", name=op.f("uq_employees_organisation_id_email")
        ),
        sa.UniqueConstraint(
            "organisation_id", "external_id", name=op.f("uq_employees_organisation_id_external_id")
        ),
    )
    op.create_index(
        op.f("ix_employees_organisation_id_department"),
        "employees",
        ["organisation_id", "department"],
        unique=False,
    )
    op.create_table(
        "reward_policies",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("probation_days", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("probation_days >= 0", name=op.f("ck_reward_policies_probation_days")),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_reward_policies_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reward_policies")),
    )
    op.create_index(
        op.f("ix_reward_policies_organisation_id"),
        "reward_policies",
        ["organisation_id"],
        unique=True,
        postgresql_where="active",
    )
    op.create_table(
        "campaigns",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("vacancy_id", sa.Uuid(), nullable=False),
        sa.Column("audience", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("channels", sa.ARRAY(sa.Text()), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reminder_after_hours", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("audience_size", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("webhook_url", sa.Text(), nullable=True),
        sa.Column("webhook_secret", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "status IN ('scheduled', 'running', 'completed', 'cancelled')",
            name=op.f("ck_campaigns_status"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_campaigns_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["vacancy_id"],
            ["vacancies.id"],
            name=op.f("fk_campaigns_vacancy_id_vacancies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
    )
    op.create_index(
        op.f("ix_campaigns_organisation_id_vacancy_id"),
        "campaigns",
        ["organisation_id", "vacancy_id"],
        unique=False,
    )
    op.create_table(
        "campaign_batches",
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("employee_ids", sa.ARRAY(sa.Uuid()), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("kind IN ('invite', 'reminder')", name=op.f("ck_campaign_batches_kind")),
        sa.CheckConstraint("status IN ('queued', 'done')", name=op.f("ck_campaign_batches_status")),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_batches_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_batches")),
        sa.UniqueConstraint(
            "campaign_id",
            "kind",
            "number",
            name=op.f("uq_campaign_batches_campaign_id_kind_number"),
        ),
    )
    op.create_index(
        op.f("ix_campaign_batches_status_updated_at"),
        "campaign_batches",
        ["status", "updated_at"],
        unique=False,
    )
    op.create_table(
        "notifications",
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("employee_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("transport", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("kind IN ('invite', 'reminder')", name=op.f("ck_notifications_kind")),
        sa.CheckConstraint(
            "status IN ('queued', 'sending', 'sent', 'failed', 'skipped')",
            name=op.f("ck_notifications_status"),
        ),
        sa.CheckConstraint(
            "transport IN ('email', 'webhook')", name=op.f("ck_notifications_transport")
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_notifications_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employees.id"],
            name=op.f("fk_notifications_employee_id_employees"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint(
            "campaign_id",
            "employee_id",
            "kind",
            name=op.f("uq_notifications_campaign_id_employee_id_kind"),
        ),
    )
    op.create_table(
        "tracked_links",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("vacancy_id", sa.Uuid(), nullable=False),
        sa.Column("campaign_id", sa.Uuid(), nullable=True),
        sa.Column("employee_id", sa.Uuid(), nullable=True),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("root_employee_id", sa.Uuid(), nullable=True),
        sa.Column("visitor", sa.String(length=32), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "channel IN ('linkedin', 'facebook', 'x', 'whatsapp', 'email', 'intranet', 'direct')",
            name=op.f("ck_tracked_links_channel"),
        ),
        sa.CheckConstraint("depth >= 0", name=op.f("ck_tracked_links_depth")),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_tracked_links_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employees.id"],
            name=op.f("fk_tracked_links_employee_id_employees"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_tracked_links_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["tracked_links.id"],
            name=op.f("fk_tracked_links_parent_id_tracked_links"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["root_employee_id"],
            ["employees.id"],
            name=op.f("fk_tracked_links_root_employee_id_employees"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["vacancy_id"],
            ["vacancies.id"],
            name=op.f("fk_tracked_links_vacancy_id_vacancies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracked_links")),
        sa.UniqueConstraint("code", name=op.f("uq_tracked_links_code")),
    )
    op.create_index(
        op.f("ix_tracked_links_campaign_id_employee_id_channel"),
        "tracked_links",
        ["campaign_id", "employee_id", "channel"],
        unique=True,
        postgresql_where="parent_id IS NULL",
    )
    op.create_index(
        op.f("ix_tracked_links_organisation_id_vacancy_id"),
        "tracked_links",
        ["organisation_id", "vacancy_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_tracked_links_parent_id_visitor_channel"),
        "tracked_links",
        ["parent_id", "visitor", "channel"],
        unique=True,
        postgresql_where="parent_id IS NOT NULL",
    )
    op.create_table(
        "applications",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("vacancy_id", sa.Uuid(), nullable=False),
        sa.Column("candidate_id", sa.Uuid(), nullable=False),
        sa.Column("ref_link_id", sa.Uuid(), nullable=True),
        sa.Column("source", sa.String(length=100), nullable=True),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("referrer_employee_id", sa.Uuid(), nullable=True),
        sa.Column("reward_employee_id", sa.Uuid(), nullable=True),
        sa.Column("ownership", sa.String(length=20), nullable=False),
        sa.Column("owner_application_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "ownership IN ('new', 'first_referrer_kept', 'unreferred')",
            name=op.f("ck_applications_ownership"),
        ),
        sa.CheckConstraint(
            "status IN ('applied', 'screening', 'interview', 'offer', 'hired', 'rejected', 'withdrawn')",
            name=op.f("ck_applications_status"),
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidates.id"],
            name=op.f("fk_applications_candidate_id_candidates"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_applications_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_application_id"],
            ["applications.id"],
            name=op.f("fk_applications_owner_application_id_applications"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["ref_link_id"],
            ["tracked_links.id"],
            name=op.f("fk_applications_ref_link_id_tracked_links"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["referrer_employee_id"],
            ["employees.id"],
            name=op.f("fk_applications_referrer_employee_id_employees"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["reward_employee_id"],
            ["employees.id"],
            name=op.f("fk_applications_reward_employee_id_employees"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["vacancy_id"],
            ["vacancies.id"],
            name=op.f("fk_applications_vacancy_id_vacancies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applications")),
        sa.UniqueConstraint(
            "vacancy_id", "candidate_id", name=op.f("uq_applications_vacancy_id_candidate_id")
        ),
    )
    op.create_index(
        op.f("ix_applications_organisation_id_email_applied_at"),
        "applications",
        ["organisation_id", "email", "applied_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_applications_organisation_id_vacancy_id"),
        "applications",
        ["organisation_id", "vacancy_id"],
        unique=False,
    )
    op.create_table(
        "clicks",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("vacancy_id", sa.Uuid(), nullable=False),
        sa.Column("link_id", sa.Uuid(), nullable=False),
        sa.Column("visitor", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("bot", sa.Boolean(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["tracked_links.id"],
            name=op.f("fk_clicks_link_id_tracked_links"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_clicks_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["vacancy_id"],
            ["vacancies.id"],
            name=op.f("fk_clicks_vacancy_id_vacancies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clicks")),
    )
    op.create_index(
        op.f("ix_clicks_link_id_visitor_day"), "clicks", ["link_id", "visitor", "day"], unique=True
    )
    op.create_index(
        op.f("ix_clicks_organisation_id_vacancy_id_day"),
        "clicks",
        ["organisation_id", "vacancy_id", "day"],
        unique=False,
    )
    op.create_table(
        "application_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_application_events_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_events")),
    )
    op.create_index(
        op.f("ix_application_events_application_id_at"),
        "application_events",
        ["application_id", "at"],
        unique=False,
    )
    op.create_table(
        "reward_entries",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("employee_id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("policy_id", sa.Uuid(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "state IN ('pending', 'eligible', 'paid', 'void')", name=op.f("ck_reward_entries_state")
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_reward_entries_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employees.id"],
            name=op.f("fk_reward_entries_employee_id_employees"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_reward_entries_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["reward_policies.id"],
            name=op.f("fk_reward_entries_policy_id_reward_policies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reward_entries")),
    )
    op.create_index(
        op.f("ix_reward_entries_employee_id_application_id_id"),
        "reward_entries",
        ["employee_id", "application_id", "id"],
        unique=False,
    )
    op.create_table(
        "touchpoints",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("link_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.CheckConstraint("kind IN ('ref', 'touch', 'chain')", name=op.f("ck_touchpoints_kind")),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_touchpoints_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["tracked_links.id"],
            name=op.f("fk_touchpoints_link_id_tracked_links"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_touchpoints")),
        sa.UniqueConstraint(
            "application_id",
            "link_id",
            "kind",
            name=op.f("uq_touchpoints_application_id_link_id_kind"),
        ),
    )
    op.drop_constraint(
        op.f("ck_section_embeddings_owner_kind"), "section_embeddings", type_="check"
    )
    op.create_check_constraint(
        op.f("ck_section_embeddings_owner_kind"),
        "section_embeddings",
        "owner_kind IN ('candidate', 'vacancy', 'employee')",
    )


def downgrade() -> None:
    op.execute("DELETE FROM section_embeddings WHERE owner_kind = 'employee'")
    op.drop_constraint(
        op.f("ck_section_embeddings_owner_kind"), "section_embeddings", type_="check"
    )
    op.create_check_constraint(
        op.f("ck_section_embeddings_owner_kind"),
        "section_embeddings",
        "owner_kind IN ('candidate', 'vacancy')",
    )
    op.drop_table("touchpoints")
    op.drop_index(
        op.f("ix_reward_entries_employee_id_application_id_id"), table_name="reward_entries"
    )
    op.drop_table("reward_entries")
    op.drop_index(op.f("ix_application_events_application_id_at"), table_name="application_events")
    op.drop_table("application_events")
    op.drop_index(op.f("ix_clicks_organisation_id_vacancy_id_day"), table_name="clicks")
    op.drop_index(op.f("ix_clicks_link_id_visitor_day"), table_name="clicks")
    op.drop_table("clicks")
    op.drop_index(op.f("ix_applications_organisation_id_vacancy_id"), table_name="applications")
    op.drop_index(
        op.f("ix_applications_organisation_id_email_applied_at"), table_name="applications"
    )
    op.drop_table("applications")
    op.drop_index(
        op.f("ix_tracked_links_parent_id_visitor_channel"),
        table_name="tracked_links",
        postgresql_where="parent_id IS NOT NULL",
    )
    op.drop_index(op.f("ix_tracked_links_organisation_id_vacancy_id"), table_name="tracked_links")
    op.drop_index(
        op.f("ix_tracked_links_campaign_id_employee_id_channel"),
        table_name="tracked_links",
        postgresql_where="parent_id IS NULL",
    )
    op.drop_table("tracked_links")
    op.drop_table("notifications")
    op.drop_index(op.f("ix_campaign_batches_status_updated_at"), table_name="campaign_batches")
    op.drop_table("campaign_batches")
    op.drop_index(op.f("ix_campaigns_organisation_id_vacancy_id"), table_name="campaigns")
    op.drop_table("campaigns")
    op.drop_index(
        op.f("ix_reward_policies_organisation_id"),
        table_name="reward_policies",
        postgresql_where="active",
    )
    op.drop_table("reward_policies")
    op.drop_index(op.f("ix_employees_organisation_id_department"), table_name="employees")
    op.drop_table("employees")
    op.drop_index(
        op.f("ix_outbox_jobs_created_at"),
        table_name="outbox_jobs",
        postgresql_where="sent_at IS NULL",
    )
    op.drop_table("outbox_jobs")
