#!/usr/bin/env python3
"""Writes the user-data seed corpus (issue 12's reproduced cases, and a few more) into user-data/, with
expected.tsv: file, exit code of `nodeagent validate`, and a text the output must contain. Deterministic; rerun
after changing a case. The fuzz tests mutate these seeds; ValidateCorpusTests and tools/validate-corpus.sh run them."""
import base64, gzip, os

os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "user-data"))
for f in os.listdir("."):
    os.remove(f)

PK = "ed25519:SeAWcppPXD9lmyacL74Hht47dZ+igMofKyAH9u2NcKw="
base = f"""version: 1
role: web
cluster: shop
aws:
  region: eu-west-1
  bucket: acme-shop
web:
  publish_key: "{PK}"
  apps:
    - name: shop
      repository: {{type: git, url: "https://git.example.com/shop.git"}}
"""
lb = """version: 1
role: lb
cluster: shop
aws: {region: eu-west-1, bucket: acme-shop}
lb:
  http_bind: 127.0.0.1:8080
  allowed_cidrs: [127.0.0.0/8]
  backends:
    - app: shop
      cookie: SRV
      hosts: [shop.example.com]
      check: {path: /healthz}
"""
cases = {}


def w(name, data, code, expect):
    with open(name, "wb" if isinstance(data, bytes) else "w", **({} if isinstance(data, bytes) else {"encoding": "utf-8"})) as f:
        f.write(data)
    cases[name] = (code, expect)


