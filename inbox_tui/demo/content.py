"""Word lists and message bodies the demo dataset is generated from.

Plain data, kept apart from the generator so the generator reads as logic. The tricky
bodies are deliberate: the server serves them raw and the client must sanitise them.
"""

from __future__ import annotations

# fmt: off
FIRST_NAMES: tuple[str, ...] = (
    "Olivia", "Liam", "Emma", "Noah", "Ava", "Mateo", "Sophia", "Lucas", "Mia", "Ethan",
    "Isabella", "Aiden", "Chloe", "Kai", "Zoë", "José", "Amara", "Dmitri", "Fatima", "Hiroshi",
    "Ingrid", "Jamal", "Kwame", "Leilani", "Nadia", "Óscar", "Priyanka", "Rafael", "Siobhan",
    "Thandiwe", "Uma", "Wei", "Yusuf", "Zara", "Björn", "Camille", "Declan", "Esperanza",
    "Farah", "Gustavo", "Hana", "Ivan", "Jun", "Kalinda", "Lars", "Marisol", "Niamh", "Omar",
)
LAST_NAMES: tuple[str, ...] = (
    "Garcia", "Smith", "Nguyen", "Okafor", "Kowalski", "Rossi", "Müller", "Haddad", "Tanaka",
    "O'Brien", "Fernández", "Johansson", "Patel", "Kim", "Novak", "Dubois", "Ivanova",
    "Mensah", "Silva", "Cohen", "Lindqvist", "Nakamura", "Abebe", "Walsh", "Castillo",
    "Yilmaz", "Chen", "Baptiste", "Papadopoulos", "Ångström", "Núñez", "MacLeod",
)
# Names in their own scripts (RTL, CJK) so the list and headers get exercised.
NATIVE_NAMES: tuple[str, ...] = (
    "محمد الأحمد", "שרה לוי", "王芳", "佐藤 花子", "김민준", "Αλέξανδρος Π.", "Ольга С.",
)
AREA_CODES: tuple[str, ...] = (
    "628", "510", "212", "646", "312", "206", "503", "617", "737", "305", "720", "404",
)

# fmt: on

TEAM: tuple[tuple[int, str, str], ...] = (
    (1, "Ada Li", "admin"),
    (2, "Marcus Webb", "member"),
    (3, "Priya Raman", "member"),
    (4, "Tomás Ferreira", "member"),
    (5, "Keiko Sato", "member"),
    (6, "Sam O'Neill", "manager"),
)
# Who `inbox-tui --demo` acts as (the demo profile's member_id): a member of every visible
# inbox, added after the data is generated so the generated history stays the same.
DEMO_MEMBER: tuple[int, str, str] = (7, "Demo User", "admin")
# Templates served by POST /v1/templates (id, name, text with merge tokens).
TEMPLATES: tuple[tuple[int, str, str], ...] = (
    (501, "Greeting", "Hi {{first_name}}, thanks for reaching out to Harbor & Pine!"),
    (502, "Order shipped", "Hi {{first_name}}, your order is on its way. Tracking follows."),
    (503, "Follow-up", "Hi {{first_name}}, just checking in: did that solve it?"),
    (504, "Store hours", "We're open 9am-6pm Mon-Sat. Reply here any time."),
    (505, "Closing", "Glad we could help, {{first_name}}! Have a great day."),
)

# (id, name, phone digits, member ids, visible to the demo credentials)
INBOXES: tuple[tuple[int, str, str, tuple[int, ...], bool], ...] = (
    (413, "Support", "14155550100", (1, 2, 5), True),
    (414, "Sales", "14155550101", (3, 4, 6), True),
    (415, "Billing", "14155550102", (1, 6), True),
    (999, "Legal (restricted)", "14155550199", (6,), False),
)
INBOX_MEMBERS: dict[int, tuple[int, ...]] = {i[0]: i[3] for i in INBOXES}

