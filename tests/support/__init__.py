"""Helpers shared by the test modules (fakes, waits, fixtures' building blocks).

Test modules import from here, never from one another."""