w("00-valid-web.yaml", base, 0, "valid (role web, cluster shop)")
w("00-valid-lb.yaml", lb, 0, "valid (role lb, cluster shop)")
# 1: non-ASCII digits
w("01-arabic-digits-duration.yaml", base + "registry: {heartbeat_interval: \u0663\u0660s}\n", 3, "registry.heartbeat_interval: expected a duration")
w("01-arabic-digits-size.yaml", base.replace("  apps:", "  min_free_space: \u0662GB\n  apps:"), 3, "web.min_free_space: expected a size")
w("01-arabic-digit-region.yaml", base.replace("eu-west-1", "eu-west-\u0661"), 3, "aws.region: expected an AWS region")
# 2: lone surrogate escape in JSON
w("02-json-lone-surrogate.json", '{"version":1,"role":"web","cluster":"\\ud800","aws":{"region":"eu-west-1","bucket":"acme-shop"}}', 3, "not valid Unicode")
# 3: deep nesting
w("03-flow-nesting-30000.yaml", "a: " + "[" * 30000 + "]" * 30000 + "\n", 3, "nested more than 64 levels")
w("03-flow-nesting-100000.yaml", "a: " + "[" * 100000 + "]" * 100000 + "\n", 3, "nested more than 64 levels")
w("03-block-nesting.yaml", "- " * 200000 + "x\n", 3, "nested more than 64 levels")
w("03-json-nesting.json", '{"a":' + "[" * 5000 + "]" * 5000 + "}", 3, "JSON syntax error")
# 4: a trailing newline in names that reach generated files
w("04-cluster-trailing-newline.yaml", base.replace("cluster: shop", 'cluster: "shop\\n"'), 3, "cluster: contains a newline")
w("04-app-trailing-newline.yaml", base.replace("- name: shop", '- name: "shop\\n"'), 3, "web.apps[0].name: contains a newline")
w("04-lb-names-trailing-newline.yaml", lb.replace("cookie: SRV", 'cookie: "SRV\\n"').replace("path: /healthz", 'path: "/healthz\\n"').replace("[shop.example.com]", '["shop.example.com\\n"]'), 3, "lb.backends[0].cookie: contains a newline")
w("04-bucket-trailing-newline.yaml", base.replace("bucket: acme-shop", 'bucket: "acme-shop\\n"'), 3, "aws.bucket: contains a newline")
# 5: tagged duplicate keys
w("05-tagged-duplicate-role.yaml", base.replace("role: web", "!!str role: lb\nrole: web"), 3, "key 'role' appears twice")
w("05-tagged-duplicate-aws.yaml", base.replace("aws:\n", "!!str aws: {region: us-east-1, bucket: other}\naws:\n"), 3, "key 'aws' appears twice")
w("05-only-tagged-role.yaml", base.replace("role: web", "!!str role: web"), 0, "valid (role web, cluster shop)")
# 6: truncated gzip of a document whose error comes later
gz = gzip.compress((base + "\nclustr: typo-later-in-the-document\n" + "#" * 2000 + "\n").encode(), mtime=0)
w("06-truncated-gzip.bin", gz[: len(gz) * 2 // 3], 3, "gzip user-data is truncated")
# 7: short IPv4 forms
w("07-short-ipv4-address.yaml", base.replace("cluster: shop", "cluster: shop\nnode: {address: '10'}"), 3, "node.address: expected an IPv4 or IPv6 address (IPv4 as a dotted quad")
w("07-integer-ipv4-address.yaml", base.replace("cluster: shop", "cluster: shop\nnode: {address: '2130706433'}"), 3, "node.address: expected an IPv4 or IPv6 address (IPv4 as a dotted quad")
w("07-short-listen-endpoint.yaml", base.replace("cluster: shop", "cluster: shop\nstatus: {listen: '1:9780'}"), 3, "status.listen: expected address:port")
# 8: a node id the registry would refuse
w("08-node-id-double-dot.yaml", base.replace("cluster: shop", "cluster: shop\nnode: {id: a..b}"), 3, "node.id: expected 1-64 letters")
# 9: 1 MiB of distinct unknown keys
lines, size, i = [], 0, 0
while size < 1024 * 1024 - 400:
    line = f"k{i:07d}: 1\n"
    lines.append(line)
    size += len(line)
    i += 1
w("09-many-unknown-keys.yaml", base + "".join(lines), 3, "more than 50000 values")
# 10: base64 nesting, MIME whose other part is not text
w("10-base64-of-base64.txt", base64.b64encode(base64.b64encode(base.encode())).decode() + "\n", 0, "valid (role web, cluster shop)")
mime = (b'Content-Type: multipart/mixed; boundary="XX"\nMIME-Version: 1.0\n\n--XX\nContent-Type: application/octet-stream\n\n'
        + bytes(range(128, 256)) + b"\xff\xfe\x00\n--XX\nContent-Type: text/x-nodeagent\n\n" + base.encode() + b"\n--XX--\n")
w("10-mime-binary-other-part.mime", mime, 0, "valid (role web, cluster shop)")
# 11: larger than 1 MiB
w("11-over-1mib.yaml", base + "#" * (1200 * 1024) + "\n", 3, "at most 1048576")
# more hostile shapes
bomb, prev = "a: &a [x, x, x, x, x, x, x, x, x, x]\n", "a"
for n in "bcdefghijk":
    bomb += f"{n}: &{n} [" + ", ".join([f"*{prev}"] * 10) + "]\n"
    prev = n
w("12-alias-bomb.yaml", bomb, 3, "more than 50000 values")
w("12-unknown-tag.yaml", base.replace("cluster: shop", "cluster: !ruby/object shop"), 3, "tag '!ruby/object' is not supported")
w("12-empty.yaml", "", 3, "empty")
w("12-binary.bin", bytes([0x00, 0xFF, 0x13, 0x37] * 100), 3, "neither gzip nor valid UTF-8")
w("12-gzip-bomb.bin", gzip.compress(b"a" * (8 * 1024 * 1024), mtime=0), 3, "expands beyond")
w("12-unsigned-publish-key.yaml", base.replace(PK, "ed25519:AAAA"), 3, "web.publish_key: expected an Ed25519 public key")
w("12-control-in-hook-env.yaml", base + "      hooks: {build: {command: [make], env: {A: \"x\\u0000y\"}}}\n", 3, "contains a NUL character")

with open("expected.tsv", "w", encoding="utf-8") as f:
    f.write("# file\texit code\ttext the output must contain\n")
    for k in sorted(cases):
        f.write(f"{k}\t{cases[k][0]}\t{cases[k][1]}\n")
