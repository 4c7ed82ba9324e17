"""inbox-tui: a keyboard-driven terminal inbox for business texting platforms."""

__version__ = "0.1.0"
