"""The words of the demo data: names, titles, bodies, stack traces — the text real customers send."""

from __future__ import annotations

# Templates use str.format_map over a `_Ctx`, so literal braces are doubled.

_TRANSLIT = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "æ": "ae", "ß": "ss", "đ": "d", "Đ": "D"})

_AGENT_NAMES = ("Alex Morgan", "Priya Shah", "Jonas Becker", "Mei Lin", "Carlos Mendoza",
                "Hannah Okafor", "Sven Lindqvist", "Aisha Rahman")

# The first few are always present (tests and screenshots look for them); the rest are padding.
_CUSTOMER_NAMES = (
    "Zoë Ångström", "山田 太郎", "José Álvarez", "Emily Carter", "François Lefèvre", "Siobhán O'Connor",
    "Michael Brown", "김민준", "Łukasz Wiśniewski", "Sarah Johnson", "Nguyễn Văn An", "Kate 🌻 Miller",
    "David Kim", "ليلى حداد", "Björn Nyström", "Olu Adeyemi", "王芳", "María García", "Tom O'Brien",
    "Chloé Dubois", "Priya Natarajan", "Jean-Luc Picard-Moreau", "Ana Beatriz da Silva Santos",
    "Yuki Tanaka", "Rahul Verma",
)
_FIRST_NAMES = ("Liam", "Olivia", "Noah", "Emma", "Ava", "Lucas", "Mia", "Ethan", "Sofia", "Mateo", "Hannah",
                "Aarav", "Fatima", "Ingrid", "Rafael", "Anika", "Tomás", "Grace", "Omar", "Léa", "Kenji",
                "Amara", "Nikolai", "Isabela")
_LAST_NAMES = ("Smith", "Müller", "Rossi", "Novak", "Tanaka", "Okafor", "Silva", "Jensen", "Kowalski",
               "Dubois", "Patel", "Nakamura", "Haddad", "Schmidt", "Lindqvist", "Moreau", "Costa",
               "Ivanova", "Walsh", "Hernández", "Søndergaard")
_ANONYMOUS_NAMES = ("noreply@payments.example", "Jordan (via chat)", "accounts payable", "J.")
_EMAIL_DOMAINS = ("example.com", "globex.example", "initech.example", "example.org", "umbrella.example",
                  "hooli.example", "mail.example.jp")

_CHOICES: dict[str, tuple[str, ...]] = {
    "plan": ("free", "starter", "pro", "pro", "enterprise"),
    "browser": ("Chrome 124", "Safari 17.4", "Firefox 125", "Edge 123", "Arc"),
    "device": ("iPhone 15 Pro", "Pixel 8", "Galaxy S23", "iPad Air", "OnePlus 11"),
    "os": ("iOS 17.4", "Android 14", "macOS 14.4", "Windows 11"),
    "version": ("4.12.0", "4.12.1", "4.13.0-beta.2", "4.11.3"),
    "endpoint": ("POST /v1/orders", "GET /v1/orders?page=3", "PATCH /v1/customers/{id}", "GET /v1/exports"),
    "status_code": ("500", "502", "503", "429", "401", "422"),
    "region": ("eu-west-1", "us-east-1", "ap-northeast-1", "us-west-2"),
    "source": ("email", "web", "chat", "api", "phone"),
    "idp": ("Okta", "Azure AD", "Google Workspace", "OneLogin", "JumpCloud"),
    "integration": ("Slack", "Shopify", "Salesforce", "Zapier", "HubSpot"),
    "feature": ("dark mode", "bulk edit", "saved filters", "keyboard shortcuts", "a public status page"),
    "event": ("order.updated", "invoice.paid", "customer.created", "refund.succeeded"),
}

_META_KEYS = {"order": "orderId", "version": "appVersion"}  # template name -> metadata key
_SIGNATURE = "\n\n— {agent}, {team} Support"
_TITLE_PREFIXES = ("[URGENT] ", "URGENT!!! ", "Re: ", "Fwd: ", "[TODO] ", "Question: ", "[#4821] ", "RE: RE: ")
_TITLE_EMOJI = (" 🙏", " 😡", " 🔥", " 😕", " ‼️")
_EXTRA_TAGS = ("bug", "feature-request", "onboarding", "security", "docs", "integration", "churn-risk")

