"""Identity providers write concurrently: 16 clients at once through a real `roster serve` (on
PostgreSQL, two instances behind one address), more than 2,000 requests mixing user POST/PATCH with
and without If-Match, member adds and removes on a few shared groups, PUTs of a group and deletes.
Afterwards the directory equals the model the clients built from their answers: every member
present, every last accepted write kept, every refused write answered 412; 0 lost, 0 wrong."""
import random
import threading
from concurrent.futures import ThreadPoolExecutor

import requests

from balancer import Balancer
from conftest import POSTGRES, Roster, stop
from portal import Server

ADMIN = "admin@example.com"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
CLIENTS, USERS_EACH, GROUPS, SHARED = 16, 30, 4, 4


class Directory:
    """A `roster serve` (two on PostgreSQL, behind a balancer) and a manager key."""

    def __init__(self, folder):
        self.roster = Roster(folder / "a").with_admin()
        self.key = self.roster.json("apikey", "create", "--name", "idp", "--role", "manager", "--as", ADMIN)["key"]
        self.servers = [Server(self.roster)]
        self.balancer = None
        if POSTGRES:
            second = Roster(folder / "b", database_url=self.roster.env["DATABASE_URL"])
            self.servers.append(Server(second))
            self.balancer = Balancer([s.port for s in self.servers])
        self.url = (self.balancer.url if self.balancer else self.servers[0].url) + "/scim/v2"

    def session(self):
        session = requests.Session()
        session.headers.update({"Authorization": f"Bearer {self.key}", "Content-Type": "application/scim+json"})
        return session

    def close(self):
        for server in self.servers:
            stop(server.process)
        if self.balancer:
            self.balancer.close()


class Log:
    """Every answer the clients got, in one place."""

    def __init__(self):
        self.lock = threading.Lock()
        self.users = {}          # id -> [(version, title)] accepted
        self.deleted = set()
        self.group_writes = {}   # group id -> [(version, op, [ids])]
        self.pairs = []          # (accepted, refused with 412) of two PATCHes from one version
        self.unexpected = []
        self.requests = 0

    def count(self):
        with self.lock:
            self.requests += 1

    def wrong(self, what, answer):
        with self.lock:
            self.unexpected.append(f"{what}: {answer.status_code} {answer.text[:300]}")

    def user(self, uid, version, title):
        with self.lock:
            self.users.setdefault(uid, []).append((version, title))

    def group(self, gid, version, op, ids):
        with self.lock:
            self.group_writes.setdefault(gid, []).append((version, op, ids))


def version(answer):
    return int(answer.json()["meta"]["version"].split('"')[1])


def call(session, log, method, url, body=None, headers=None):
    log.count()
    return session.request(method, url, json=body, headers=headers or {}, timeout=120)


def patch_title(session, log, url, uid, title, if_match=None):
    body = {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "title", "value": title}]}
    return call(session, log, "PATCH", f"{url}/Users/{uid}", body, {"If-Match": if_match} if if_match else None)


def member_patch(session, log, url, gid, op, uid):
    if op == "add":
        operation = {"op": "add", "path": "members", "value": [{"value": uid}]}
    else:
        operation = {"op": "remove", "path": f'members[value eq "{uid}"]'}
    return call(session, log, "PATCH", f"{url}/Groups/{gid}?excludedAttributes=members",
                {"schemas": [PATCH_OP], "Operations": [operation]})


