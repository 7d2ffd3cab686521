"""Command modules of the ``wideminima`` console script (one per subcommand)."""
