"""Carrying out actions: restart units (restart.py), deliver alerts (alert.py, channels.py), and the
persistent outbox worker that retries and escalates them (outbox.py)."""
