# The networking functions CPython imports fail cleanly, as in a sandbox
# without a network: exceptions, not crashes or made-up answers.
# native: skip
import socket

for call, args in [(socket.getaddrinfo, ("example.com", 80)),
                   (socket.gethostbyname, ("example.com",)),
                   (socket.gethostbyaddr, ("192.0.2.1",))]:
    try:
        print(call.__name__, "->", call(*args))
    except OSError as e:
        print(call.__name__, "raises", type(e).__name__)
try:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(2)
    s.connect(("192.0.2.1", 80))
    print("connected?!")
except OSError as e:
    print("connect raises", type(e).__name__)
print(socket.gethostname() != "")
