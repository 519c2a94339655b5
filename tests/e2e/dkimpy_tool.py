"""dkimpy (Debian's python3-dkim), the independent DKIM implementation our signatures are checked
against. Runs under Debian's own /usr/bin/python3, where the package lives, reading JSON on stdin:

    verify: {"message": b64, "records": {"sel._domainkey.example.test": "v=DKIM1; ..."}}
            -> [{"d": ..., "s": ..., "a": ..., "ok": bool, "error": str}] one per signature
    sign:   {"message": b64, "domain": d, "selector": s, "key": PEM or ed25519 seed b64,
             "algorithm": "rsa-sha256" | "ed25519-sha256", "headers": [names]}
            -> {"signature": "DKIM-Signature: ...\\r\\n"}

dkim_check(...) and dkim_sign(...) call it from the tests' own interpreter."""

import base64
import json
import subprocess
import sys

DEBIAN_PYTHON = "/usr/bin/python3"


def _run(request):
    out = subprocess.run([DEBIAN_PYTHON, __file__], input=json.dumps(request).encode(),
                         capture_output=True, timeout=60)
    if out.returncode != 0:
        raise RuntimeError("dkimpy: " + out.stderr.decode(errors="replace"))
    return json.loads(out.stdout)


def dkim_check(message, records):
    return _run({"op": "verify", "message": base64.b64encode(message).decode(),
                 "records": records})


def dkim_sign(message, domain, selector, key, algorithm, headers):
    return _run({"op": "sign", "message": base64.b64encode(message).decode(), "domain": domain,
                 "selector": selector, "key": key, "algorithm": algorithm,
                 "headers": headers})["signature"].encode()


def _main():
    import dkim  # only in Debian's interpreter
    req = json.load(sys.stdin)
    message = base64.b64decode(req["message"])
    if req["op"] == "sign":
        sig = dkim.sign(message, req["selector"].encode(), req["domain"].encode(),
                        req["key"].encode(), signature_algorithm=req["algorithm"].encode(),
                        canonicalize=(b"relaxed", b"relaxed"),
                        include_headers=[h.encode() for h in req["headers"]])
        json.dump({"signature": sig.decode()}, sys.stdout)
        return
    records = {k.lower().rstrip("."): v.encode() for k, v in req["records"].items()}

    def dnsfunc(name, timeout=5):
        return records.get(name.decode().lower().rstrip("."), b"")

    d = dkim.DKIM(message)
    results = []
    headers = [v for k, v in d.headers if k.lower() == b"dkim-signature"]
    for i, value in enumerate(headers):
        tags = dkim.util.parse_tag_value(b"".join(value.split()))
        entry = {"d": tags.get(b"d", b"").decode(), "s": tags.get(b"s", b"").decode(),
                 "a": tags.get(b"a", b"").decode(), "h": tags.get(b"h", b"").decode()}
        try:
            entry["ok"] = bool(dkim.DKIM(message).verify(idx=i, dnsfunc=dnsfunc))
            entry["error"] = ""
        except Exception as e:  # dkimpy raises for malformed signatures and keys
            entry["ok"], entry["error"] = False, str(e)
        results.append(entry)
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    _main()
