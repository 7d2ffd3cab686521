"""Experiments on which minima training reaches, and the report that shows them (issue: experiments)."""
