"""Property-based (Hypothesis) suites, one per claim of theory.md, and the profiles they run under."""