_T = tuple  # keeps the topic table below readable


_TOPICS: dict[str, dict] = {
    "billing": {"weight": 14, "tags": ("billing", "payments"), "meta": ("plan", "order"), "titles": _T((
        "Charged twice for {month} subscription", "Card declined but payment went through",
        "Why did my bill go up this month?", "Need to update the billing address on invoices",
        "Double charge on card ending {last4}", "Can't change payment method")), "openers": _T((
        "Hi,\n\nI was charged {amount} twice on {date} for the same subscription (order {order}). "
        "Can you refund one of them please?",
        "My card ending {last4} was declined at checkout, but my bank shows the payment as pending. "
        "Did it go through or not?",
        "Our bill jumped to {amount} and nobody on our side added seats. What changed?",
        "We moved offices. How do I change the billing address so it shows on the next invoice?")),
        "replies": _T((
            "Hi {name}, I can see both charges of {amount}. I've voided the duplicate; the hold should drop "
            "off within 3–5 business days.",
            "Hi {name}, the increase comes from the seats added on {date}. I've attached the breakdown.",
        ))},
    "invoice": {"weight": 7, "tags": ("invoice", "billing"), "meta": ("plan",), "titles": _T((
        "Invoice {invoice} missing VAT number", "Need all invoices for {year} for our accountant",
        "Invoice PDF is blank", "Company name wrong on invoice {invoice}")), "openers": _T((
        "Hello, invoice {invoice} doesn't show our VAT number, so finance can't book it. Could you reissue it?",
        "Our accountant needs every invoice from {year} in one go. Is there a bulk download?",
        "The PDF for {invoice} opens as an empty page in both Preview and Acrobat.")),
        "replies": _T(("Hi {name}, I've reissued {invoice} with the VAT number; you'll find it under "
                       "Settings → Billing.",))},
    "refund": {"weight": 8, "tags": ("refund", "billing"), "meta": ("order", "plan"), "titles": _T((
        "Refund request for order {order}", "Still waiting for my refund from {date}",
        "Cancel and refund the annual plan", "Refund went to an expired card")), "openers": _T((
        "I'd like a refund for order {order} ({amount}). We signed up by mistake and never used it.",
        "You confirmed a refund of {amount} on {date} and it still hasn't arrived. Where is it?",
        "Please cancel our annual plan and refund the unused months.")),
        "replies": _T(("Hi {name}, I've issued a refund of {amount} for {order}; it should appear within "
                       "5–10 business days.",))},
    "login": {"weight": 12, "tags": ("login", "account"), "meta": ("browser", "plan"), "titles": _T((
        "Can't log in after password reset", "2FA codes not accepted", "Locked out of my account",
        "Magic link expires immediately", "Login page keeps refreshing")), "openers": _T((
        "I reset my password an hour ago and the new one says 'invalid credentials'. Using {browser}.",
        "My authenticator codes are rejected every time. The phone clock is correct, I checked.",
        "After too many attempts I'm locked out, and the unlock email never arrives.",
        "The magic link says 'expired' the moment I click it, even straight away.")),
        "replies": _T(("Hi {name}, I've cleared the lockout on your account. Could you try a private "
                       "window in {browser}?",))},
    "sso": {"weight": 5, "tags": ("sso", "login"), "meta": ("plan",), "titles": _T((
        "SSO login fails with SAML error", "{idp} integration stuck in a redirect loop",
        "New {idp} users can't sign in", "SCIM provisioning not creating users")), "openers": _T((
        "Since this morning every SSO login via {idp} fails with 'SAMLResponse signature invalid'.",
        "Users bounce between {idp} and your login page forever. Nothing changed on our side.",
        "Accounts we create in {idp} never show up in {team}.")),
        "replies": _T(("Hi {name}, your {idp} signing certificate rotated yesterday; please upload the new "
                       "one under Settings → SSO.",))},
    "api": {"weight": 10, "tags": ("api", "bug"), "meta": ("version", "region"), "titles": _T((
        "API returns {status_code} on {endpoint}", "429 Too Many Requests at low volume",
        "Getting 401 with a valid API key", "Pagination returns duplicate records",
        "Rate limit headers missing")), "openers": _T((
        "{endpoint} started answering {status_code} about an hour ago, region {region}.",
        "We send maybe 5 requests a second and still get 429s. Our limit is supposed to be 50/s.",
        "Brand new key, copied twice, every call answers 401. Is there a propagation delay?",
        "Walking pages with page=1,2,3… returns some records twice and skips others.")),
        "replies": _T(("Hi {name}, we had elevated errors in {region} between 09:10 and 09:40 UTC; it's "
                       "resolved now. Retries with the same Idempotency-Key are safe.",))},
    "export": {"weight": 6, "tags": ("export", "bug"), "meta": ("plan", "browser"), "titles": _T((
        "CSV export is missing columns", "Excel export mangles accented names",
        "Export job stuck at 99%", "Scheduled export didn't run")), "openers": _T((
        "The CSV export no longer includes the 'tags' and 'notes' columns.",
        "Names like Zoë or François come out as ZoÃ« in Excel.",
        "Our export has said 99% since yesterday afternoon.")),
        "replies": _T(("Hi {name}, Excel needs a BOM to read UTF-8; tick 'Excel-compatible' in the export "
                       "dialog and it will look right.",))},
    "webhooks": {"weight": 5, "tags": ("webhooks", "api"), "meta": ("version",), "titles": _T((
        "Webhooks not firing for {event}", "Webhook signature verification fails",
        "Duplicate webhook deliveries", "Webhook retries hammering our server")), "openers": _T((
        "We stopped receiving {event} events on {date}. The endpoint answers 200 to curl.",
        "Our HMAC check fails for every event. We sign the raw body with the secret from the dashboard.",
        "We get every {event} event two or three times.")),
        "replies": _T(("Hi {name}, make sure you compute the HMAC over the raw request body, before any "
                       "JSON parsing; re-serialised JSON won't match.",))},
    "mobile": {"weight": 9, "tags": ("mobile", "bug"), "meta": ("device", "version"), "titles": _T((
        "iOS app crashes on launch after update", "Android app won't sync offline changes",
        "Push notifications stopped working", "App stuck on splash screen on {device}")), "openers": _T((
        "Since {version} the app crashes as soon as I open it. {device}, {os}.",
        "Changes I make offline on the Android app are gone once I'm back online.",
        "We stopped getting push notifications on all our phones around {date}.")),
        "replies": _T(("Hi {name}, a fix is in {version}, rolling out today. Could you update and let me "
                       "know?",))},
    "feature": {"weight": 8, "tags": ("feature-request",), "meta": ("plan",), "titles": _T((
        "Feature request: {feature}", "Any plans for {feature}?", "Integration with {integration}?",
        "Would love {feature} 🙏")), "openers": _T((
        "Is {feature} on the roadmap? Our team lives in this app all day.",
        "We'd pay extra for a proper {integration} integration.",
        "Small request: {feature}. That's it, thanks!")),
        "replies": _T(("Hi {name}, thanks! I've added your vote for {feature}; I can't promise a date, but "
                       "it's on the list.",))},
    "bug": {"weight": 9, "tags": ("bug",), "meta": ("browser", "version"), "titles": _T((
        "Dashboard charts show the wrong timezone", "Search doesn't find tickets with emoji",
        "Save button does nothing in {browser}", "Numbers in reports don't add up")), "openers": _T((
        "Everything on the dashboard is shifted by two hours. We're in Europe/Berlin.",
        "Searching for 🚀 or any emoji finds nothing, even though the title has it.",
        "In {browser} the Save button greys out and nothing happens. Works in Chrome.")),
        "replies": _T(("Hi {name}, I reproduced it and filed it with engineering; I'll update you here.",))},
    "account": {"weight": 5, "tags": ("account",), "meta": ("plan",), "titles": _T((
        "Delete my account and data (GDPR)", "Transfer account ownership", "How do I add more seats?",
        "Change the email on my account")), "openers": _T((
        "Please delete my account and all personal data under GDPR Art. 17.",
        "Our admin left the company. How do we move ownership to me?",
        "We need 5 more seats before Monday. Can I do that without talking to sales?")),
        "replies": _T(("Hi {name}, done. You'll get a confirmation email shortly.",))},
    "performance": {"weight": 4, "tags": ("performance", "bug"), "meta": ("region", "browser"),
                    "titles": _T(("App very slow since yesterday", "Reports take minutes to load",
                                  "Timeouts in {region}")), "openers": _T((
        "Every page takes 10+ seconds since yesterday. Region {region}.",
        "The monthly report used to load in seconds, now it's several minutes.")),
        "replies": _T(("Hi {name}, a slow database replica in {region} caused this; it's been replaced.",))},
}

