"""The old XML-RPC script (docs: /work/shared/OLD_SCRIPT.md), simulated
for the `takeover` scenario: the calls it made, in its order, over XML-RPC
as its own user, with the version that saved its progress every few
invoices and no longer checked each invoice (the one whose restarts made
duplicates). No render over HTTP: each "render" is a small PDF whose bytes
differ every time, as the script's renders did.

    python -m e2e.old_script --url URL --db DB --login L --password P \
        --progress FILE [--save-every N] [--max-id ID]

The harness SIGKILLs it part way and starts it again: the new run starts
after the highest id of the progress file, so the invoices done since the
last save are done again. Prints one line per document made.
"""

import argparse
import base64
import json
import os
import time
import xmlrpc.client

FORBIDDEN = '/\\:*?"<>|'


def render(number):
    """A one-page PDF whose bytes differ on each call (its date inside)."""
    text = f"{number} rendered {time.time_ns()}"
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for index, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % index + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return out


def folder_name(name):
    return "".join("_" if char in FORBIDDEN else char for char in name)


class Script:
    def __init__(self, url, db, login, password):
        common = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common")
        self.db, self.password = db, password
        self.uid = common.authenticate(db, login, password, {})
        self.models = xmlrpc.client.ServerProxy(
            f"{url}/xmlrpc/2/object", allow_none=True
        )

    def call(self, model, method, *args, **kwargs):
        return self.models.execute_kw(
            self.db, self.uid, self.password, model, method, list(args), kwargs
        )

    def folder(self, name, parent, partner_id=None):
        """Found again by name and parent, else made as the script's user;
        a customer's folder linked to the customer (without, if refused)."""
        found = self.call(
            "documents.document",
            "search",
            [
                ("type", "=", "folder"),
                ("name", "=", name),
                ("folder_id", "=", parent or False),
            ],
            limit=1,
        )
        if found:
            return found[0]
        vals = {"name": name, "type": "folder", "owner_id": self.uid}
        if parent:
            vals["folder_id"] = parent
        if partner_id:
            try:
                return self.call(
                    "documents.document",
                    "create",
                    dict(vals, res_model="res.partner", res_id=partner_id),
                )
            except xmlrpc.client.Fault:
                pass
        return self.call("documents.document", "create", vals)


def main():
    parser = argparse.ArgumentParser()
    for name in ("--url", "--db", "--login", "--password", "--progress"):
        parser.add_argument(name, required=True)
    parser.add_argument("--save-every", type=int, default=10)
    parser.add_argument("--max-id", type=int, default=0)
    opts = parser.parse_args()
    progress = {"done": [], "last_id": 0}
    if os.path.exists(opts.progress):
        with open(opts.progress) as f:
            progress = json.load(f)
    script = Script(opts.url, opts.db, opts.login, opts.password)
    domain = [("move_type", "=", "out_invoice"), ("id", ">", progress["last_id"])]
    if opts.max_id:
        domain.append(("id", "<=", opts.max_id))
    ids = script.call("account.move", "search", domain, order="id")
    finance = script.folder("Finance", None)
    clients = script.folder("Factures clients", finance)
    since_save = 0
    for move in script.call("account.move", "read", ids, ["name", "partner_id"]):
        partner_id, partner_name = move["partner_id"]
        customer = script.folder(folder_name(partner_name), clients, partner_id)
        document_id = script.call(
            "documents.document",
            "create",
            {
                "name": f"{move['name']}.pdf",
                "folder_id": customer,
                "type": "binary",
                "datas": base64.b64encode(render(move["name"])).decode(),
                "mimetype": "application/pdf",
                "res_model": "account.move",
                "res_id": move["id"],
            },
        )
        print(f"DOCUMENT {move['id']} {document_id}", flush=True)
        progress["done"].append(move["id"])
        progress["last_id"] = move["id"]
        since_save += 1
        if since_save == opts.save_every:
            # Its progress file, written every few invoices.
            with open(opts.progress + ".tmp", "w") as f:
                json.dump(progress, f)
            os.replace(opts.progress + ".tmp", opts.progress)
            since_save = 0
    with open(opts.progress, "w") as f:
        json.dump(progress, f)
    print("END", flush=True)


if __name__ == "__main__":
    main()
