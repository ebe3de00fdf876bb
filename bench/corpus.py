#!/usr/bin/env python3
"""Generate a deterministic benchmark corpus for ward's built-in checks.

    python3 bench/corpus.py OUT_DIR [COUNT] [--seed N] [--manifest FILE]

Writes COUNT files (default 10000) under OUT_DIR, which must be absent or empty. The same
COUNT and seed always give byte-identical files with the same modes. Standard library only.

Mix, by share of files: PHP 50%, Markdown 17%, JSON 11%, YAML 10%, XML 10%, a few shell
scripts (1%) and binary files (1%). Sizes are log-normal around 4 KB (most files 1-10 KB)
plus a 3% tail of 50-200 KB files; YAML, being configuration, is smaller (around 2 KB, at
most 30 KB, a 0.5% tail of 50-120 KB).

Defects (each in its own file, so every defect trips exactly one check):
  trailing-whitespace  trailing spaces/tabs on a few lines      trailing-whitespace
  no-final-newline     last line without "\\n"                  end-of-file-fixer
  extra-final-newlines several blank lines at the end           end-of-file-fixer
  mixed-line-endings   some lines end in CRLF                   mixed-line-ending
  bom                  UTF-8 byte-order marker                  fix-byte-order-marker
  merge-conflict       a <<<<<<< / ======= / >>>>>>> block      check-merge-conflict
  invalid-json         trailing comma                           check-json
  invalid-yaml         unclosed flow sequence                   check-yaml
  invalid-xml          mismatched closing tag                   check-xml
  private-key          a "BEGIN RSA PRIVATE KEY" block          detect-private-key
  shebang-not-exec     "#!" script with mode 0644               check-shebang-scripts-are-executable
  exec-no-shebang      mode 0755 text file without "#!"         check-executables-have-shebangs
  case-conflict        two paths differing only in case         check-case-conflict
  large-file           a 600 KB binary (over the 500 KB limit)  check-added-large-files
                                                                  (with --enforce-all)

With --manifest FILE, writes one "KIND<TAB>PATH" line per generated file to FILE, KIND being a
defect name above or "clean"; the benchmark uses it to pick defect-free files to stage.
"""

import argparse
import json
import math
import os
import random
import sys

WORDS = (
    "account address admin api archive asset audit auth balance basket batch billing block "
    "booking bridge bucket budget builder bundle cache calendar campaign card cart catalog "
    "category channel checkout client cluster command comment config contact content context "
    "contract country coupon credit currency customer dashboard data delivery device discount "
    "document domain draft email entity event export factory feature feed field file filter "
    "form gateway group handler history import index inventory invoice item job journal key "
    "label language layout ledger license limit listener locale log mail manager mapper media "
    "member menu message metric migration module monitor notice notification offer order "
    "owner package page parser partner payment permission pipeline plan policy post price "
    "product profile project provider queue quota rate reader record refund region report "
    "request resolver resource response review role route rule schedule schema search "
    "section segment sender service session setting shipment shop signal snapshot source "
    "stock storage store stream subscription supplier survey tag task tax team template "
    "tenant theme ticket token tracker transfer translation upload user validator value "
    "vendor version voucher wallet warehouse webhook widget workflow worker zone"
).split()

DOMAINS = [w.capitalize() for w in WORDS[:60]]

PHP_TYPES = ["int", "string", "bool", "float", "array", "?string", "?int", "iterable"]
PHP_BODY = [
    "$%(a)s = $this->%(b)s->find%(C)s($%(c)s);",
    "if ($%(a)s === null) {\n        throw new \\InvalidArgumentException('%(b)s %(c)s not found');\n    }",
    "$%(a)s[] = sprintf('%%s-%%d', $%(b)s, $%(c)s);",
    "foreach ($%(a)s as $%(b)s => $%(c)s) {\n        $this->%(d)s[$%(b)s] = $%(c)s;\n    }",
    "$this->logger->info('%(a)s %(b)s', ['%(c)s' => $%(c)s]);",
    "return array_map(fn ($%(a)s) => $%(a)s->get%(B)s(), $%(c)s);",
    "$%(a)s = new %(A)s%(B)s($%(b)s, $%(c)s);",
    "// %(a)s the %(b)s before the %(c)s is dispatched",
    "$%(a)s = (int) ($%(b)s['%(c)s'] ?? 0);",
    "$this->%(a)s->dispatch(new %(B)s%(C)sEvent($%(a)s));",
]

