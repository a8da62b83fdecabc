"""Internals of the reference agent (``agents.reference``): typed facts, the tool walk, rules."""
