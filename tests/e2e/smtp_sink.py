"""A scripted SMTP server for relay tests: it accepts (or refuses, as told) what mailsuite-mta
relays to it and records each message byte-exact.

    sink = SmtpSink(["127.0.0.3"], port).start()
    sink.rcpt_replies["bad@example.net"] = "550 5.1.1 no such user"
    ... sink.messages -> [(mail_from, [rcpts], data_bytes)]
"""

import socket
import threading


class SmtpSink:
    def __init__(self, hosts, port=0, name="sink.example.net"):
        self.name = name
        self.listeners = []
        for host in hosts:
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((host, port))
            port = s.getsockname()[1]
            s.listen(16)
            self.listeners.append(s)
        self.port = port
        self.messages = []
        self.rcpt_replies = {}      # address -> reply line for RCPT
        self.data_reply = "250 2.0.0 Ok: stored"
        self.greeting = "220 " + name + " ESMTP sink"
        self.lock = threading.Lock()
        self._stop = False

    def start(self):
        for s in self.listeners:
            threading.Thread(target=self._accept, args=(s,), daemon=True).start()
        return self

    def stop(self):
        self._stop = True
        for s in self.listeners:
            s.close()

    def _accept(self, listener):
        while not self._stop:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=self._session, args=(conn,), daemon=True).start()

    def _session(self, conn):
        f = conn.makefile("rb")
        send = lambda line: conn.sendall(line.encode() + b"\r\n")
        try:
            send(self.greeting)
            if not self.greeting.startswith("220"):
                return
            mail_from, rcpts = None, []
            while True:
                line = f.readline()
                if not line:
                    return
                cmd = line.decode(errors="replace").rstrip("\r\n")
                verb = cmd.split(" ")[0].upper()
                if verb == "EHLO":
                    send("250-" + self.name)
                    send("250-PIPELINING")
                    send("250-8BITMIME")
                    send("250 SIZE 10000000")
                elif verb == "HELO":
                    send("250 " + self.name)
                elif verb == "MAIL":
                    mail_from, rcpts = cmd[cmd.index("<") + 1:cmd.index(">")], []
                    send("250 2.1.0 Ok")
                elif verb == "RCPT":
                    addr = cmd[cmd.index("<") + 1:cmd.index(">")]
                    reply = self.rcpt_replies.get(addr, "250 2.1.5 Ok")
                    if reply.startswith("250"):
                        rcpts.append(addr)
                    send(reply)
                elif verb == "DATA":
                    send("354 go ahead")
                    data = b""
                    while True:
                        chunk = f.readline()
                        if not chunk or chunk == b".\r\n":
                            break
                        data += chunk[1:] if chunk.startswith(b".") else chunk
                    if self.data_reply.startswith("250"):
                        with self.lock:
                            self.messages.append((mail_from, rcpts, data))
                    send(self.data_reply)
                elif verb == "RSET":
                    send("250 2.0.0 Ok")
                elif verb == "QUIT":
                    send("221 2.0.0 Bye")
                    return
                else:
                    send("502 5.5.2 not here")
        except OSError:
            return
        finally:
            conn.close()
