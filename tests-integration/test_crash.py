"""A kill -9 of `roster serve` in the middle of a burst of identity-provider writes (creations, member
adds and removes, changes with and without If-Match, deletes): after the
restart, every write that was answered 2xx is there with its Insights event and its provisioning
work queued, and nothing is half-done. The kill lands mid-burst by construction: the clients never
stop on their own before it, and the application holds every push Roster sends it, so pushes are
in flight when the process dies."""
import json
import os
import signal
import threading
import time

import requests

from conftest import Roster, http, stop
from portal import Server

ADMIN = "admin@example.com"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
CLIENTS = 16


class Acks:
    """What the clients were told succeeded, and what they sent without an answer."""

    def __init__(self):
        self.lock = threading.Lock()
        self.created = set()
        self.titles = {}       # user id -> last title answered 200
        self.unanswered = {}   # user id -> title sent, never answered
        self.members = set()
        self.removed = set()   # members whose removal was answered
        self.deleted = set()   # users whose DELETE was answered
        self.count = 0

    def add(self, kind, uid, value=None):
        with self.lock:
            self.count += 1
            if kind == "created":
                self.created.add(uid)
            elif kind == "title":
                self.titles[uid] = value
            elif kind == "removed":
                self.removed.add(uid)
            elif kind == "deleted":
                self.deleted.add(uid)
            else:
                self.members.add(uid)