_CUSTOMER_FOLLOWUPS = (
    "Thanks, that worked! 🙏", "Still broken, same error.", "Any update on this?",
    "Tried that, no luck 😕", "It's been 3 days. This is blocking our launch!!",
    "Ok, thanks for the quick reply 👍", "Here's the screenshot you asked for (attached).",
    "Sorry, one more thing: it also happens on my colleague's account.",
    "Great, closing this on our side.\n\n> On {date}, {agent} wrote:\n> Could you try again and let me know?",
    "Which plan are we on again? {plan}?", "Hello?? Is anyone there?",
    "Works now. No idea what changed but I'll take it 🎉", "Could you call me instead? It's easier.",
    "Same here — 同じ問題が発生しています。",
)
_AGENT_REPLIES = (
    "Hi {name}, thanks for reaching out! I'm looking into this now.",
    "Hi {name}, could you send a screenshot and roughly when this happened (with timezone)?",
    "I've escalated this to our engineering team and will update you as soon as I hear back.",
    "Good news: this should be fixed. Could you try again and let me know?",
    "Hi {name}, could you sign out, clear the cache and sign back in? That resets the session.",
    "Just checking in: is this still happening for you?",
    "Hi {name}, thanks for your patience. We found the cause and a fix ships tomorrow.",
    "Hi {name}, I've updated your account. Anything else I can help with?",
)
_AGENT_OUTBOUND = (
    "Hi {name}, your last payment of {amount} failed. Could you update your card?",
    "Hi {name}, reaching out about the errors we saw from your integration today.",
)
_INTERNAL_NOTES = (
    "FYI customer is on the {plan} plan", "VIP account, keep {agent} in the loop",
    "Checked logs: 502s from the {region} load balancer around the time they mention.",
    "Filed {ref}. Repro steps in the ticket.", "Refund approved by finance.",
    "Probably a duplicate of the SSO thread from last week.", "Churned once before, be extra nice.",
    "Reproduced on staging with {browser}.", "@{agent} can you take this one? I'm out tomorrow.",
)
_TICKET_NOTES = (
    "Prefers email over phone.", "VIP: handle with care.", "Waiting on eng fix ({ref}).",
    "Customer is on the {plan} plan.", "Asked for a call back Tuesday.", "Check again after the release.",
)
_SYSTEM_EVENTS = ("Auto-reply sent to customer", "Ticket reopened by customer reply", "SLA reminder sent",
                  "Ticket merged into this one", "Ticket escalated to tier 2")

