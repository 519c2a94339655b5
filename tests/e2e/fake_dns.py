"""A tiny authoritative DNS server on loopback UDP for relay tests.

    dns = FakeDns({("example.net", "MX"): [(10, "mx1.example.net")],
                   ("mx1.example.net", "A"): ["127.0.0.2"],
                   ("s._domainkey.example.net", "TXT"): ["v=DKIM1; k=rsa; p=..."],
                   ("gone.example", "rcode"): 3})      # NXDOMAIN
    dns.start(); ... dns.port ...; dns.stop()

Names absent from the table get NODATA if any record of the name exists, else NXDOMAIN.
A ("name", "rcode") entry answers every query for the name with that rcode (2 SERVFAIL, 3 NXDOMAIN);
a ("name", "drop") entry leaves every query for it unanswered.
"""

import socket
import struct
import threading

TYPES = {"A": 1, "MX": 15, "TXT": 16, "AAAA": 28}


def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


class FakeDns:
    def __init__(self, records):
        self.records = {(n.lower().rstrip("."), t): v for (n, t), v in records.items()}
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.queries = []
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop = True
        self.sock.close()

    def _serve(self):
        self.sock.settimeout(0.2)
        while not self._stop:
            try:
                data, peer = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            reply = self.answer(data)
            if reply:
                try:
                    self.sock.sendto(reply, peer)
                except OSError:
                    return

    def answer(self, query):
        if len(query) < 12:
            return None
        qid, flags, qdcount = struct.unpack("!HHH", query[:6])
        pos, labels = 12, []
        while pos < len(query) and query[pos] != 0:
            n = query[pos]
            labels.append(query[pos + 1:pos + 1 + n].decode(errors="replace"))
            pos += 1 + n
        qtype, qclass = struct.unpack("!HH", query[pos + 1:pos + 5])
        question = query[12:pos + 5]
        name = ".".join(labels).lower()
        type_name = {v: k for k, v in TYPES.items()}.get(qtype, str(qtype))
        self.queries.append((name, type_name))

        rcode, answers = 0, []
        if (name, "drop") in self.records:  # a server that never answers: the client times out
            return None
        if (name, "rcode") in self.records:
            rcode = self.records[(name, "rcode")]
        elif (name, type_name) in self.records:
            answers = self.records[(name, type_name)]
        elif not any(n == name for n, _ in self.records):
            rcode = 3
        rr = b""
        for a in answers:
            if type_name == "MX":
                rdata = struct.pack("!H", a[0]) + encode_name(a[1])
            elif type_name == "TXT":  # one record; long text split into 255-octet strings
                text = a.encode()
                rdata = b"".join(bytes([len(text[i:i + 255])]) + text[i:i + 255]
                                 for i in range(0, max(len(text), 1), 255))
            elif type_name == "A":
                rdata = socket.inet_pton(socket.AF_INET, a)
            else:
                rdata = socket.inet_pton(socket.AF_INET6, a)
            rr += struct.pack("!HHHIH", 0xC00C, qtype, 1, 60, len(rdata)) + rdata
        header = struct.pack("!HHHHHH", qid, 0x8180 | (flags & 0x0100) | rcode, 1,
                             len(answers), 0, 0)
        return header + question + rr
