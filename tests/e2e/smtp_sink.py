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
        self.tls_context = None   # an ssl.SSLContext: offer STARTTLS
        self.auth = None          # (user, password): offer and require AUTH PLAIN
        self.sessions = []        # per session: {"tls": bool, "auth": user or None}
        self.data_delay = 0.0     # seconds to wait before answering the end of DATA
        self.eight_bit_mime = True  # offer 8BITMIME

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
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                return
            threading.Thread(target=self._session, args=(conn,), daemon=True).start()

    def _session(self, conn):
        f = conn.makefile("rb")
        state = {"tls": False, "auth": None}
        self.sessions.append(state)

        def send(line):
            conn.sendall(line.encode() + b"\r\n")

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
                if verb == "STARTTLS" and self.tls_context and not state["tls"]:
                    send("220 2.0.0 go ahead")
                    conn = self.tls_context.wrap_socket(conn, server_side=True)
                    f = conn.makefile("rb")
                    state["tls"] = True
                elif verb == "AUTH" and self.auth:
                    import base64
                    parts = base64.b64decode(cmd.split(" ")[2]).split(b"\0")
                    if (parts[1].decode(), parts[2].decode()) == self.auth:
                        state["auth"] = parts[1].decode()
                        send("235 2.7.0 ok")
                    else:
                        send("535 5.7.8 bad credentials")
                elif verb == "MAIL" and self.auth and not state["auth"]:
                    send("530 5.7.0 authentication required")
                elif verb == "EHLO":
                    send("250-" + self.name)
                    if self.tls_context and not state["tls"]:
                        send("250-STARTTLS")
                    if self.auth:
                        send("250-AUTH PLAIN")
                    send("250-PIPELINING")
                    if self.eight_bit_mime:
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
                    lines = []
                    while True:
                        chunk = f.readline()
                        if not chunk or chunk == b".\r\n":
                            break
                        lines.append(chunk[1:] if chunk.startswith(b".") else chunk)
                    data = b"".join(lines)
                    if self.data_delay:
                        import time
                        time.sleep(self.data_delay)
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