MD_SENTENCES = [
    "The %(a)s service stores every %(b)s in the %(c)s table.",
    "Run the %(a)s command before you deploy a new %(b)s.",
    "Each %(a)s belongs to exactly one %(b)s and may have many %(c)s records.",
    "See the %(a)s section for how %(b)s limits are computed.",
    "When the %(a)s queue is full, new %(b)s jobs wait for the %(c)s worker.",
    "A %(a)s without a %(b)s is rejected with a validation error.",
    "The %(a)s endpoint returns the %(b)s as JSON, paginated by %(c)s.",
    "Configure the %(a)s in `config/%(b)s.yaml` and restart the %(c)s.",
]


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)

    def w(self):
        return self.r.choice(WORDS)

    def ident(self):
        a, b = self.w(), self.w()
        return a + b.capitalize()

    def fill(self, template):
        a, b, c, d = self.w(), self.w(), self.w(), self.w()
        return template % {
            "a": a, "b": b, "c": c, "d": d,
            "A": a.capitalize(), "B": b.capitalize(), "C": c.capitalize(),
        }

    def size(self, kind):
        r = self.r
        if kind == "yaml":
            # Configuration files: mostly small, a rare big translation or API spec file.
            if r.random() < 0.005:
                return r.randint(50_000, 120_000)
            return int(min(max(r.lognormvariate(math.log(2000), 0.8), 200), 30_000))
        if r.random() < 0.03:
            return r.randint(50_000, 200_000)
        return int(min(max(r.lognormvariate(math.log(4000), 0.8), 300), 45_000))

    # Each generator returns text that is defect-free: LF line endings, no trailing
    # whitespace, exactly one final newline, no BOM.

    def php(self, namespace, cls, target):
        r = self.r
        out = [
            "<?php\n\ndeclare(strict_types=1);\n\n",
            "namespace App\\%s;\n\n" % namespace,
        ]
        for _ in range(r.randint(2, 6)):
            out.append("use App\\%s\\%s;\n" % (r.choice(DOMAINS), self.ident().capitalize()))
        out.append("\n/**\n * %s\n */\nfinal class %s\n{\n" % (
            self.fill(r.choice(MD_SENTENCES)), cls))
        n = sum(map(len, out))
        props = []
        for _ in range(r.randint(1, 5)):
            p = self.ident()
            props.append(p)
            line = "    private %s $%s;\n" % (r.choice(PHP_TYPES), p)
            out.append(line)
            n += len(line)
        seen = set()
        while n < target:
            m = self.ident()
            if m in seen:
                continue
            seen.add(m)
            args = ", ".join("%s $%s" % (r.choice(PHP_TYPES), self.w())
                             for _ in range(r.randint(0, 3)))
            lines = ["\n    public function %s(%s): %s\n    {\n" % (m, args, r.choice(PHP_TYPES))]
            for _ in range(r.randint(2, 12)):
                lines.append("        %s\n" % self.fill(r.choice(PHP_BODY)).replace(
                    "\n    ", "\n        "))
            lines.append("    }\n")
            block = "".join(lines)
            out.append(block)
            n += len(block)
        out.append("}\n")
        return "".join(out)

    def yaml(self, target):
        r = self.r
        out = ["# %s\n" % self.fill(r.choice(MD_SENTENCES))]
        n = len(out[0])
        i = 0
        while n < target:
            i += 1
            lines = ["%s_%d:\n" % (self.w(), i)]
            for j in range(r.randint(2, 8)):
                k = "%s_%d" % (self.w(), j)
                kind = r.random()
                if kind < 0.3:
                    lines.append("  %s: %d\n" % (k, r.randint(0, 100_000)))
                elif kind < 0.45:
                    lines.append("  %s: %s\n" % (k, r.choice(["true", "false", "null"])))
                elif kind < 0.75:
                    lines.append("  %s: '%s'\n" % (k, self.fill(r.choice(MD_SENTENCES))))
                else:
                    lines.append("  %s:\n" % k)
                    for _ in range(r.randint(1, 5)):
                        lines.append("    - %s.%s\n" % (self.w(), self.w()))
            block = "".join(lines)
            out.append(block)
            n += len(block)
        return "".join(out)

    def json(self, target):
        r = self.r
        records = []
        n = 40
        i = 0
        while n < target:
            i += 1
            rec = {
                "id": i,
                "name": self.ident(),
                "type": self.w(),
                "enabled": r.random() < 0.7,
                "weight": round(r.random() * 100, 3),
                "tags": [self.w() for _ in range(r.randint(0, 4))],
                "description": self.fill(r.choice(MD_SENTENCES)),
            }
            records.append(rec)
            n += len(json.dumps(rec, indent=2)) + 4 * 10
        doc = {"version": 1, "source": self.w(), "items": records}
        return json.dumps(doc, indent=2) + "\n"

    def xml(self, target):
        r = self.r
        out = [
            '<?xml version="1.0" encoding="UTF-8"?>\n',
            '<container xmlns="http://symfony.com/schema/dic/services">\n',
            "    <services>\n",
        ]
        n = sum(map(len, out))
        i = 0
        while n < target:
            i += 1
            sid = "app.%s.%s_%d" % (self.w(), self.w(), i)
            lines = ['        <service id="%s" class="App\\%s\\%s">\n' % (
                sid, r.choice(DOMAINS), self.ident().capitalize())]
            for _ in range(r.randint(0, 4)):
                lines.append('            <argument type="service" id="app.%s"/>\n' % self.w())
            if r.random() < 0.3:
                lines.append('            <tag name="kernel.event_listener" event="%s.%s"/>\n'
                             % (self.w(), self.w()))
            lines.append("            <!-- %s -->\n" % self.fill(r.choice(MD_SENTENCES)))
            lines.append("        </service>\n")
            block = "".join(lines)
            out.append(block)
            n += len(block)
        out.append("    </services>\n</container>\n")
        return "".join(out)

    def markdown(self, title, target):
        r = self.r
        out = ["# %s\n" % title]
        n = len(out[0])
        while n < target:
            kind = r.random()
            if kind < 0.15:
                block = "\n## %s %s\n" % (self.w().capitalize(), self.w())
            elif kind < 0.6:
                words = " ".join(self.fill(r.choice(MD_SENTENCES))
                                 for _ in range(r.randint(2, 6))).split()
                lines, cur = [], ""
                for word in words:
                    if cur and len(cur) + 1 + len(word) > 80:
                        lines.append(cur)
                        cur = word
                    else:
                        cur = cur + " " + word if cur else word
                lines.append(cur)
                block = "\n" + "\n".join(lines) + "\n"
            elif kind < 0.85:
                block = "\n" + "".join("- %s\n" % self.fill(r.choice(MD_SENTENCES))
                                       for _ in range(r.randint(2, 6)))
            else:
                body = "".join("%s\n" % self.fill(r.choice(PHP_BODY))
                               for _ in range(r.randint(2, 6)))
                block = "\n```php\n" + body + "```\n"
            out.append(block)
            n += len(block)
        return "".join(out)

    def shell(self, target):
        r = self.r
        out = ["#!/usr/bin/env bash\nset -euo pipefail\n"]
        n = len(out[0])
        while n < target:
            fn = "%s_%s" % (self.w(), self.w())
            body = "".join('    echo "%s" >&2\n' % self.fill(r.choice(MD_SENTENCES))
                           for _ in range(r.randint(1, 4)))
            block = '\n%s() {\n    local %s="${1:-%s}"\n%s}\n' % (fn, self.w(), self.w(), body)
            out.append(block)
            n += len(block)
        out.append('\nmain() {\n    echo "done"\n}\n\nmain "$@"\n')
        return "".join(out)

    def binary(self, target):
        header = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
        return header + self.r.randbytes(max(target - len(header), 16))


