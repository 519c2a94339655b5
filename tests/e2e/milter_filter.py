"""A content filter for the milter tests, on Sendmail's own libmilter (Debian's python3-milter),
so the MTA's side of the protocol is checked against the reference implementation, not against
a copy of our own reading of it.

    python3 milter_filter.py SOCKET LOG [NAME]

SOCKET is libmilter's form ("unix:/path" or "inet:port@127.0.0.1"). Every callback appends one
JSON line to LOG (event, macros, arguments, headers seen), so tests can check what was sent.
What the filter does to a message is read from words in its Subject:
  reject, tempfail, discard, quarantine    the end-of-message verdict
  addrcpt:ADDR, delrcpt:ADDR, chgfrom:ADDR the envelope changes
  addheader, insheader, chgheader, delheader, replbody, spam
  sleep:N                                  wait N seconds before answering end of message
and at MAIL or RCPT: a sender starting "reject-mail" or "discard-mail", a recipient starting
"reject-rcpt".
Every message gets "X-Test-Filter: NAME saw it" unless its Subject has "noheader".
"""
import json
import sys
import threading
import time

import Milter

MACROS = ["i", "j", "_", "v", "{daemon_name}", "{client_addr}", "{client_name}", "{auth_type}",
          "{auth_authen}", "{mail_addr}", "{mail_host}", "{mail_mailer}", "{rcpt_addr}",
          "{rcpt_host}", "{rcpt_mailer}"]

LOG_LOCK = threading.Lock()


class TestFilter(Milter.Base):
    name = "filter"
    log_path = None

    def __init__(self):
        self.headers = []
        self.body_bytes = b""
        self.subject = ""

    def log(self, event, **fields):
        macros = {m: self.getsymval(m) for m in MACROS}
        record = {"filter": self.name, "event": event,
                  "macros": {k: v for k, v in macros.items() if v is not None}, **fields}
        with LOG_LOCK, open(self.log_path, "a") as f:
            f.write(json.dumps(record) + "\n")

    def connect(self, hostname, family, hostaddr):
        self.log("connect", hostname=hostname, address=str(hostaddr[0]) if hostaddr else "")
        return Milter.CONTINUE

    def hello(self, name):
        self.log("helo", name=name)
        return Milter.CONTINUE

    def envfrom(self, sender, *params):
        self.headers, self.body_bytes, self.subject = [], b"", ""
        self.log("mail", sender=sender, params=list(params))
        if sender.strip("<>").startswith("discard-mail"):
            return Milter.DISCARD
        if sender.strip("<>").startswith("reject-mail"):
            self.setreply("550", "5.7.1", "Sender refused by the test filter")
            return Milter.REJECT
        return Milter.CONTINUE

    def envrcpt(self, recipient, *params):
        self.log("rcpt", recipient=recipient, params=list(params))
        if recipient.strip("<>").startswith("reject-rcpt"):
            self.setreply("550", "5.7.1", "Recipient refused by the test filter")
            return Milter.REJECT
        return Milter.CONTINUE

    def header(self, name, value):
        self.headers.append([name, value])
        if name.lower() == "subject":
            self.subject = value
        return Milter.CONTINUE

    def eoh(self):
        return Milter.CONTINUE

    def body(self, chunk):
        self.body_bytes += chunk
        return Milter.CONTINUE

    def eom(self):
        words = self.subject.split()
        self.log("eom", headers=self.headers, body=self.body_bytes.decode("utf-8", "replace"),
                 words=words)
        for w in words:
            if w.startswith("sleep:"):
                time.sleep(float(w[6:]))
        if "noheader" not in words:
            self.addheader("X-Test-Filter", f"{self.name} saw it")
        for w in words:
            if w.startswith("addrcpt:"):
                self.addrcpt("<" + w[8:] + ">")
            elif w.startswith("delrcpt:"):
                self.delrcpt("<" + w[8:] + ">")
            elif w.startswith("chgfrom:"):
                self.chgfrom("<" + w[8:] + ">")
        if "addheader" in words:
            self.addheader("X-Added", "folded first line\n\tsecond line")
        if "insheader" in words:
            self.addheader("X-Inserted-First", "at the top", 0)
        if "chgheader" in words:
            self.chgheader("Subject", 1, "changed by the filter")
        if "delheader" in words:
            self.chgheader("X-Remove-Me", 1, "")
        if "replbody" in words:
            self.replacebody(b"The filter replaced this body.\r\nSecond line.\r\n")
        if "spam" in words:
            self.addheader("X-Spam", "Yes")
        if "quarantine" in words:
            self.quarantine("test filter quarantine")
        if "reject" in words:
            self.setreply("554", "5.7.1", "Rejected by the test filter")
            return Milter.REJECT
        if "tempfail" in words:
            self.setreply("451", "4.7.1", "Try later, says the test filter")
            return Milter.TEMPFAIL
        if "discard" in words:
            return Milter.DISCARD
        return Milter.ACCEPT

    def abort(self):
        self.log("abort")
        return Milter.CONTINUE

    def close(self):
        return Milter.CONTINUE


def main():
    socket, log_path = sys.argv[1], sys.argv[2]
    TestFilter.name = sys.argv[3] if len(sys.argv) > 3 else "filter"
    TestFilter.log_path = log_path
    Milter.factory = TestFilter
    Milter.set_flags(Milter.ADDHDRS | Milter.CHGHDRS | Milter.CHGBODY | Milter.ADDRCPT |
                     Milter.DELRCPT | Milter.QUARANTINE | Milter.CHGFROM)
    Milter.runmilter(TestFilter.name, socket, 60)


if __name__ == "__main__":
    main()
