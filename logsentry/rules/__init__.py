"""Rule files: parse and validate (rule), find and load (loader), self-test (check)."""
