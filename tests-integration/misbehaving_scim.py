"""A SCIM server that misbehaves the ways real ones do. The first path segment picks the
misbehaviour, so one process serves them all: http://127.0.0.1:PORT/<mode>/Users.

Modes: ok, basic (HTTP basic roster:pw), oauth (bearer tokens from POST /oauth/token that
expire after 61 s, i.e. one second after Roster's refresh margin), short-pages, no-total, wrong-total-low, wrong-total-high, plain-json,
rate-limit, flaky-503, slow-once, malformed, malformed-page2, huge, cursor,
ignore-start (every page from the first user; at most 100 with count=, everything without),
slow-pages, slow-pages-short, no-filter, stall-body (headers and half a body, then silence),
endless (every page invents new users and claims more: a listing that never ends).
Listings that break on parameters, as real providers' do (each announces filter and sort):
broken-count (500 to count=, pages of 100 without), broken-all (500 to count=, 400 to sortBy, 500 to
filter, ignores startIndex; everything in one page without count), broken-every (500 to every listing).
A vendor's documented limits: like-<cap>-<rpm> serves at most <cap> users a page (0: as asked) and
answers 429 past <rpm> listing requests a minute (0: no limit; a bucket of two); GET /<mode>/_reads
lists its listing requests with their times.
POST /oauth/token-stall answers a token request with headers and then stalls the body.

Listings that page only by cursor, as AWS IAM Identity Center documents: aws-refuse answers 400 to
startIndex, aws-ignore ignores it (every page from the first user); both serve at most 100 a page,
and with `cursor` (RFC 9865) page on with nextCursor to the end. no-paging answers the first 100
users (totalResults 250) to everything: startIndex, cursor and count are all ignored.

Modes that hold requests until the test acts, so that a kill lands mid-run by construction:
hold-pages serves the first two pages of 100 and holds every later page; prov-hold* holds every
write. GET /<mode>/_held answers how many requests it holds, GET /<mode>/_release lets them (and
every later one) go. A release is for good, so a test that holds takes a name of its own:
hold-pages-<name> holds as hold-pages does; hold-users-<name> holds every GET of one user
(/Users/<id>); oauth-hold-<name> takes oauth's tokens and holds the first page of a listing
(startIndex 1), and lists each listing request with the token it carried (GET /<mode>/_reads).
GET /oauth/_tokens lists the tokens issued, with the time of each.

Provisioning modes keep written users and groups in memory (prov-ok), and misbehave on writes:
prov-flaky and prov-flaky-* (429 with Retry-After: 1 on every 2nd write, 503 on every 3rd; each name its own store), prov-slow-post
(each user's first POST takes 3 s, but creates the user), prov-down (every write fails 500),
prov-slow (every write takes 0.2 s), prov-bucket* (a token bucket: 50 requests/s, 429 with Retry-After: 1 past it; prov-bucket-tight*: 20/s, at most 2 at once). GET /<mode>/_writes lists the writes served, with times. GET /<mode>/_stats answers how many requests and errors it served."""
import base64
import re
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

COUNT = int(sys.argv[2]) if len(sys.argv) > 2 else 250
USERS = [{
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "id": f"m-{i:05d}", "userName": f"mis{i:05d}", "displayName": f"Mis Behaving {i}",
    "name": {"givenName": "Mis", "familyName": f"Behaving{i:05d}"},
    "emails": [{"value": f"mis{i:05d}@example.net", "type": "work", "primary": True}],
    # poBox is not in RFC 7643, but providers send it and SPEC.md maps it.
    "addresses": [{"type": "home", "poBox": f"PO {i}", "country": "NO"}],
} for i in range(COUNT)]
LOCK = threading.Lock()
STATS = {}
SEEN = set()
TOKENS = {}
ISSUED = []
STORE = {}
WRITES = {}
LAST_429 = {}
BUCKETS = {}
READS = {}
# Requests a second and the most at once: prov-bucket is the benchmark's provider (50/s);
# prov-bucket-tight* is met by any client sending three requests at once, however slow the machine.
BUCKET_LIMITS = {"prov-bucket-tight": (20.0, 2.0), "prov-bucket": (50.0, 50.0)}


# What a hostile or broken provider may put in a ListResponse's number fields.
EXTREMES = {"min": -9223372036854775808, "max": 9223372036854775807, "beyond": 10 ** 30, "negative": -5,
            "fraction": 12.5, "text": "many", "null": None}


