#!/usr/bin/env python3
"""Measures payload index memory on the wordnet metadata: RSS of the server before and after
creating each index, and the index's own estimate (payload_schema memory_bytes)."""
import json, os, socket, subprocess, sys, tempfile, time, urllib.request

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def call(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(URL + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=600) as r:
        return json.loads(r.read())

def rss_kib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])

texts = [json.loads(l) for l in open("/work/shared/data/wordnet-minilm-384/texts.jsonl")]
port = free_port(); URL = f"http://127.0.0.1:{port}"
data = tempfile.mkdtemp()
proc = subprocess.Popen([sys.argv[1], "serve", "--data-dir", data, "--port", str(port)],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    for _ in range(200):
        try:
            call("GET", "/readyz"); break
        except Exception:
            time.sleep(0.1)
    call("PUT", "/collections/m", {"vectors": {"size": 2, "distance": "Dot"},
                                   "hnsw_config": {"full_scan_threshold": 1000000}})
    for i in range(0, len(texts), 1000):
        pts = [{"id": t["id"], "vector": [1.0, 0.0],
                "payload": {"pos": t["pos"], "lexname": t["lexname"], "n_lemmas": t["n_lemmas"],
                            "word": t["word"]}} for t in texts[i:i + 1000]]
        call("PUT", "/collections/m/points?wait=true", {"points": pts})
    print(f"points: {len(texts)}")
    for field, schema in [("pos", "keyword"), ("lexname", "keyword"), ("n_lemmas", "integer"), ("word", "keyword")]:
        samples = []
        for _ in range(3):
            before = rss_kib(proc.pid)
            call("PUT", "/collections/m/index?wait=true", {"field_name": field, "field_schema": schema})
            after = rss_kib(proc.pid)
            info = call("GET", "/collections/m")["result"]["payload_schema"][field]
            samples.append((after - before, info["plait"]["memory_bytes"], info["plait"]["distinct_values"], info["points"]))
            call("DELETE", f"/collections/m/index/{field}?wait=true")
        deltas = sorted(s[0] for s in samples)
        est = samples[0][1]
        print(f"{field} ({schema}): distinct {samples[0][2]}, points {samples[0][3]}, "
              f"estimate {est} B ({est / samples[0][3]:.1f} B/point), "
              f"RSS growth KiB first {samples[0][0]}, later median {deltas[1]} (min {deltas[0]}, max {deltas[2]})")
finally:
    proc.terminate(); proc.wait()
