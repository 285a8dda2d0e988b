"""Reports: frugality cards (HTML, Markdown, JSON) from result files, every number traced."""
