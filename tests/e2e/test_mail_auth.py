"""Inbound SPF, DKIM and DMARC (issue #15): port 25 checks a stranger's message against the fake
DNS, records the results in one Authentication-Results field with our authserv-id, removes
forged ones, and applies the sender domain's DMARC policy (p=reject: 550 5.7.1, p=quarantine: the
Junk folder). DKIM signatures come from dkimpy, the independent implementation, with both key
types."""

import base64
import imaplib
import re
import smtplib
import subprocess
import tempfile
import unittest

from dkimpy_tool import dkim_sign
from fake_dns import FakeDns
from mailsuite_fixture import Suite

USERS = {"bob@example.test": "hungry"}
AUTHSERV = "mail.example.test"
SIGNED_HEADERS = ["from", "to", "subject", "date", "message-id"]


def make_keys():
    """(rsa_pem, rsa_record, ed25519_seed_b64, ed25519_record), made with openssl."""
    with tempfile.TemporaryDirectory() as d:
        run = lambda *a: subprocess.run(a, check=True, capture_output=True, cwd=d).stdout
        run("openssl", "genpkey", "-algorithm", "rsa", "-pkeyopt", "rsa_keygen_bits:2048",
            "-out", "rsa.pem")
        run("openssl", "genpkey", "-algorithm", "ed25519", "-out", "ed.pem")
        rsa_pem = open(f"{d}/rsa.pem").read()
        rsa_pub = run("openssl", "pkey", "-in", "rsa.pem", "-pubout", "-outform", "DER")
        ed_priv = run("openssl", "pkey", "-in", "ed.pem", "-outform", "DER")
        ed_pub = run("openssl", "pkey", "-in", "ed.pem", "-pubout", "-outform", "DER")
    return (rsa_pem, "v=DKIM1; k=rsa; p=" + base64.b64encode(rsa_pub).decode(),
            base64.b64encode(ed_priv[-32:]).decode(),
            "v=DKIM1; k=ed25519; p=" + base64.b64encode(ed_pub[-32:]).decode())


def auth_results(message):
    """Our Authentication-Results field, unfolded, or None."""
    header = message.split(b"\r\n\r\n", 1)[0].decode(errors="replace")
    for field in re.split(r"\r\n(?![ \t])", header):
        if field.lower().startswith("authentication-results:"):
            value = re.sub(r"\r\n[ \t]", " ", field)
            if value.split(":", 1)[1].strip().startswith(AUTHSERV + ";"):
                return value
    return None


class MailAuthTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rsa_pem, rsa_record, cls.ed_seed, ed_record = make_keys()
        records = {
            ("pass.example", "TXT"): ["v=spf1 ip4:127.0.0.0/8 -all"],
            ("fail.example", "TXT"): ["v=spf1 ip4:192.0.2.1 -all"],
            ("softfail.example", "TXT"): ["v=spf1 ~all"],
            ("neutral.example", "TXT"): ["v=spf1 ?all"],
            ("perm.example", "TXT"): ["v=spf1 frobnicate -all"],
            ("temp.example", "rcode"): 2,
            ("helo.example", "TXT"): ["v=spf1 a -all"],
            ("helo.example", "A"): ["127.0.0.1"],
            # DMARC, with SPF records that fail our 127.0.0.1 so that only DKIM can pass.
            ("reject.example", "TXT"): ["v=spf1 -all"],
            ("_dmarc.reject.example", "TXT"): ["v=DMARC1; p=reject; rua=mailto:d@reject.example"],
            ("quarantine.example", "TXT"): ["v=spf1 -all"],
            ("_dmarc.quarantine.example", "TXT"): ["v=DMARC1; p=quarantine"],
            ("none.example", "TXT"): ["v=spf1 -all"],
            ("_dmarc.none.example", "TXT"): ["v=DMARC1; p=none"],
            ("strict.example", "TXT"): ["v=spf1 -all"],
            ("_dmarc.strict.example", "TXT"): ["v=DMARC1; p=reject; adkim=s"],
            ("dnsfail.example", "TXT"): ["v=spf1 -all"],
            ("_dmarc.dnsfail.example", "rcode"): 2,
            ("spfok.example", "TXT"): ["v=spf1 ip4:127.0.0.1 -all"],
            ("_dmarc.spfok.example", "TXT"): ["v=DMARC1; p=reject"],
        }
        for domain in ("signer.example", "reject.example", "strict.example",
                       "mail.strict.example", "quarantine.example"):
            records[(f"r._domainkey.{domain}", "TXT")] = [rsa_record]
            records[(f"e._domainkey.{domain}", "TXT")] = [ed_record]
        records[("revoked._domainkey.signer.example", "TXT")] = ["v=DKIM1; k=rsa; p="]
        cls.dns = FakeDns(records).start()
        cls.suite = Suite(users=USERS, daemons=("mta", "imapd"), settings={
            "dns.servers": f"127.0.0.1:{cls.dns.port}",
            "dns.timeout_ms": "500",
            "smtp.trusted_networks": "",  # 127.0.0.1 is a stranger
        }).start()

    @classmethod
    def tearDownClass(cls):
        cls.suite.__exit__(None, None, None)
        cls.dns.stop()

    # --- helpers -----------------------------------------------------------------------
    def message(self, from_domain, subject, body="Hello.\r\n"):
        return (f"From: Sender <someone@{from_domain}>\r\nTo: bob@example.test\r\n"
                f"Subject: {subject}\r\nDate: Sun, 06 Dec 2026 10:00:00 +0000\r\n"
                f"Message-ID: <{abs(hash(subject))}@{from_domain}>\r\n\r\n{body}").encode()

    def sign(self, message, domain, selector="r"):
        if selector == "e":
            return dkim_sign(message, domain, "e", self.ed_seed, "ed25519-sha256", SIGNED_HEADERS) + message
        return dkim_sign(message, domain, selector, self.rsa_pem, "rsa-sha256", SIGNED_HEADERS) + message

    def send(self, mail_from, message, helo="client.example"):
        """The final reply to DATA as (code, text)."""
        with smtplib.SMTP("127.0.0.1", self.suite.port("smtp"), timeout=30,
                          local_hostname=helo) as c:
            c.ehlo(helo)
            c.mail(mail_from, ["BODY=8BITMIME"])
            c.rcpt("bob@example.test")
            return c.data(message)

    def folder(self, name):
        imap = imaplib.IMAP4("127.0.0.1", self.suite.port("imap"))
        try:
            imap.login("bob@example.test", "hungry")
            imap.select(name)
            _, data = imap.fetch("1:*", "(BODY.PEEK[])")
            return [part[1] for part in data if isinstance(part, tuple)]
        finally:
            imap.logout()

    def delivered(self, subject, folder="INBOX"):
        found = [m for m in self.folder(folder) if f"Subject: {subject}\r\n".encode() in m]
        self.assertEqual(len(found), 1, f"{subject!r} not in {folder}")
        return found[0]

    def deliver_and_read(self, mail_from, message, subject, folder="INBOX", helo="client.example"):
        code, text = self.send(mail_from, message, helo)
        self.assertEqual(code, 250, text)
        result = auth_results(self.delivered(subject, folder))
        self.assertIsNotNone(result, "no Authentication-Results with our authserv-id")
        return result

    # --- SPF ---------------------------------------------------------------------------
    def test_spf_results_for_each_kind_of_record(self):
        for domain, want in (("pass.example", "pass"), ("fail.example", "fail"),
                             ("softfail.example", "softfail"), ("neutral.example", "neutral"),
                             ("perm.example", "permerror"), ("temp.example", "temperror"),
                             ("nothing.example", "none")):
            with self.subTest(domain=domain):
                subject = f"spf {domain}"
                ar = self.deliver_and_read(f"a@{domain}", self.message(domain, subject), subject)
                self.assertRegex(ar, rf"; spf={want}( \([^)]*\))? smtp\.mailfrom={domain};")
                self.assertIn("dkim=none", ar)

    def test_helo_is_checked_too_and_stands_for_the_null_sender(self):
        subject = "null sender"
        ar = self.deliver_and_read("", self.message("nothing.example", subject), subject,
                                   helo="helo.example")
        self.assertRegex(ar, r"spf=pass( \([^)]*\))? smtp\.helo=helo\.example")
        self.assertNotIn("smtp.mailfrom", ar)

    # --- DKIM --------------------------------------------------------------------------
    def test_dkimpy_signatures_of_both_types_pass(self):
        # Long folded header, 8-bit body, trailing blank lines: canonicalization corners.
        subject = "signed " + " ".join(f"w{i}" for i in range(40))
        folded = subject[:60] + "\r\n " + subject[60:]
        message = self.message("signer.example", folded, "Gr\u00fc\u00dfe  \t\r\nzwei\r\n\r\n\r\n")
        signed = self.sign(self.sign(message, "signer.example", "e"), "signer.example", "r")
        code, text = self.send("a@signer.example", signed)
        self.assertEqual(code, 250, text)
        stored = [m for m in self.folder("INBOX") if b"Subject: signed w0" in m][0]
        ar = auth_results(stored)
        self.assertRegex(ar, r"dkim=pass header\.d=signer\.example header\.s=r "
                             r"header\.a=rsa-sha256 header\.b=\S{8};")
        self.assertRegex(ar, r"dkim=pass header\.d=signer\.example header\.s=e "
                             r"header\.a=ed25519-sha256 header\.b=\S{8};")

    def test_dkim_fail_and_errors(self):
        good = self.sign(self.message("signer.example", "dkim body changed"), "signer.example")
        cases = {
            "dkim body changed": (good.replace(b"Hello.", b"Hullo."), r"dkim=fail \(body hash"),
            "dkim header changed": (
                self.sign(self.message("signer.example", "dkim header x"), "signer.example")
                .replace(b"Subject: dkim header x", b"Subject: dkim header changed"),
                r"dkim=fail \(signature did not verify\)"),
            "dkim key missing": (self.sign(self.message("signer.example", "dkim key missing"),
                                           "signer.example", "nokey"), r"dkim=permerror"),
            "dkim key revoked": (self.sign(self.message("signer.example", "dkim key revoked"),
                                           "signer.example", "revoked"),
                                 r"dkim=permerror \(key revoked\)"),
        }
        for subject, (message, pattern) in cases.items():
            with self.subTest(subject):
                ar = self.deliver_and_read("a@signer.example", message, subject)
                self.assertRegex(ar, pattern)

    # --- DMARC -------------------------------------------------------------------------
    def test_p_reject_failure_is_refused_with_550(self):
        code, text = self.send("a@reject.example", self.message("reject.example", "dmarc reject"))
        self.assertEqual(code, 550)
        self.assertIn(b"5.7.1", text)
        self.assertIn(b"DMARC policy of reject.example", text)
        self.assertEqual([m for m in self.folder("INBOX") if b"dmarc reject" in m], [])

    def test_aligned_dkim_passes_dmarc_although_spf_fails(self):
        # SPF -all alone never rejects a message that passes DKIM (forwarding keeps signatures).
        for selector in ("r", "e"):
            subject = f"dmarc dkim {selector}"
            ar = self.deliver_and_read("a@reject.example",
                                       self.sign(self.message("reject.example", subject),
                                                 "reject.example", selector), subject)
            self.assertRegex(ar, r"spf=fail")
            self.assertRegex(ar, r"dmarc=pass \(p=reject\) header\.from=reject\.example")

    def test_aligned_spf_alone_passes_dmarc(self):
        ar = self.deliver_and_read("a@spfok.example", self.message("spfok.example", "spf aligned"),
                                   "spf aligned")
        self.assertIn("dmarc=pass", ar)

    def test_relaxed_and_strict_alignment(self):
        # Relaxed (the default): d=reject.example aligns with From: news.reject.example.
        subject = "relaxed alignment"
        ar = self.deliver_and_read(
            "a@reject.example",
            self.sign(self.message("news.reject.example", subject), "reject.example"), subject)
        self.assertIn("dmarc=pass", ar)
        # Strict: d=mail.strict.example does not align with From: strict.example.
        code, text = self.send("a@strict.example",
                               self.sign(self.message("strict.example", "strict alignment"),
                                         "mail.strict.example"))
        self.assertEqual(code, 550, text)

    def test_p_quarantine_failure_goes_to_junk(self):
        ar = self.deliver_and_read("a@quarantine.example",
                                   self.message("quarantine.example", "dmarc quarantine"),
                                   "dmarc quarantine", folder="Junk")
        self.assertIn("dmarc=fail (p=quarantine) header.from=quarantine.example", ar)
        self.assertEqual([m for m in self.folder("INBOX") if b"dmarc quarantine" in m], [])

    def test_p_none_failure_is_delivered_and_recorded(self):
        ar = self.deliver_and_read("a@none.example", self.message("none.example", "dmarc none"),
                                   "dmarc none")
        self.assertIn("dmarc=fail (p=none) header.from=none.example", ar)

    def test_no_dmarc_record_is_dmarc_none(self):
        ar = self.deliver_and_read("a@pass.example", self.message("pass.example", "no dmarc"),
                                   "no dmarc")
        self.assertIn("dmarc=none header.from=pass.example", ar)

    def test_a_from_field_that_hides_its_author_is_refused(self):
        # Two From: fields, or an author domain with a trailing dot that DNS still resolves:
        # both are ways past DMARC (RFC 7489 6.6.1), refused like a p=reject failure.
        for subject, head in (("two froms", "From: someone@pass.example\r\nFrom: ceo@reject.example"),
                              ("trailing dot", "From: ceo@reject.example.")):
            with self.subTest(subject):
                message = (f"{head}\r\nTo: bob@example.test\r\nSubject: {subject}\r\n\r\n"
                           "Pay this invoice.\r\n").encode()
                code, text = self.send("a@pass.example", message)
                self.assertEqual(code, 550, text)
                self.assertIn(b"From: field must name exactly one author", text)

    def test_dns_failure_on_the_dmarc_record_defers(self):
        code, text = self.send("a@dnsfail.example", self.message("dnsfail.example", "dns down"))
        self.assertEqual(code, 451, text)
        self.assertIn(b"4.7.0", text)

    # --- Authentication-Results ----------------------------------------------------------
    def test_a_forged_authentication_results_claiming_us_is_removed(self):
        subject = "forged results"
        message = (f"Authentication-Results: {AUTHSERV}; dkim=pass header.d=bank.example\r\n"
                   f"Authentication-Results: {AUTHSERV.upper()} (comment); spf=pass\r\n"
                   "Authentication-Results: other.example; spf=pass\r\n").encode() + \
            self.message("nothing.example", subject)
        self.send("a@nothing.example", message)
        stored = self.delivered(subject)
        header = stored.split(b"\r\n\r\n", 1)[0].decode()
        ours = [line for line in header.split("\r\n")
                if line.lower().startswith("authentication-results:")]
        self.assertEqual(len(ours), 2, header)
        self.assertTrue(ours[0].startswith(f"Authentication-Results: {AUTHSERV};"))
        self.assertNotIn("bank.example", header)
        self.assertIn("Authentication-Results: other.example; spf=pass", header)
        # Ours is on top, above our Received: line.
        self.assertLess(header.index(f"Authentication-Results: {AUTHSERV};"),
                        header.index("Received: from"))


if __name__ == "__main__":
    unittest.main()
