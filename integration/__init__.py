"""What integrators build on: the change log with its feed and signed webhooks, bulk
imports, and the interchange formats (schema.org JobPosting, JSON Resume).

It sits beside ``matching`` and ``distribution`` because both write to it: every change
they make is recorded here in the same transaction (``integration.events.record``).
"""
