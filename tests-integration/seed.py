"""Seed users for the real SCIM server: every mapped attribute, non-ASCII names, users without
email, duplicate emails, HTML-looking values. `expected()` is SPEC.md's mapping written
independently of Roster, so the tests compare Roster's result with it."""

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

GIVEN = ["Anna", "Zoë", "José", "Łukasz", "Søren", "Ἀθηνᾶ", "Юлия", "李", "محمد", "Ngozi", "Ólafur", "Chloé"]
FAMILY = ["Berg", "Öztürk", "Nguyễn", "García", "Ørsted", "Παπαδόπουλος", "Иванова", "王", "الحسن", "Okafor"]


def seed_users(count=320):
    users = []
    for i in range(count):
        given = GIVEN[i % len(GIVEN)]
        family = FAMILY[i % len(FAMILY)]
        user = {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
            "userName": f"user{i:04d}",
            "name": {"givenName": given, "familyName": family, "middleName": f"M{i}"},
            "displayName": f"{given} {family} #{i}",
            "title": f"Engineer {i % 7}",
            "userType": ["Employee", "Contractor", "Intern"][i % 3],
            "emails": [{"value": f"user{i:04d}@example.com", "type": "work", "primary": True}],
            "phoneNumbers": [{"value": f"+1 555 {i:04d}", "type": "work"}, {"value": f"+44 20 {i:04d}", "type": "home"},
                             {"value": "+1 999 0000", "type": "mobile"}],
            "addresses": [
                {"type": "work", "streetAddress": f"{i} Main St", "locality": "Springfield", "region": "IL",
                 "postalCode": f"{60000 + i}", "country": "US"},
                {"type": "home", "streetAddress": f"{i} Elm St", "locality": "Zürich", "postalCode": "8001",
                 "country": "CH"},
                {"type": "other", "streetAddress": "ignored", "country": "FR"},
            ],
            ENTERPRISE: {"employeeNumber": f"E{i:05d}", "costCenter": f"CC{i % 5}", "organization": "Example Corp",
                         "department": ["Sales", "R&D", "Ops"][i % 3]},
        }
        if i % 10 == 3:
            # Email choice: no primary, so the work one wins over the first.
            user["emails"] = [{"value": f"home{i:04d}@example.org", "type": "home"},
                              {"value": f"user{i:04d}@example.com", "type": "work"}]
        if i % 10 == 4:
            user["emails"] = [{"value": f"user{i:04d}@example.com"}, {"value": f"other{i:04d}@example.com"}]
        if i % 10 == 6:
            del user["addresses"][0]["region"]
        if i % 50 == 7:
            # No email at all and a userName that is not an address: cannot be imported.
            del user["emails"]
        if i % 50 == 8:
            # No emails, but the userName is an address: that becomes the email.
            del user["emails"]
            user["userName"] = f"named{i:04d}@example.com"
        if i % 50 == 9:
            user["displayName"] = "<img src=x onerror=alert(1)>"
            user["title"] = "<script>alert('t')</script> & \"quotes\""
        if i % 100 == 11:
            # Shares its email with user 10: the second of the pair is a duplicate.
            user["emails"] = [{"value": f"user{i - 1:04d}@example.com", "type": "work", "primary": True}]
        users.append(user)
    return users


def expected(remote):
    """What SPEC.md says the directory user becomes, or None when it cannot be imported."""
    emails = [e for e in remote.get("emails", []) if e.get("value")]
    chosen = next((e for e in emails if e.get("primary")), None) \
        or next((e for e in emails if e.get("type") == "work"), None) or (emails[0] if emails else None)
    email = chosen["value"] if chosen else (remote["userName"] if "@" in remote["userName"] else None)
    if email is None:
        return None
    ext = remote.get(ENTERPRISE, {})
    keys = ["streetAddress", "locality", "region", "postalCode", "country", "poBox"]
    return {
        "email": email,
        "username": remote["userName"],
        "firstname": remote["name"]["givenName"],
        "lastname": remote["name"]["familyName"],
        "middlename": remote["name"]["middleName"],
        "displayname": remote["displayName"],
        "addresses": [dict({"type": a["type"]}, **{k: a[k] for k in keys if k in a})
                      for a in remote.get("addresses", []) if a["type"] in ("work", "home")],
        "jobTitle": remote["title"],
        "department": ext.get("department"),
        "phoneNumbers": [{"type": p["type"], "number": p["value"]} for p in remote.get("phoneNumbers", [])
                         if p["type"] in ("work", "home")],
        "costCenter": ext.get("costCenter"),
        "employeeType": remote["userType"],
        "employeeIdentifier": ext.get("employeeNumber"),
        "organization": ext.get("organization"),
    }