_PY_TRACE = (
    "Traceback (most recent call last):\n"
    '  File "/srv/app/jobs/sync_orders.py", line {line}, in run\n'
    "    page = client.orders.list(page=n, page_size=100)\n"
    '  File "/srv/app/.venv/lib/python3.11/site-packages/acme/resources/orders.py", line 88, in list\n'
    '    return self._request("GET", "/v1/orders", params=params)\n'
    '  File "/srv/app/.venv/lib/python3.11/site-packages/acme/_client.py", line 412, in _request\n'
    "    raise APIStatusError(resp.status_code, resp.text)\n"
    "acme.errors.APIStatusError: 500 Internal Server Error: upstream request timeout"
)
_JAVA_TRACE = (
    "java.lang.IllegalStateException: Fragment OrderDetailFragment not attached to a context.\n"
    "\tat androidx.fragment.app.Fragment.requireContext(Fragment.java:900)\n"
    "\tat com.acme.orders.ui.OrderDetailFragment.onSyncFinished(OrderDetailFragment.kt:212)\n"
    "\tat com.acme.sync.SyncManager$1.run(SyncManager.java:87)\n"
    "\tat android.os.Handler.handleCallback(Handler.java:942)\n"
    "\tat android.os.Looper.loop(Looper.java:288)\n"
    "Caused by: java.lang.NullPointerException: Attempt to invoke virtual method "
    "'int java.lang.String.length()' on a null object reference\n"
    "\tat com.acme.sync.SyncManager.parse(SyncManager.java:143)\n"
    "\t... 5 more"
)