KINDS = [("php", 0.50), ("md", 0.17), ("json", 0.11), ("yaml", 0.10), ("xml", 0.10),
         ("sh", 0.01), ("bin", 0.01)]


def plan_paths(g, count):
    """Decide every file's kind and path, unique and deterministic."""
    r = g.r
    kinds = []
    for kind, share in KINDS:
        kinds += [kind] * max(1, round(count * share))
    # Adjust to exactly `count`, taking from or giving to PHP.
    while len(kinds) > count:
        kinds.remove("php")
    while len(kinds) < count:
        kinds.append("php")
    r.shuffle(kinds)

    used = set()
    plan = []
    for kind in kinds:
        while True:
            if kind == "php":
                top = r.choice(["src", "src", "src", "tests"])
                d = "%s/%s/%s" % (top, r.choice(DOMAINS), r.choice(DOMAINS))
                name = g.ident().capitalize() + ("Test" if top == "tests" else "")
                path = "%s/%s.php" % (d, name)
                meta = {"namespace": d.split("/", 1)[1].replace("/", "\\"), "cls": name}
            elif kind == "md":
                d = r.choice(["docs", "docs/" + g.w(), "docs/adr", "src/" + r.choice(DOMAINS)])
                path = "%s/%s-%s.md" % (d, g.w(), g.w())
                meta = {"title": "%s %s" % (g.w().capitalize(), g.w())}
            elif kind == "yaml":
                d = r.choice(["config", "config/packages", "config/routes",
                              "translations", ".github/workflows"])
                path = "%s/%s_%s.yaml" % (d, g.w(), g.w())
                meta = {}
            elif kind == "json":
                d = r.choice(["data", "data/fixtures", "public/api", "resources/schema"])
                path = "%s/%s-%s.json" % (d, g.w(), g.w())
                meta = {}
            elif kind == "xml":
                d = r.choice(["config/services", "resources/xml", "tests/Fixtures"])
                path = "%s/%s_%s.xml" % (d, g.w(), g.w())
                meta = {}
            elif kind == "sh":
                path = "%s/%s-%s.sh" % (r.choice(["bin", "scripts", "deploy"]), g.w(), g.w())
                meta = {}
            else:
                ext = r.choice(["png", "png", "gif", "woff2", "ico"])
                path = "public/assets/%s/%s_%s.%s" % (g.w(), g.w(), g.w(), ext)
                meta = {}
            # Unique regardless of case, so case conflicts come only from the defect.
            if path.lower() not in used:
                used.add(path.lower())
                plan.append([kind, path, meta])
                break
    return plan


