"""Client-side half of the filters, applied to conversations.

Semantics (shown in the help screen and the README): a conversation is listed when the
*server* says it has messages matching the server-side filters. Local filters (the fields
``backend.server_filter_fields`` did not claim) are then applied to what we have loaded for
the conversation: ``contact`` and ``flagged_only`` to the conversation itself (a flagged
conversation or a flagged last message), the rest to its last message. The thread view
marks every loaded message matching the full filters.
"""

from __future__ import annotations

from inbox_tui.models import Conversation, Filters

_CONVERSATION_FIELDS = frozenset({"contact", "flagged_only"})


def conversation_matches(conversation: Conversation, local: Filters) -> bool:
    """True when ``conversation`` passes the locally applied ``local`` filters."""
    active = local.active_fields()
    if not active:
        return True
    if local.contact and not _contact_matches(conversation, local.contact):
        return False
    last = conversation.last_message
    if local.flagged_only and not (conversation.flagged or (last is not None and last.flagged)):
        return False
    message_fields = active - _CONVERSATION_FIELDS
    if not message_fields:
        return True
    if last is None:
        return False
    return local.only(message_fields).matches(last)


def _contact_matches(conversation: Conversation, contact: str) -> bool:
    digits = contact.lstrip("+")
    return conversation.contact.lstrip("+").endswith(digits) if digits else True
