"""Trust: the audit trail of automated rankings and decisions, and data-subject rights."""
