"""What the peer benchmark scripts share: reading fvecs, a free loopback port, and a keep-alive
JSON client for a Plait server (every answer but 200 raises, quoting the body)."""
import http.client, json, socket


def fvecs(path):
    """The vectors of an .fvecs file, as a (rows, dim) float32 array (numpy is imported here, so
    that scripts using only the client need the standard library alone)."""
    import numpy as np

    raw = np.fromfile(path, dtype=np.int32)
    dim = raw[0]
    return raw.reshape(-1, dim + 1)[:, 1:].view(np.float32)


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p


class PlaitClient:
    """One keep-alive connection to a Plait server on 127.0.0.1."""

    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        self.conn.request(method, path, body=data, headers={"Content-Type": "application/json"})
        r = self.conn.getresponse()
        payload = r.read()
        if r.status != 200:
            raise RuntimeError(f"{method} {path}: {r.status} {payload[:500]!r}")
        return json.loads(payload)