# Showcase content, each placed on one ticket: (title, first customer message).
_SPECIALS: dict[str, tuple[str, str]] = {
    "py_trace": ("[URGENT] Production sync failing, API returns 500",
                 "Our nightly sync died at 02:13 UTC with this, every retry since:\n\n" + _PY_TRACE
                 + "\n\nPlease help, orders are piling up."),
    "java_trace": ("Android app crashes when opening an order",
                   "Crash log from adb logcat ({device}, app {version}):\n\n" + _JAVA_TRACE),
    "todo": ("[TODO] send the {invoice} correction before month end",
             "Reminder for myself and you: the corrected {invoice} has to reach us before month end."),
    "close_tag": ("Template error: unexpected closing tag [/] in email footer",
                  "Our footer is `Best, [b]{{{{name}}}}[/b] [/]` and the preview shows an error about [/]."),
    "markup": ("Formatting shows up as [bold]raw tags[/bold]",
               "We pasted this from our old forum and it shows literally:\n"
               "[b]Order status[/b] [i]shipped[/i] [link=https://shop.example/track]track it[/link]\n"
               "[red]ERROR[/red] and [@click=app.quit]Cancel[/] and [/] [[escaped]] [dim]\n"
               "Is BBCode supported?"),
    "long_line": ("Export API returns truncated JSON?",
                  "Full response body below (sorry, it's one long line), the `next` cursor is missing:"),
    "tsv": ("Invoices don't match our records (spreadsheet attached)",
            "Pasting from our sheet:\n\nInvoice\tAmount\tDate\tStatus\n{invoice}\t{amount}\t{date}\tpaid\n"
            "INV-2026-0042\t$49.00\tMar 02\tunpaid\nINV-2026-0043\t$49.00\tMar 09\t\tdisputed"),
    "emoji": ("🔥🔥 Checkout totally broken 🔥🔥",
              "Nobody can pay 😡😡 we're losing money every minute 💸 👩‍💻 our dev says it's your side 🇩🇪"),
    "cjk": ("ログインできません（パスワード再設定後）",
            "お世話になっております。\nパスワードを再設定した後、ログインできなくなりました。"
            "\n確認をお願いいたします。\n\n山田"),
    "long_title": ("Since the update last Tuesday, when we try to export all tickets from the EU workspace "
                   "to CSV with custom fields, tags and notes included, the file downloads but is empty, "
                   "and the same thing happens with the XLSX option and with the scheduled nightly export",
                   "Title says it all, really. We need this for an audit on Friday."),
    "quoted": ("Re: Re: Fwd: your invoice",
               "See below.\n\n-----Original Message-----\nFrom: Billing <billing@{team}.example>\n"
               "Subject: your invoice\n\n> Your invoice {invoice} for {amount} is ready.\n>\n> Thanks,\n"
               "> The {team} team"),
}
_SPECIAL_TOPIC = {"py_trace": "api", "java_trace": "mobile", "todo": "invoice", "close_tag": "bug",
                  "markup": "bug", "long_line": "export", "tsv": "invoice", "emoji": "billing",
                  "cjk": "login", "long_title": "export", "quoted": "billing"}
_SPECIAL_PRIORITY = {"py_trace": "urgent", "java_trace": "high", "emoji": "urgent", "todo": "low"}
