"""From measured energy to impacts: the factor tables, SCI, and deployment-scale projections."""