def take_token(mode, rate=None, size=None):
    """A token bucket of `rate` requests per second (`size` at once at most; BUCKET_LIMITS
    unless given), as a provider's rate limit; False means answer 429 with Retry-After."""
    if rate is None:
        rate, size = next(limit for prefix, limit in BUCKET_LIMITS.items() if mode.startswith(prefix))
    with LOCK:
        now = time.time()
        tokens, last = BUCKETS.get(mode, (size, now))
        tokens = min(size, tokens + (now - last) * rate)
        BUCKETS[mode] = (tokens - 1, now) if tokens >= 1 else (tokens, now)
        return tokens >= 1


HOLDS = {}
HELD = {}


def hold(mode):
    """Holds this request until the test releases the mode (GET /<mode>/_release)."""
    with LOCK:
        released = HOLDS.setdefault(mode, threading.Event())
        HELD[mode] = HELD.get(mode, 0) + 1
    released.wait()
    with LOCK:
        HELD[mode] -= 1


def stat(mode, key):
    with LOCK:
        STATS.setdefault(mode, {}).setdefault(key, 0)
        STATS[mode][key] += 1
        return STATS[mode][key]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body, content_type="application/scim+json", headers=None):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length) or b"null")

    def write(self, method):
        url = urlparse(self.path)
        parts = url.path.strip("/").split("/")
        mode, kind, rid = parts[0], parts[1], (parts[2] if len(parts) > 2 else None)
        n = stat(mode, "writes")
        body = self.body()
        if mode.startswith("prov-hold"):
            hold(mode)
        if mode == "prov-down":
            stat(mode, "errors")
            return self.send(500, {"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "500", "detail": "database on fire"})
        if mode.startswith("prov-flaky") and n % 2 == 0:
            stat(mode, "errors")
            return self.send(429, {"detail": "slow down"}, headers={"Retry-After": "1"})
        if mode.startswith("prov-flaky") and n % 3 == 0:
            stat(mode, "errors")
            return self.send(503, b"busy", "text/plain")
        if mode.startswith("prov-bucket") and not take_token(mode):
            stat(mode, "errors")
            return self.send(429, {"detail": "slow down"}, headers={"Retry-After": "1"})
        if mode == "prov-slow":
            time.sleep(0.2)
        # One write at a time: Roster sends several at once, and ids must stay unique.
        with LOCK:
            status, answer = self.apply(mode, kind, rid, method, body, url)
        if mode == "prov-slow-post" and method == "POST" and kind == "Users" and status == 201:
            time.sleep(3)
        return self.send(status, answer)

    @staticmethod
    def apply(mode, kind, rid, method, body, url):
        store = STORE.setdefault(mode, {"Users": {}, "Groups": {}})[kind]
        WRITES.setdefault(mode, []).append({"time": time.time(), "method": method, "path": url.path})
        if method == "POST":
            if kind == "Users" and any(u.get("userName") == body.get("userName") for u in store.values()):
                return 409, {"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "409", "scimType": "uniqueness", "detail": "userName taken"}
            body["id"] = f"{mode}-{len(store) + 1:05d}"
            store[body["id"]] = body
            return 201, body
        if rid not in store:
            return 404, {"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "404", "detail": "no such resource"}
        if method == "PUT":
            body["id"] = rid
            store[rid] = body
            return 200, body
        if method == "DELETE":
            del store[rid]
            return 204, b""
        resource = store[rid]
        for op in body.get("Operations", []):
            path, value = op.get("path"), op.get("value")
            if op["op"] == "replace" and path == "active":
                resource["active"] = value
            elif op["op"] == "add" and path == "members":
                resource.setdefault("members", []).extend(value)
            elif op["op"] == "remove" and path and path.startswith("members["):
                gone = set(re.findall(r'value eq "([^"]+)"', path))
                resource["members"] = [m for m in resource.get("members", []) if m["value"] not in gone]
        return 200, resource

    def do_PUT(self):
        self.write("PUT")

    def do_PATCH(self):
        self.write("PATCH")

    def do_DELETE(self):
        self.write("DELETE")

    def do_POST(self):
        if not self.path.startswith("/oauth/"):
            return self.write("POST")
        # OAuth 2.0 client credentials (RFC 6749 4.4), client authenticated with HTTP basic.
        length = int(self.headers.get("Content-Length") or 0)
        form = parse_qs(self.rfile.read(length).decode())
        if self.path == "/oauth/token-stall":
            return self.stall()
        if self.path != "/oauth/token" or form.get("grant_type") != ["client_credentials"]:
            return self.send(400, {"error": "unsupported_grant_type"}, "application/json")
        if self.headers.get("Authorization") != "Basic " + base64.b64encode(b"roster-client:client-secret").decode():
            return self.send(401, {"error": "invalid_client", "error_description": "bad client credentials"}, "application/json")
        token = f"tok-{stat('oauth', 'tokens')}"
        TOKENS[token] = time.time() + 61
        with LOCK:
            ISSUED.append({"token": token, "time": time.time()})
        self.send(200, {"access_token": token, "token_type": "Bearer", "expires_in": 61}, "application/json")

    def stall(self):
        """Promises a body and sends half of it, then nothing: only a deadline over the whole exchange ends it."""
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "1000")
        self.end_headers()
        self.wfile.write(b'{"Resources": [')
        self.wfile.flush()
        time.sleep(600)

    def authorized(self, mode):
        header = self.headers.get("Authorization", "")
        if mode == "basic":
            return header == "Basic " + base64.b64encode(b"roster:pw").decode()
        if mode == "oauth" or mode.startswith("oauth-hold"):
            token = header[7:] if header.startswith("Bearer ") else ""
            return TOKENS.get(token, 0) > time.time()
        return True

    def do_GET(self):
        url = urlparse(self.path)
        parts = url.path.strip("/").split("/")
        mode, resource = parts[0], "/".join(parts[1:])
        query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        if resource == "_stats":
            counted = {"requests": 0, "errors": 0, "reads": 0, "writes": 0}
            return self.send(200, counted | STATS.get(mode, {}), "application/json")
        if resource == "_reads":
            return self.send(200, READS.get(mode, []), "application/json")
        if resource == "_writes":
            return self.send(200, WRITES.get(mode, []), "application/json")
        if mode == "oauth" and resource == "_tokens":
            with LOCK:
                return self.send(200, list(ISSUED), "application/json")
        if resource == "_held":
            with LOCK:
                return self.send(200, {"held": HELD.get(mode, 0)}, "application/json")
        if resource == "_release":
            with LOCK:
                HOLDS.setdefault(mode, threading.Event()).set()
            return self.send(200, {"released": True}, "application/json")
        if mode.startswith("prov-bucket") and resource in ("Users", "Groups") and not take_token(mode):
            stat(mode, "errors")
            return self.send(429, {"detail": "slow down"}, headers={"Retry-After": "1"})
        if mode.startswith("prov-") and resource in ("Users", "Groups"):
            stat(mode, "reads")
            items = list(STORE.get(mode, {}).get(resource, {}).values())
            start = max(1, int(query.get("startIndex", "1") or 1))
            count = int(query.get("count", "100") or 100)
            page = items[start - 1:start - 1 + count]
            return self.send(200, {"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "totalResults": len(items),
                                   "Resources": page})
        n = stat(mode, "requests")
        if not self.authorized(mode):
            stat(mode, "refused")
            return self.send(401, {"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "401", "detail": "who are you?"})
        # The gap between a 429 and the retry of the same request: other requests already in
        # flight when the 429 was sent may arrive sooner, and say nothing about Retry-After.
        retried = (mode, url.query)
        if mode == "rate-limit" and retried in LAST_429:
            gap = int((time.time() - LAST_429.pop(retried)) * 1000)
            with LOCK:
                STATS[mode]["min_gap_ms"] = min(STATS[mode].get("min_gap_ms", gap), gap)
        if resource == "ServiceProviderConfig":
            config = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
                      "patch": {"supported": False}, "filter": {"supported": False, "maxResults": 0},
                      "sort": {"supported": False}, "etag": {"supported": False},
                      "bulk": {"supported": False}, "changePassword": {"supported": False}}
            if mode == "cursor":
                config["pagination"] = {"cursor": True, "index": False, "maxPageSize": 40}
            if mode == "short-pages":
                config["filter"]["maxResults"] = 50
            if mode.startswith("broken-"):
                config["filter"]["supported"] = config["sort"]["supported"] = True
            return self.send(200, config)
        if resource.startswith("Users/"):
            if mode.startswith("hold-users"):
                hold(mode)
            user = next((u for u in USERS if u["id"] == resource[6:]), None)
            return self.send(200, user) if user else self.send(404, {"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "404", "detail": "no such user"})
        if resource != "Users":
            return self.send(404, {"detail": "not found"})
        if mode == "rate-limit" and n % 2 == 0:
            stat(mode, "errors")
            LAST_429[(mode, url.query)] = time.time()
            return self.send(429, {"detail": "slow down"}, headers={"Retry-After": "1"})
        if mode == "flaky-503" and n % 3 == 0:
            stat(mode, "errors")
            return self.send(503, b"<html>Service Unavailable</html>", "text/html")
        if mode.startswith("like-"):
            _, cap, rpm = mode.split("-")
            with LOCK:
                READS.setdefault(mode, []).append({"time": time.time(), "query": query})
            if int(rpm) and not take_token(mode, int(rpm) / 60.0, 2):
                stat(mode, "errors")
                return self.send(429, {"detail": "slow down"}, headers={"Retry-After": "1"})
            start = max(1, int(query.get("startIndex", "1") or 1))
            count = int(query.get("count", "100") or 100)
            page = USERS[start - 1:start - 1 + (min(count, int(cap)) if int(cap) else count)]
            return self.send(200, {"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
                                   "totalResults": len(USERS), "Resources": page})
        if mode == "broken-every" or (mode in ("broken-count", "broken-all") and "count" in query):
            stat(mode, "errors")
            return self.send(500, {"detail": "internal error"})
        if mode == "broken-all" and ("sortBy" in query or "filter" in query):
            stat(mode, "errors")
            return self.send(400 if "sortBy" in query else 500, {"detail": "unsupported"})
        start = max(1, int(query.get("startIndex", "1") or 1))
        # Like many real providers, it serves at most 100 per page whatever is asked (Roster asks
        # for 1,000): a listing of 250 takes three pages.
        count = min(int(query.get("count", "100") or 100), 100)
        if mode == "stall-body":
            return self.stall()
        if mode == "endless":
            page = [{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": f"e-{start + i}",
                     "userName": f"endless{start + i}", "emails": [{"value": f"endless{start + i}@example.net"}]}
                    for i in range(count)]
            return self.send(200, {"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
                                   "totalResults": start + 2 * count, "startIndex": start, "itemsPerPage": count,
                                   "Resources": page})
        if mode == "slow-once":
            key = (mode, start)
            with LOCK:
                first = key not in SEEN
                SEEN.add(key)
            if first:
                stat(mode, "errors")
                time.sleep(3)
        if mode == "slow-pages":
            time.sleep(2)
        if mode == "slow-pages-short":
            time.sleep(0.3)
        if mode == "hold-pages" and start > 200:
            hold(mode)
        if mode.startswith("hold-pages-") and start > 200:
            hold(mode)
        if mode.startswith("oauth-hold"):
            with LOCK:
                READS.setdefault(mode, []).append({"time": time.time(), "query": query,
                                                   "token": self.headers.get("Authorization", "")[7:]})
            if start == 1:
                hold(mode)
        if mode == "short-pages":
            count = min(count, 7)
        if mode in ("ignore-start", "broken-all"):
            start = 1
            if "count" not in query:
                count = len(USERS)
        if mode in ("aws-refuse", "aws-ignore", "no-paging"):
            return self.aws_like(mode, query)
        if mode == "cursor":
            offset = int(query.get("cursor") or 0)
            page = USERS[offset:offset + min(count, 40)]
            body = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "Resources": page,
                    "itemsPerPage": len(page)}
            if offset + len(page) < len(USERS):
                body["nextCursor"] = str(offset + len(page))
            return self.send(200, body)
        page = USERS[start - 1:start - 1 + count]
        body = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "totalResults": len(USERS),
                "startIndex": start, "itemsPerPage": len(page), "Resources": page}
        if mode == "no-total":
            del body["totalResults"]
        if mode == "wrong-total-low":
            body["totalResults"] = 10
        if mode == "wrong-total-high":
            body["totalResults"] = len(USERS) + 500
        if mode.startswith("extreme-"):
            # extreme-FIELD-KIND: one number field of every page at an extreme (Int.min, Int.max, …).
            _, field, kind = mode.split("-", 2)
            if kind == "missing":
                body.pop(field, None)
            else:
                body[field] = EXTREMES[kind]
        if mode == "malformed" or (mode == "malformed-page2" and start > 1):
            return self.send(200, b'{"Resources": [{"id": "x", "userName": ', "application/scim+json")
        if mode == "huge":
            body["padding"] = "x" * (2 * 1024 * 1024)
        self.send(200, body, "application/json" if mode == "plain-json" else "application/scim+json")


    def aws_like(self, mode, query):
        listing = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "totalResults": len(USERS)}
        count = min(int(query.get("count") or 100), 100)
        if mode == "no-paging":
            page = USERS[:100]
            return self.send(200, listing | {"Resources": page, "itemsPerPage": len(page), "startIndex": 1})
        if "startIndex" in query and mode == "aws-refuse":
            stat(mode, "errors")
            return self.send(400, {"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "400",
                                   "scimType": "invalidValue", "detail": "startIndex is not supported: use cursor"})
        if "cursor" in query:
            offset = int(query["cursor"][1:] or 0) if query["cursor"] else 0
            page = USERS[offset:offset + count]
            body = listing | {"Resources": page, "itemsPerPage": len(page)}
            if offset + len(page) < len(USERS):
                body["nextCursor"] = f"c{offset + len(page)}"
            return self.send(200, body)
        page = USERS[:count]
        return self.send(200, listing | {"Resources": page, "itemsPerPage": len(page), "startIndex": 1})


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
    server.daemon_threads = True
    print("ready", flush=True)
    server.serve_forever()
