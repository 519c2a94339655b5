"""The Thunderbird replay client (thunderbird_client.py) against a scripted fake server: the
branches mailsuite does not offer yet (COMPRESS=DEFLATE, LIST-EXTENDED, UTF8=ACCEPT, no LITERAL+,
no AUTH=PLAIN) must send what Thunderbird sends, so test_thunderbird.py stays right when the
server grows those extensions. No daemons; loopback only."""

import base64
import re
import socket
import threading
import unittest

from thunderbird_client import ThunderbirdImap, _Transport, _tokenize

FULL = ("IMAP4rev1 LITERAL+ ID ENABLE IDLE NAMESPACE UIDPLUS MOVE LIST-EXTENDED SPECIAL-USE "
        "COMPRESS=DEFLATE UTF8=ACCEPT")
DEFLATE = "<then deflate>"


class FakeServer(threading.Thread):
    """Accepts one connection and plays `script`: (regex the client line must match, reply).
    A reply may use {tag} (the tag of the last matched line that had one); DEFLATE at the end
    of a reply switches both directions to raw deflate after it."""

    def __init__(self, greeting, script):
        super().__init__(daemon=True)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.greeting, self.script = greeting, script
        self.errors, self.lines = [], []

    def run(self):
        conn, _ = self.listener.accept()
        conn.settimeout(10)
        io = _Transport(conn)
        tag = None
        try:
            io.send(self.greeting.encode())
            for expect, reply in self.script:
                line = io.readline().decode()
                self.lines.append(line)
                m = re.fullmatch(expect, line)
                if not m:
                    self.errors.append(f"expected {expect!r}, got {line!r}")
                    return
                tag = m.group("tag") if "tag" in m.groupdict() else tag
                io.send(reply.replace(DEFLATE, "").replace("{tag}", tag or "").encode())
                if reply.endswith(DEFLATE):
                    io.start_compression()
        except Exception as e:  # reported by the test, not lost in the thread
            self.errors.append(f"server: {e!r}")
        finally:
            conn.close()
            self.listener.close()


def login_script(caps_after):
    token = base64.b64encode(b"\0u@example.test\0pw").decode()
    return [(r"(?P<tag>\d+) authenticate PLAIN", "+ \r\n"),
            (re.escape(token), "{tag} OK [CAPABILITY " + caps_after + "] Logged in\r\n")]


class ThunderbirdClientTest(unittest.TestCase):
    def play(self, greeting, script):
        server = FakeServer(greeting, script)
        server.start()
        self.addCleanup(self.finish, server)  # runs after client.close: the server's view
        client = ThunderbirdImap("127.0.0.1", server.port, timeout=10)
        self.addCleanup(client.close)
        return server, client

    def finish(self, server):
        server.join(10)
        self.assertEqual(server.errors, [], f"client lines: {server.lines}")

    def test_full_capabilities_compress_enable_list_extended(self):
        script = login_script(FULL) + [
            (r"(?P<tag>\d+) compress deflate", "{tag} OK DEFLATE active\r\n" + DEFLATE),
            (r"(?P<tag>\d+) enable UTF8=ACCEPT", "* ENABLED UTF8=ACCEPT\r\n{tag} OK\r\n"),
            (r'(?P<tag>\d+) ID \("name" "Thunderbird" "version" "[0-9.]+"\)',
             '* ID ("name" "fake")\r\n{tag} OK\r\n'),
            (r'(?P<tag>\d+) list \(subscribed\) "" "\*" return \(special-use\)',
             '* LIST (\\Subscribed) "/" Projects\r\n'
             '* LIST (\\Subscribed \\Trash) "/" {8}\r\nPapier\xe9\r\n'
             '* LIST (\\Subscribed \\Sent) "/" "Sent \\"x\\""\r\n{tag} OK\r\n'),
            (r'(?P<tag>\d+) list "" "INBOX"', '* LIST () "/" INBOX\r\n{tag} OK\r\n'),
            (r'(?P<tag>\d+) append "Sent \\"x\\"" \(\\Seen\) \{5\+\}', ""),
            (r"hello", "{tag} OK [APPENDUID 7 9] done\r\n"),
        ]
        server, client = self.play("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] hi\r\n", script)
        client.login("u@example.test", "pw")
        self.assertTrue(client.compressed)
        self.assertEqual(client.enabled, {"UTF8=ACCEPT"})
        folders, subscribed, sent = client.discover_folders()
        self.assertEqual(sent[0], 'list (subscribed) "" "*" return (special-use)')
        self.assertEqual(subscribed, {"Projects", "Papieré", 'Sent "x"'})
        self.assertIn("\\Trash", folders["Papieré"])
        self.assertEqual(client.append('Sent "x"', b"hello").code(), "APPENDUID 7 9")
        server.join(10)
        self.assertEqual(server.errors, [])

    def test_minimal_server_login_lsub_and_synchronizing_literal(self):
        script = [
            (r"(?P<tag>\d+) capability", "* CAPABILITY IMAP4rev1\r\n{tag} OK\r\n"),
            (r'(?P<tag>\d+) login "u@example.test" "pw"', "{tag} OK done\r\n"),
            (r"(?P<tag>\d+) capability", "* CAPABILITY IMAP4rev1\r\n{tag} OK\r\n"),
            (r'(?P<tag>\d+) lsub "" "\*"', '* LSUB () "." INBOX\r\n{tag} OK\r\n'),
            (r'(?P<tag>\d+) list "" "\*"', '* LIST () "." INBOX\r\n{tag} OK\r\n'),
            (r'(?P<tag>\d+) list "" "INBOX"', '* LIST () "." INBOX\r\n{tag} OK\r\n'),
            (r'(?P<tag>\d+) list "" "Trash"', "{tag} OK\r\n"),
            (r'(?P<tag>\d+) create "Trash"', "{tag} OK\r\n"),
            (r'(?P<tag>\d+) subscribe "Trash"', "{tag} OK\r\n"),
            (r'(?P<tag>\d+) list "" "Trash"', '* LIST () "." Trash\r\n{tag} OK\r\n'),
            (r'(?P<tag>\d+) append "Trash" \(\\Seen\) \{2\}', "+ go\r\n"),
            (r"hi", "{tag} OK done\r\n"),
        ]
        server, client = self.play("* OK hi\r\n", script)
        client.login("u@example.test", "pw")
        self.assertFalse(client.compressed)
        folders, subscribed, sent = client.discover_folders()
        self.assertIn('create "Trash"', sent)
        self.assertEqual(set(folders), {"INBOX", "Trash"})
        self.assertEqual(client.append("Trash", b"hi").status, "OK")

    def test_tokenizer(self):
        parts = [b'1 FETCH (UID 5 FLAGS (\\Seen) BODY[HEADER.FIELDS (A B)] {3}', b"a\r\n",
                 b' BODY[TEXT]<0> NIL X "q\\"s")']
        tokens = _tokenize(parts)
        self.assertEqual(tokens, ["1", "FETCH", ["UID", "5", "FLAGS", ["\\Seen"],
                                                 "BODY[HEADER.FIELDS (A B)]", b"a\r\n",
                                                 "BODY[TEXT]<0>", None, "X", b'q"s']])


if __name__ == "__main__":
    unittest.main()