def client(n, directory, groups, shared, log):
    session, url, rng = directory.session(), directory.url, random.Random(n)
    added = []
    for i in range(USERS_EACH):
        # Unicode and right-to-left names, long values: what real directories hold.
        name = f"c{n:02d}u{i:02d}@example.com"
        created = call(session, log, "POST", f"{url}/Users", {
            "schemas": [USER], "userName": name, "emails": [{"value": name, "type": "work"}],
            "name": {"givenName": "Zoë", "familyName": f"علي-{n}-{i}"}, "displayName": "Ωμέγα " + "x" * 200})
        if created.status_code != 201:
            log.wrong(f"POST {name}", created)
            continue
        uid = created.json()["id"]
        log.user(uid, version(created), None)
        found = call(session, log, "GET", f'{url}/Users?filter=userName eq "{name}"')
        if found.status_code != 200 or [u["id"] for u in found.json()["Resources"]] != [uid]:
            log.wrong(f"filter {name}", found)
        # With If-Match for every other user: the version the POST answered.
        changed = patch_title(session, log, url, uid, f"title {i}", created.headers["ETag"] if i % 2 == 0 else None)
        if changed.status_code != 200:
            log.wrong(f"PATCH {name}", changed)
        else:
            log.user(uid, version(changed), f"title {i}")
        if i % 2 == 0:
            gid = groups[(n + i) % GROUPS]
            answer = member_patch(session, log, url, gid, "add", uid)
            if answer.status_code != 200:
                log.wrong(f"add {name}", answer)
            else:
                log.group(gid, version(answer), "add", [uid])
                added.append((gid, uid))
        if i % 10 == 5:
            # Two PATCHes from one version at once: one is accepted, the other refused with 412.
            tag = call(session, log, "GET", f"{url}/Users/{uid}").headers["ETag"]
            answers = {}

            def send(title):
                answers[title] = patch_title(directory.session(), log, url, uid, title, tag)
            threads = [threading.Thread(target=send, args=(t,)) for t in ("pair A", "pair B")]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            codes = sorted(a.status_code for a in answers.values())
            if codes != [200, 412]:
                log.wrong(f"pair {name} {codes}", list(answers.values())[0])
            for title, answer in answers.items():
                if answer.status_code == 200:
                    log.user(uid, version(answer), title)
            with log.lock:
                log.pairs.append(codes)
        if i % 3 == 0:
            target = shared[i % SHARED]
            answer = patch_title(session, log, url, target, f"c{n}-{i}")
            if answer.status_code != 200:
                log.wrong("shared PATCH", answer)
            else:
                log.user(target, version(answer), f"c{n}-{i}")
        if i % 10 == 9 and added:
            gid, member = added.pop(rng.randrange(len(added)))
            answer = member_patch(session, log, url, gid, "remove", member)
            if answer.status_code != 200:
                log.wrong("remove member", answer)
            else:
                log.group(gid, version(answer), "remove", [member])
        if i % 15 == 7:
            gid = groups[n % GROUPS]
            current = call(session, log, "GET", f"{url}/Groups/{gid}")
            members = [m["value"] for m in current.json().get("members", [])]
            kept = [m for m in members if rng.random() < 0.8]
            answer = call(session, log, "PUT", f"{url}/Groups/{gid}?excludedAttributes=members", {
                "schemas": [GROUP], "displayName": current.json()["displayName"],
                "members": [{"value": m} for m in kept]}, {"If-Match": current.headers["ETag"]})
            if answer.status_code == 200:
                log.group(gid, version(answer), "replace", kept)
            elif answer.status_code != 412:
                log.wrong("PUT group", answer)
        if i % 10 == 3:
            answer = call(session, log, "DELETE", f"{url}/Users/{uid}")
            if answer.status_code != 204:
                log.wrong(f"DELETE {name}", answer)
            else:
                with log.lock:
                    log.deleted.add(uid)


def replay(writes):
    """The members the accepted writes leave, applied in the order their versions give."""
    members = set()
    for _, op, ids in sorted(writes, key=lambda w: w[0]):
        if op == "add":
            members |= set(ids)
        elif op == "remove":
            members -= set(ids)
        else:
            members = set(ids)
    return members


def test_sixteen_identity_provider_clients_at_once_lose_nothing(tmp_path):
    directory = Directory(tmp_path)
    try:
        session = directory.session()
        groups = [session.post(f"{directory.url}/Groups", json={"schemas": [GROUP], "displayName": f"Team {g}"},
                               timeout=60).json()["id"] for g in range(GROUPS)]
        shared = [session.post(f"{directory.url}/Users", json={
            "schemas": [USER], "userName": f"shared{s}@example.com",
            "emails": [{"value": f"shared{s}@example.com"}]}, timeout=60).json()["id"] for s in range(SHARED)]
        log = Log()
        # MUT
        with ThreadPoolExecutor(CLIENTS) as pool:
            for future in [pool.submit(client, n, directory, groups, shared, log) for n in range(CLIENTS)]:
                future.result()
        # validate: no request failed in a way the model does not expect
        assert log.requests >= 2000, log.requests
        assert not log.unexpected, "\n".join(log.unexpected[:20])
        assert len(log.pairs) == CLIENTS * 3 and all(codes == [200, 412] for codes in log.pairs)
        # every kind of write was accepted at least once: the model below checks each of them
        ops = {op for writes in log.group_writes.values() for _, op, _ in writes}
        assert ops == {"add", "remove", "replace"}, ops
        assert log.deleted
        # every last accepted write kept, every deleted user gone
        wrong = []
        for uid, writes in log.users.items():
            answer = session.get(f"{directory.url}/Users/{uid}", timeout=60)
            if uid in log.deleted:
                if answer.status_code != 404:
                    wrong.append(f"{uid} was deleted but answers {answer.status_code}")
                continue
            last = max(writes)
            if answer.status_code != 200 or answer.json().get("title") != last[1] or version(answer) != last[0]:
                wrong.append(f"{uid}: expected {last}, found {answer.status_code} {answer.text[:200]}")
        # every member present, none that should not be
        for gid in groups:
            answer = session.get(f"{directory.url}/Groups/{gid}", timeout=60)
            found = {m["value"] for m in answer.json().get("members", [])}
            expected = replay(log.group_writes.get(gid, []))
            if found != expected:
                wrong.append(f"group {gid}: {len(expected - found)} lost, {len(found - expected)} not expected")
        assert not wrong, "\n".join(wrong[:20])
        # and each accepted creation has its Insights event, written with it
        created = sum(1 for writes in log.users.values() if writes[0][1] is None)
        events = int(directory.roster.sql("SELECT count(*) FROM insights_events WHERE type = 'user_create'"))
        assert events == created + SHARED
    finally:
        directory.close()