INBOUND: dict[int, tuple[str, ...]] = {
    413: (
        "Hi, my order hasn't arrived yet. Can you check?",
        "The app keeps logging me out 😩",
        "Is anyone there?",
        "Thanks, that fixed it!",
        "My tracking number says delivered but nothing is here",
        "Can I change the delivery address?",
        "ok",
        "👍",
        "The replacement part is the wrong size.",
        "What are your hours on Sunday?",
        "I've been on hold for 40 minutes, texting instead.",
        "Still broken after the update.\nTried restarting twice.",
        "Perfect, thank you so much!!",
        "Can you call me back at this number?",
        "Here's a photo of the damage",
        "STOP",
        "Where do I find my warranty info?",
        "yes",
        "no, that's not it",
        "It says error E-42 on the display",
    ),
    414: (
        "Do you have this in blue?",
        "What's the price for 20 units?",
        "Interested in the annual plan. Any discounts?",
        "Can we schedule a demo next Tuesday?",
        "Send me the brochure please",
        "Is the sale still on?",
        "We'd like a quote for the warehouse install.",
        "Sounds good, let's do it 🎉",
        "Not right now, maybe next quarter.",
        "Who else uses this in my area?",
        "Can you match a competitor's price?",
        "Got the samples, they look great",
    ),
    415: (
        "Why was I charged twice this month?",
        "Can I get a receipt for invoice 10442?",
        "I need to update my card on file",
        "Refund received, thanks.",
        "My autopay failed, what do I do?",
        "Is there a late fee?",
        "Please cancel my subscription.",
        "Can I switch to paying yearly?",
        "The amount on the invoice looks wrong",
        "paid ✅",
    ),
}
OUTBOUND: dict[int, tuple[str, ...]] = {
    413: (
        "Hi {first}, thanks for reaching out! Let me look into that for you.",
        "I've escalated this to our shipping team. You'll hear back within 24 hours.",
        "Could you send a photo of the label?",
        "Try signing out and back in, then update to the latest version.",
        "A replacement is on its way: tracking 1Z{n}.",
        "We're open 10am-4pm on Sundays.",
        "Glad to hear it! Anything else I can help with?",
        "Sorry about the wait, {first}. I'm here now.",
        "Your ticket number is #{n}.",
        "Following up: is everything working now?",
    ),
    414: (
        "Hi {first}! Yes, we have it in blue, navy and teal.",
        "For 20 units the price is ${n} each, shipping included.",
        "Annual plans get two months free. Want me to send a quote?",
        "Tuesday at 2pm works. Calendar invite on its way.",
        "Here's our brochure: https://example.com/brochure.pdf",
        "The sale runs through Sunday.",
        "Thanks {first}, I'll put the quote together today.",
        "Just checking in: did you get a chance to review the proposal?",
    ),
    415: (
        "Hi {first}, I see the duplicate charge. A refund of ${n}.00 is on its way.",
        "Your receipt has been emailed.",
        "You can update your card here: https://example.com/billing",
        "No late fee this time, {first}.",
        "Your subscription is cancelled effective end of this cycle.",
        "Switched you to yearly billing; next invoice is on the 1st.",
        "Could you confirm the last 4 digits of the card?",
    ),
}
AUTO_REPLIES: tuple[str, ...] = (
    "Thanks for your message! We'll reply during business hours (Mon-Fri 9-6).",
    "Reply STOP to unsubscribe. Msg&data rates may apply.",
)
NOTES: tuple[str, ...] = (
    "Customer is a VIP, handle with care.",
    "Escalated to Tier 2, waiting on warehouse.",
    "@Marcus can you take this one? I'm out tomorrow.",
    "Refund approved by finance.",
    "Possible fraud, do not ship until verified.",
    "Called them, left voicemail.",
)
BROADCASTS: tuple[tuple[int, str], ...] = (
    (9001, "Black Friday starts now: 25% off everything through Monday! Reply STOP to opt out"),
    (9002, "Reminder: our showroom is closed Monday for the holiday."),
    (9003, "New arrivals just landed 🌸 Come see the spring collection."),
    (9004, "Last chance: the annual plan discount ends tonight at midnight."),
    (9005, "We've updated our terms of service. Details: https://example.com/tos"),
)

# Bodies that must not break a terminal: served raw, sanitised by the client.
TRICKY: tuple[str, ...] = (
    "Can you help? [red]urgent[/] [bold]please[/bold] [link=https://evil.example]click[/link]",
    "Price is [$5] or [b]less[/b] \\[escaped\\]",
    "\x1b[31mRED ALERT\x1b[0m your account \x1b[1;5mblinks\x1b[0m",
    "Open this: \x1b]8;;https://evil.example\x07totally safe link\x1b]8;;\x07",
    "\x1b]0;pwned terminal title\x07Hello there",
    "\x1b]52;c;ZXZpbA==\x07clipboard hijack attempt",
    "bell\x07 backspace\x08\x08 null\x00 form\x0cfeed\r\ncarriage",
    "Invoice total: \u202e0.001$\u202c (bidi override)",
    "مرحبا، أريد تغيير موعد التسليم إلى يوم الخميس من فضلك",
    "שלום, ההזמנה שלי עדיין לא הגיעה. אפשר לבדוק?",
    "Mixed: order #4471 مرحبا 123 שלום ok?",
    "您好，我想查询一下我的订单状态。谢谢！",
    "こんにちは！配送日を変更できますか？🙏",
    "안녕하세요, 환불 요청드립니다.",
    "👨‍👩‍👧‍👦🏳️‍🌈🇯🇵 family flags 🧑🏽‍💻 zwj test",
    "Tabs\tand\ttabs\tand a very long word: "
    "Pneumonoultramicroscopicsilicovolcanoconiosis_repeated_without_any_spaces_at_all",
    "   leading and trailing spaces   ",
    "",
)
LONG_PARAGRAPH = (
    "I wanted to give you the full story because the last three agents asked for it. "
    "We ordered the unit in March, it arrived with a cracked panel, the first replacement "
    "never shipped, the second one was the wrong model, and the installer charged us twice. "
)