def generate(g, kind, meta, size):
    if kind == "php":
        return g.php(meta["namespace"], meta["cls"], size).encode()
    if kind == "md":
        return g.markdown(meta["title"], size).encode()
    if kind == "yaml":
        return g.yaml(size).encode()
    if kind == "json":
        return g.json(size).encode()
    if kind == "xml":
        return g.xml(size).encode()
    if kind == "sh":
        return g.shell(size).encode()
    return g.binary(size)


PRIVATE_KEY = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi2Pv6qfh7Cm4q0NfuG5JOn1EHe\n"
    "not-a-real-key-just-benchmark-data-not-a-real-key-just-benchmark\n"
    "-----END RSA PRIVATE KEY-----\n"
)


def add_trailing_whitespace(g, data):
    lines = data.split(b"\n")
    candidates = [i for i, line in enumerate(lines[:-1]) if line]
    for i in g.r.sample(candidates, min(len(candidates), g.r.randint(1, 5))):
        lines[i] += g.r.choice([b" ", b"  ", b"\t", b" \t "])
    return b"\n".join(lines)


def add_crlf(g, data):
    lines = data.split(b"\n")
    idx = sorted(g.r.sample(range(len(lines) - 1), max(1, (len(lines) - 1) // 4)))
    for i in idx:
        lines[i] += b"\r"
    return b"\n".join(lines)


def add_merge_conflict(g, data):
    lines = data.split(b"\n")
    i = g.r.randrange(1, max(2, len(lines) - 2))
    block = [b"<<<<<<< HEAD", lines[i], b"=======", lines[i] + b" // theirs",
             b">>>>>>> feature/%s" % g.w().encode()]
    return b"\n".join(lines[:i] + block + lines[i + 1:])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out_dir")
    ap.add_argument("count", nargs="?", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=20240607)
    ap.add_argument("--manifest", help="write KIND<TAB>PATH lines here")
    args = ap.parse_args()
    if args.count < 100:
        ap.error("count must be at least 100 (room for every defect)")
    if os.path.exists(args.out_dir) and os.listdir(args.out_dir):
        ap.error("%s exists and is not empty" % args.out_dir)

    g = Gen(args.seed)
    plan = plan_paths(g, args.count)
    n = args.count

    def pick(kinds, k):
        """k indexes of still-clean files of the given kinds, deterministic."""
        pool = [i for i, (kind, _, m) in enumerate(plan)
                if kind in kinds and "defect" not in m]
        chosen = g.r.sample(pool, min(k, len(pool)))
        return chosen

    text = ("php", "md", "yaml", "json", "xml")
    defects = [
        ("trailing-whitespace", ("php", "md", "xml"), max(2, n // 100)),
        ("no-final-newline", text, max(2, n // 200)),
        ("extra-final-newlines", text, max(1, n // 500)),
        ("mixed-line-endings", ("php", "md", "xml"), max(1, n // 300)),
        ("bom", ("php", "md"), max(1, n // 500)),
        ("merge-conflict", ("php", "md"), 2),
        ("invalid-json", ("json",), 1),
        ("invalid-yaml", ("yaml",), 1),
        ("invalid-xml", ("xml",), 1),
        ("private-key", ("yaml",), 1),
        ("shebang-not-exec", ("sh",), 1),
        ("exec-no-shebang", ("php",), 1),
        ("large-file", ("bin",), 1),
    ]
    for name, kinds, k in defects:
        for i in pick(kinds, k):
            plan[i][2]["defect"] = name
    # Case conflict: rename one clean Markdown file to the case-twin of another.
    a, b = pick(("md",), 2)
    twin = plan[a][1].rsplit("/", 1)
    plan[b][1] = twin[0] + "/" + twin[1][0].upper() + twin[1][1:]
    plan[a][2]["defect"] = plan[b][2]["defect"] = "case-conflict"

    os.makedirs(args.out_dir, exist_ok=True)
    manifest = []
    total = 0
    for kind, path, meta in plan:
        defect = meta.get("defect")
        size = 600 * 1024 if defect == "large-file" else g.size(kind)
        data = generate(g, kind, meta, size)
        mode = 0o755 if kind == "sh" else 0o644
        if defect == "trailing-whitespace":
            data = add_trailing_whitespace(g, data)
        elif defect == "no-final-newline":
            data = data.rstrip(b"\n")
        elif defect == "extra-final-newlines":
            data += b"\n" * g.r.randint(1, 3)
        elif defect == "mixed-line-endings":
            data = add_crlf(g, data)
        elif defect == "bom":
            data = b"\xef\xbb\xbf" + data
        elif defect == "merge-conflict":
            data = add_merge_conflict(g, data)
        elif defect == "invalid-json":
            data = data.replace(b"\n  ]\n}", b",\n  ]\n}", 1)
        elif defect == "invalid-yaml":
            data += b"broken_list: [one, two\n"
        elif defect == "invalid-xml":
            data = data.replace(b"</services>", b"</service>", 1)
        elif defect == "private-key":
            data += b"deploy_key: |\n" + b"".join(
                b"  " + line + b"\n" for line in PRIVATE_KEY.encode().splitlines())
        elif defect == "shebang-not-exec":
            mode = 0o644
        elif defect == "exec-no-shebang":
            mode = 0o755
        full = os.path.join(args.out_dir, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as f:
            f.write(data)
        os.chmod(full, mode)
        total += len(data)
        manifest.append("%s\t%s\n" % (defect or "clean", path))

    if args.manifest:
        with open(args.manifest, "w") as f:
            f.writelines(manifest)
    counts = {}
    for kind, _, _ in plan:
        counts[kind] = counts.get(kind, 0) + 1
    ndefects = sum(1 for line in manifest if not line.startswith("clean\t"))
    print("corpus: %d files, %.1f MB, %s; %d with a defect (seed %d)" % (
        len(plan), total / 1e6, ", ".join("%s %d" % kv for kv in sorted(counts.items())),
        ndefects, args.seed), file=sys.stderr)


if __name__ == "__main__":
    main()
