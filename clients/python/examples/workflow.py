"""The help article end to end on the shipped example files; prints the sync window's lists.

    python3 clients/python/examples/workflow.py        (from the repository root, after swift build)
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from customer_sync import CustomerSync  # noqa: E402

EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "protocol", "examples")


def show(title, rows):
    print(f"\n{title}")
    for row in rows:
        print("  ", row)


with CustomerSync.spawn(db=":memory:") as sync:
    sync.import_customers(side="local", path=os.path.join(EXAMPLES, "local-customers.csv"))
    sync.import_customers(side="remote", path=os.path.join(EXAMPLES, "remote-customers.csv"))
    show("Not yet synchronised", [(c["side"], c["number"], c["name"]) for c in sync.iter_unsynced()])
    show("Suggested partners", [(s["localId"], s["remoteId"], s["score"]) for s in sync.iter_suggestions()])
    sync.accept_suggestions(min_score=0.9)
    show("Conflicts", [(l["id"], [(c["field"], c["local"], c["remote"]) for c in l["conflicts"]]) for l in sync.iter_links(state="conflict")])
    for link in list(sync.iter_links(state="conflict")):
        sync.resolve_conflict(link["id"], choices={c["field"]: "remote" for c in link["conflicts"]})
    private = next(sync.iter_unsynced(query="søren"))
    sync.disable_sync(private["id"])
    sync.create_all_partners(side="local", numbering="keep")
    sync.create_all_partners(side="remote", numbering="sequence", start=9000,
                             progress=lambda p: print(f"  creating {p['done']}/{p['total']}"))
    show("Synchronised", [(l["local"]["number"], l["remote"]["number"], l["local"]["name"]) for l in sync.iter_links(state="synced")])
    show("No synchronisation", [(c["side"], c["number"], c["name"]) for c in sync.iter_excluded()])
    print("\nstatus:", sync.status())
