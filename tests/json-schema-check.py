#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Validate a JSON document against the subset of JSON Schema (2020-12) the
tools' schemas use: type, const, enum, properties, required,
additionalProperties, items, pattern, minimum, oneOf, $ref to #/$defs.
Usage: json-schema-check.py SCHEMA [DOCUMENT]  (stdin without DOCUMENT).
Exit 0 valid, 1 invalid (each error on stderr), 2 usage or unreadable."""
import json
import re
import sys

TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}
KNOWN = {"$schema", "$id", "$defs", "title", "description", "type", "const",
         "enum", "properties", "required", "additionalProperties", "items",
         "pattern", "minimum", "oneOf", "$ref"}


def check(root, schema, v, path, errs):
    unknown = set(schema) - KNOWN
    if unknown:
        raise SystemExit("schema keyword(s) this checker does not know: %s" % unknown)
    if "$ref" in schema:
        ref = schema["$ref"]
        if not ref.startswith("#/$defs/"):
            raise SystemExit("unsupported $ref " + ref)
        check(root, root["$defs"][ref[8:]], v, path, errs)
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(TYPES[t](v) for t in types):
            errs.append("%s: %r is not %s" % (path, v, "/".join(types)))
            return
    if "const" in schema and (v != schema["const"] or type(v) != type(schema["const"])):
        errs.append("%s: %r is not %r" % (path, v, schema["const"]))
    if "enum" in schema and not any(v == e and type(v) == type(e) for e in schema["enum"]):
        errs.append("%s: %r not in %r" % (path, v, schema["enum"]))
    if "oneOf" in schema:
        n = 0
        for sub in schema["oneOf"]:
            e = []
            check(root, sub, v, path, e)
            n += not e
        if n != 1:
            errs.append("%s: %r matches %d of oneOf" % (path, v, n))
    if isinstance(v, str) and "pattern" in schema and not re.search(schema["pattern"], v):
        errs.append("%s: %r does not match %s" % (path, v, schema["pattern"]))
    if TYPES["number"](v) and "minimum" in schema and v < schema["minimum"]:
        errs.append("%s: %r < %r" % (path, v, schema["minimum"]))
    if isinstance(v, dict):
        props = schema.get("properties", {})
        for k in schema.get("required", []):
            if k not in v:
                errs.append("%s: missing %s" % (path, k))
        for k, sub in v.items():
            if k in props:
                check(root, props[k], sub, path + "." + k, errs)
            elif schema.get("additionalProperties", True) is False:
                errs.append("%s: unexpected field %s" % (path, k))
    if isinstance(v, list) and "items" in schema:
        for i, sub in enumerate(v):
            check(root, schema["items"], sub, "%s[%d]" % (path, i), errs)


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    try:
        with open(sys.argv[1]) as f:
            schema = json.load(f)
        if len(sys.argv) == 3:
            with open(sys.argv[2]) as f:
                doc = json.load(f)
        else:
            doc = json.load(sys.stdin)
    except (OSError, ValueError) as e:
        print("cannot read: %s" % e, file=sys.stderr)
        return 1 if isinstance(e, ValueError) else 2
    errs = []
    check(schema, schema, doc, "$", errs)
    for e in errs:
        print("invalid: " + e, file=sys.stderr)
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