def burst(n, url, key, group, acks, stop_sending):
    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {key}", "Content-Type": "application/scim+json"})
    i = 0
    try:
        while not stop_sending.is_set():
            name = f"k{n:02d}-{i:04d}@example.com"
            created = session.post(f"{url}/Users", json={
                "schemas": [USER], "userName": name, "emails": [{"value": name}],
                "name": {"givenName": "Łukasz", "familyName": "O’Brien"}}, timeout=60)
            assert created.status_code == 201, created.text
            uid = created.json()["id"]
            acks.add("created", uid)
            added = session.patch(f"{url}/Groups/{group}?excludedAttributes=members", json={
                "schemas": [PATCH_OP], "Operations": [{"op": "add", "path": "members", "value": [{"value": uid}]}]},
                timeout=60)
            assert added.status_code == 200, added.text
            acks.add("member", uid)
            title = f"title {n}-{i}"
            with acks.lock:
                acks.unanswered[uid] = title
            # Every other change names the version the client read: no one else writes this user, so 200.
            match = {"If-Match": created.headers["ETag"]} if i % 2 else {}
            changed = session.patch(f"{url}/Users/{uid}", json={
                "schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "title", "value": title}]},
                headers=match, timeout=60)
            assert changed.status_code == 200, changed.text
            acks.add("title", uid, title)
            if i % 4 == 2:
                removed = session.patch(f"{url}/Groups/{group}?excludedAttributes=members", json={
                    "schemas": [PATCH_OP], "Operations": [{"op": "remove", "path": f'members[value eq "{uid}"]'}]},
                    timeout=60)
                assert removed.status_code == 200, removed.text
                acks.add("removed", uid)
            elif i % 4 == 3:
                deleted = session.delete(f"{url}/Users/{uid}", timeout=60)
                assert deleted.status_code == 204, deleted.text
                acks.add("deleted", uid)
            i += 1
    except requests.RequestException:
        return  # the server died under this client's request: what it was not told stays unknown


def test_a_kill_mid_burst_loses_no_answered_write_and_leaves_nothing_half_done(tmp_path, misbehaving):
    # setup: a group bound to an application that holds every push it is sent
    roster = Roster(tmp_path / "data").with_admin()
    key = roster.json("apikey", "create", "--name", "idp", "--role", "manager", "--as", ADMIN)["key"]
    roster.run("app", "create", "Wiki", "--scim-url", f"{misbehaving}/prov-hold", "--bearer-token-env", "TOKEN")
    server = Server(roster)
    url = server.url + "/scim/v2"
    status, _, body = http("POST", f"{url}/Groups", {"schemas": [GROUP], "displayName": "Bound"},
                           {"Authorization": f"Bearer {key}"})
    assert status == 201, body
    group = body["id"]
    roster.run("group", "bind", "Bound", "Wiki")
    acks, stop_sending = Acks(), threading.Event()
    clients = [threading.Thread(target=burst, args=(n, url, key, group, acks, stop_sending)) for n in range(CLIENTS)]
    try:
        for client in clients:
            client.start()
        # MUT: once 300 writes are answered and a push is held at the application, kill -9
        deadline = time.time() + 300
        while not (acks.count >= 300 and http("GET", f"{misbehaving}/prov-hold/_held")[2]["held"] >= 1):
            assert time.time() < deadline, f"the burst never got there: {acks.count} answers"
            assert all(c.is_alive() for c in clients), "a client stopped before the kill"
            time.sleep(0.05)
        os.kill(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=30)
        for client in clients:
            client.join(timeout=120)
        assert all(not c.is_alive() for c in clients)
        stop_sending.set()
        restarted = Server(roster)
    finally:
        stop_sending.set()
        http("GET", f"{misbehaving}/prov-hold/_release")
    try:
        # validate: every answered write is there, with its event and its push queued
        app = roster.sql("SELECT id FROM applications WHERE name = 'Wiki'")
        users = set(roster.sql("SELECT id FROM users").split())
        assert acks.created <= users, f"{len(acks.created - users)} answered creations lost"
        titles = dict(row.split("|", 1) for row in roster.sql("SELECT id, job_title FROM users").splitlines())
        wrong = [uid for uid, title in acks.titles.items()
                 if titles.get(uid) not in (title, acks.unanswered.get(uid))]
        assert not wrong, f"{len(wrong)} answered changes lost: {wrong[:5]}"
        members = set(roster.sql(f"SELECT user_id FROM group_members WHERE group_id = '{group}'").split())
        assert acks.members - acks.removed <= members, f"{len(acks.members - acks.removed - members)} adds lost"
        assert not acks.removed & members, f"{len(acks.removed & members)} answered removals undone"
        suspended = set(roster.sql("SELECT id FROM users WHERE scim_deleted IS NOT NULL").split())
        assert acks.deleted <= suspended, f"{len(acks.deleted - suspended)} answered deletes lost"
        for kind, answered in [("group_remove_member", acks.removed), ("user_delete", acks.deleted)]:
            recorded = set(roster.sql(f"SELECT resource_id FROM insights_events WHERE type = '{kind}'").split())
            assert answered <= recorded, f"{len(answered - recorded)} answered {kind} without their event"
        # nothing half-done: no user without its creation event, no member without its event or its push
        assert roster.sql(
            "SELECT count(*) FROM users u WHERE NOT EXISTS (SELECT 1 FROM insights_events e "
            "WHERE e.type = 'user_create' AND e.resource_id = u.id)") == "0"
        assert roster.sql(
            f"SELECT count(*) FROM group_members m WHERE m.group_id = '{group}' AND NOT EXISTS "
            "(SELECT 1 FROM insights_events e WHERE e.type = 'group_add_member' AND e.resource_id = m.user_id)") == "0"
        # every answered change of a title has its user_update event (an event lost with a change kept fails)
        updated = set(roster.sql("SELECT DISTINCT resource_id FROM insights_events WHERE type = 'user_update'").split())
        assert set(acks.titles) <= updated, f"{len(set(acks.titles) - updated)} answered changes without their event"
        queued = {json.loads(payload)["userId"] for payload in roster.sql(
            f"SELECT payload FROM jobs WHERE kind = 'provision-user' AND payload LIKE '%{app}%'").splitlines()}
        assert members <= queued, f"{len(members - queued)} members without their push"
        # and the restarted Roster answers for all of them
        answer = requests.get(f"{restarted.url}/scim/v2/Users?count=1", timeout=60,
                              headers={"Authorization": f"Bearer {key}"}).json()
        assert answer["totalResults"] == len(users - suspended)  # a deleted user leaves SCIM's view
    finally:
        stop(restarted.process)
