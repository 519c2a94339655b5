"""End-to-end message events: one log line per thing that happens to a message, as key=value
pairs after event=NAME, whose IDs are the SMTP reply's ("queued as MSGID") and the queue
number `mailsuite queue list` shows."""

import re
import smtplib
import socket
import time
import unittest

from mailsuite_fixture import Suite

USERS = {"bob@example.test": "hungry", "carol@example.test": "thirsty"}


def events(log, name):
    """The key=value fields of every `event=NAME` line in a daemon's log."""
    out = []
    for line in log.splitlines():
        m = re.search(r"\bevent=" + name + r" (.*)$", line)
        if m:
            out.append({k: v.strip('"') for k, v in
                        re.findall(r'([a-z_]+)=("(?:[^"\\]|\\.)*"|\S+)', m.group(1))})
    return out


def wait_for(predicate, seconds=30):
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


class MessageEventsTest(unittest.TestCase):
    def test_received_and_delivered_carry_the_smtp_reply_id(self):
        with Suite(users=USERS, daemons=("mta",)) as s:
            message = b"Subject: logged\r\n\r\none line\r\n"
            with smtplib.SMTP("127.0.0.1", s.port("smtp"), timeout=30) as smtp:
                smtp.ehlo("client.example.org")
                smtp.mail("alice@example.org")
                smtp.rcpt("bob@example.test")
                smtp.rcpt("carol@example.test")
                code, reply = smtp.data(message)
            self.assertEqual(code, 250)
            msgid = reply.decode().rsplit(" ", 1)[1]
            self.assertTrue(wait_for(lambda: events(s.log("mta"), "delivered")))
            [received] = [e for e in events(s.log("mta"), "received") if e["msgid"] == msgid]
            self.assertEqual(received["from"], "<alice@example.org>")
            self.assertEqual(received["rcpts"], "2")
            self.assertEqual(received["size"], str(len(message)))
            self.assertEqual(received["client"], "127.0.0.1")
            self.assertEqual(received["helo"], "client.example.org")
            self.assertEqual(received["tls"], "no")
            self.assertNotIn("queue", received)  # nothing for another host
            delivered = [e for e in events(s.log("mta"), "delivered") if e["msgid"] == msgid]
            self.assertEqual(sorted(e["to"] for e in delivered),
                             ["<bob@example.test>", "<carol@example.test>"])

    def test_deferred_names_the_queue_number_that_mailsuite_queue_lists(self):
        closed = socket.socket()
        closed.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        try:
            with Suite(users=USERS, daemons=("mta",), settings={
                    "relay.smarthost": f"127.0.0.1:{closed.getsockname()[1]}"}) as s:
                with smtplib.SMTP("127.0.0.1", s.port("submission"), timeout=30) as smtp:
                    smtp.login("bob@example.test", "hungry")
                    smtp.mail("bob@example.test")
                    smtp.rcpt("someone@elsewhere.example")
                    code, reply = smtp.data(b"Subject: waits\r\n\r\nfor a server that is down\r\n")
                self.assertEqual(code, 250)
                msgid = reply.decode().rsplit(" ", 1)[1]
                self.assertTrue(wait_for(lambda: events(s.log("mta"), "deferred")))
                [received] = [e for e in events(s.log("mta"), "received")
                              if e["msgid"] == msgid]
                self.assertEqual(received["user"], "bob@example.test")
                [deferred] = events(s.log("mta"), "deferred")
                self.assertEqual(deferred["queue"], received["queue"])
                self.assertEqual(deferred["to"], "<someone@elsewhere.example>")
                self.assertEqual(deferred["attempts"], "1")
                self.assertEqual(deferred["relay"], "none")
                self.assertTrue(deferred["status"].startswith("4."), deferred)
                self.assertNotEqual(deferred["reply"], "")
                listed = s.cli("queue", "list").stdout
                self.assertEqual(listed.split()[0], received["queue"], listed)
        finally:
            closed.close()


if __name__ == "__main__":
    unittest.main()
