"""Extractors: small generators that read typed records out of a structured document."""
