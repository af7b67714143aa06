"""Ways to show events: JSON Lines for programs, rich renderings for people."""
