#!/usr/bin/env python3
"""Generates the Kafka message codec from the message specs in spec/*.json.

For each spec/<family>.json it writes messages_<family>.h (the request and
response structs) and messages_<family>.cc (their Decode and Encode), and for
all specs together apis.inc (the supported-API table of api.cc), into --out.
The spec format and how to add a message or a field:
docs/decisions/protocol-message-specs.md. Python 3 standard library only.

Usage: gen_messages.py --out DIR spec/cluster.json spec/data.json ...
"""

import argparse
import json
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from message_spec import NO_LIMIT, SCALARS, Api, Field, SpecError, version_label  # noqa: E402


class Emitter:
    def __init__(self, api):
        self.api = api
        self.lines = []
        self.fx_const = None  # True/False when every supported version is (not) flexible
        if api.first_flexible > api.hi:
            self.fx_const = False
        elif api.first_flexible <= api.lo:
            self.fx_const = True

    def out(self, depth, text):
        self.lines.append("  " * depth + text)

    def tags(self, depth, call):
        if self.fx_const is not False:
            self.out(depth, f"if (fx) {call};")

    def guarded(self, depth, field, body, otherwise=None):
        """Emits body(depth, scoped) under the field's version condition; scoped: inside a block of its own."""
        cond = field.cond()
        if not cond:
            body(depth, False)
            return
        self.out(depth, f"if ({cond}) {{")
        body(depth + 1, True)
        if otherwise:
            self.out(depth, "} else {")
            otherwise(depth + 1)
        self.out(depth, "}")

    def each_group(self, fields, depth, emit):
        """Calls emit(field, depth, scoped) for each field; consecutive fields under the same version
        condition share one `if`."""
        i = 0
        while i < len(fields):
            f = fields[i]
            cond = f.cond()
            j = i + 1
            if cond and not f.absent_from:
                while j < len(fields) and fields[j].cond() == cond and not fields[j].absent_from:
                    j += 1
            if j - i == 1:
                emit(f, depth, None)
            else:
                self.out(depth, f"if ({cond}) {{")
                for g in fields[i:j]:
                    emit(g, depth + 1, False)
                self.out(depth, "}")
            i = j

    # ---- decoding ----

    def read_scalar(self, typ):
        if typ in SCALARS:
            return f"r.{SCALARS[typ][2]}()"
        if typ == "string":
            return "r.String(fx)"
        return "std::string(r.Bytes(fx))"

    def decode_fields(self, fields, obj, depth, level):
        self.each_group(fields, depth, lambda f, d, grouped: self.decode_field(f, obj, d, level, grouped))

    def decode_field(self, f, obj, depth, level, grouped):
        """grouped: None when the field carries its own version condition, else already under it."""
        target = f"{obj}{f.name}"

        def body(d, scoped):
            if f.ignore:
                self.skip(f, d, level)
            elif f.in_first:
                self.out(d, f"{obj}{f.in_first}.assign(1, {{}});")
                self.out(d, f"{obj}{f.in_first}[0].{f.name} = {self.read_scalar(f.type)};")
            elif f.elem:
                self.decode_array(f, target, d, level, scoped)
            elif f.type == "string" and f.nullable:
                self.out(d, f"{target} = r.NullableString(fx);")
            elif f.type == "bytes" and f.view:
                self.out(d, f"{target} = r.{'NullableBytes' if f.nullable else 'Bytes'}(fx);")
            else:
                self.out(d, f"{target} = {self.read_scalar(f.type)};")

        if grouped is not None:
            body(depth, False)
            return
        otherwise = None
        if f.absent_from:
            def otherwise(d):
                self.out(d, f"{target} = {obj}{f.absent_from};")
        self.guarded(depth, f, body, otherwise)

    def decode_array(self, f, target, depth, level, scoped):
        n, i = f"n{level}", f"i{level}"
        min_expr = self.api.min_size_expr(f.fields if f.struct else f.elem, (f.lo, f.hi))
        d = depth
        if not scoped:
            self.out(depth, "{")
            d += 1
        self.out(d, f"const int32_t {n} = r.ArrayLength(fx, {min_expr});")
        vec = target
        if f.nullable:
            null_cond = f.null_cond()
            present = f"{n} >= 0" if not null_cond else f"{n} > 0 || ({n} == 0 && ({null_cond}))"
            self.out(d, f"if ({present}) {{")
            d += 1
            vec = f"a{level}"
            self.out(d, f"auto& {vec} = {target}.emplace();")
        self.out(d, f"for (int32_t {i} = 0; {i} < {n} && r.ok(); ++{i}) {{")
        if f.struct:
            self.out(d + 1, f"{f.elem}& e{level} = {vec}.emplace_back();")
        self.element(f, d + 1, level, True, f"{vec}.push_back({self.read_scalar(f.elem)});")
        if f.nullable:
            self.out(d - 1, "}")
        if not scoped:
            self.out(depth, "}")

    def skip(self, f, depth, level):
        """Reads a field the structs do not keep."""
        if not f.elem:
            if f.type == "string" and f.nullable:
                self.out(depth, "r.NullableString(fx);")
            elif f.type in ("string", "bytes"):
                self.out(depth, f"r.{'String' if f.type == 'string' else 'Bytes'}(fx);")
            else:
                self.out(depth, f"r.{SCALARS[f.type][2]}();")
            return
        n, i = f"n{level}", f"i{level}"
        min_expr = self.api.min_size_expr(f.fields if f.struct else f.elem, (f.lo, f.hi))
        self.out(depth, f"for (int32_t {i} = 0, {n} = r.ArrayLength(fx, {min_expr}); {i} < {n} && r.ok(); ++{i}) {{")
        if f.struct:
            for sub in f.fields:
                def body(d, scoped, sub=sub):
                    self.skip(sub, d, level + 1)
                self.guarded(depth + 1, sub, body)
            self.tags(depth + 1, "r.SkipTaggedFields()")
        else:
            self.skip(Field({"name": "e", "type": f.elem}, (f.lo, f.hi), f.where), depth + 1, level + 1)
        self.out(depth, "}")

    # ---- encoding ----

    def write_scalar(self, typ, value):
        if typ in SCALARS:
            return f"w.{SCALARS[typ][2]}({value})"
        return f"w.{'String' if typ == 'string' else 'Bytes'}({value}, fx)"

    def encode_fields(self, fields, obj, depth, level):
        def emit(f, d, grouped):
            if grouped is None:
                self.guarded(d, f, lambda dd, scoped: self.encode_field(f, obj, dd, level))
            else:
                self.encode_field(f, obj, d, level)
        self.each_group(fields, depth, emit)

    def encode_field(self, f, obj, depth, level):
        target = f"{obj}{f.name}"
        if f.ignore:
            if f.elem:
                self.out(depth, f"w.ArrayLength(0, fx);  // {f.name}: {f.ignore}")
            elif f.nullable:
                self.out(depth, f"w.Nullable{'String' if f.type == 'string' else 'Bytes'}(std::nullopt, fx);  "
                                f"// {f.name}: {f.ignore}")
            else:
                value = f.initializer()[3:] or '""'
                self.out(depth, f"{self.write_scalar(f.type, value)};  // {f.name}: {f.ignore}")
        elif f.in_first:
            arr = f"{obj}{f.in_first}"
            self.out(depth, f"w.String({arr}.empty() ? std::string_view() : std::string_view({arr}[0].{f.name}), fx);")
        elif f.elem:
            self.encode_array(f, target, depth, level)
        elif f.nullable:
            self.out(depth, f"w.Nullable{'String' if f.type == 'string' else 'Bytes'}({target}, fx);")
        else:
            self.out(depth, f"{self.write_scalar(f.type, target)};")

    def encode_array(self, f, target, depth, level):
        vec = target
        d = depth
        if f.nullable:
            null_cond = f.null_cond()
            null_len = "-1" if not null_cond else f"({null_cond}) ? -1 : 0"
            self.out(d, f"if (!{target}) {{")
            self.out(d + 1, f"w.ArrayLength({null_len}, fx);")
            self.out(d, "} else {")
            d += 1
            vec = f"(*{target})"
        self.out(d, f"w.ArrayLength(static_cast<int32_t>({vec}.size()), fx);")
        self.out(d, f"for (const auto& e{level} : {vec}) {{")
        self.element(f, d + 1, level, False, f"{self.write_scalar(f.elem, f'e{level}')};")
        if f.nullable:
            self.out(depth, "}")

    def element(self, f, depth, level, decoding, scalar_line):
        """The body of an array loop over element e<level>, and the loop's closing brace."""
        if f.struct:
            fields = self.decode_fields if decoding else self.encode_fields
            fields(f.fields, f"e{level}.", depth, level + 1)
            self.tags(depth, "r.SkipTaggedFields()" if decoding else "w.EmptyTaggedFields()")
        else:
            self.out(depth, scalar_line)
        self.out(depth - 1, "}")

    def fx_line(self):
        if self.fx_const is None:
            return f"const bool fx = v >= {self.api.first_flexible};  // flexible versions"
        return f"[[maybe_unused]] constexpr bool fx = {'true' if self.fx_const else 'false'};"


def emit_structs(api, msg_name, fields, out):
    """The struct of one message, nested structs first (innermost first)."""
    nested = []
    seen = {}

    def collect(fs, depth):
        for f in fs:
            if not f.struct or f.ignore:
                continue
            collect(f.fields, depth)
            if f.elem in seen:
                raise SpecError(f"{f.where}: struct name {f.elem} used twice in {msg_name}")
            seen[f.elem] = f
            if f.common:
                nested.append(f"  using {f.elem} = {f.common}<{f.fields[1].elem}>;")
                continue
            nested.append(f"  struct {f.elem} {{")
            nested.extend(member_lines(api, f.fields, "    "))
            nested.append("  };")

    collect(fields, 0)
    out.append(f"struct {msg_name} {{")
    out.extend(nested)
    out.extend(member_lines(api, fields, "  "))
    out.append("  bool Decode(Reader& r, int16_t v);")
    out.append("  void Encode(Writer& w, int16_t v) const;")
    out.append("};")


def member_lines(api, fields, indent):
    lines = []
    for f in fields:
        if f.ignore or f.in_first:
            continue
        notes = []
        if (f.lo, f.hi) != f.within:
            notes.append(version_label(f.lo, f.hi if f.hi < api.hi else NO_LIMIT))
        if f.nullable and f.null_cond():
            notes.append(f"null from {version_label(*f.nullable)}")
        if f.doc:
            notes.append(f.doc)
        comment = f"  // {'; '.join(notes)}" if notes else ""
        lines.append(f"{indent}{f.cpp_type()} {f.name}{f.initializer()};{comment}")
    return lines


def emit_codec(api, msg_name, fields, out):
    e = Emitter(api)
    e.out(0, f"bool {msg_name}::Decode(Reader& r, [[maybe_unused]] int16_t v) {{")
    e.out(1, e.fx_line())
    e.decode_fields(fields, "", 1, 1)
    e.tags(1, "r.SkipTaggedFields()")
    e.out(1, "return r.ok();")
    e.out(0, "}")
    e.out(0, "")
    e.out(0, f"void {msg_name}::Encode(Writer& w, [[maybe_unused]] int16_t v) const {{")
    e.out(1, e.fx_line())
    e.encode_fields(fields, "", 1, 1)
    e.tags(1, "w.EmptyTaggedFields()")
    e.out(0, "}")
    out.extend(e.lines)


def banner(spec_name):
    return [f"// Generated by src/evpipe/broker/protocol/gen_messages.py from spec/{spec_name}: do not edit.",
            "// Spec format and how to add a message or field: docs/decisions/protocol-message-specs.md."]


def generate(spec_path):
    family = os.path.splitext(os.path.basename(spec_path))[0]
    with open(spec_path, encoding="utf-8") as fh:
        raw = json.load(fh)
    apis = [Api(a, os.path.basename(spec_path)) for a in raw["apis"]]
    h = banner(os.path.basename(spec_path))
    h.append(f"// {raw.get('doc', family)} (conventions: messages.h).")
    h += ["#pragma once", "", "#include <cstdint>", "#include <optional>", "#include <string>",
          "#include <string_view>", "#include <vector>", "",
          '#include "evpipe/broker/protocol/messages_common.h"', '#include "evpipe/broker/protocol/wire.h"', "",
          "namespace evpipe::kafka_protocol {", ""]
    cc = banner(os.path.basename(spec_path))
    cc += [f'#include "evpipe/broker/protocol/messages_{family}.h"', "", "namespace evpipe::kafka_protocol {", ""]
    for api in apis:
        flex = "" if api.first_flexible > api.hi else f", flexible from v{api.first_flexible}"
        h.append(f"// ---- {api.name} ({api.key}): v{api.lo}-{api.hi}{flex} ----")
        if api.doc:
            h.append(f"// {api.doc}")
        cc.append(f"// ---- {api.name} ----")
        cc.append("")
        for msg_name, fields in api.messages:
            emit_structs(api, msg_name, fields, h)
            emit_codec(api, msg_name, fields, cc)
            cc.append("")
        h.append("")
    h.append("}  // namespace evpipe::kafka_protocol")
    cc.append("}  // namespace evpipe::kafka_protocol")
    return family, apis, "\n".join(h) + "\n", "\n".join(cc) + "\n"


def api_table(all_apis, spec_names):
    all_apis = sorted(all_apis, key=lambda a: a.key)
    keys = [a.key for a in all_apis]
    if len(set(keys)) != len(keys):
        raise SpecError("an API key appears in two specs")
    lines = banner(", ".join(spec_names))
    lines.append("// Included by api.cc: every supported API in key order (ApiSupport, api.h).")
    for a in all_apis:
        if a.doc:
            lines.append(f"// {a.name}: {a.doc}")
    lines.append(f"constexpr std::array<ApiSupport, {len(all_apis)}> kApis = {{{{")
    for a in all_apis:
        lines.append(f'    {{ApiKey::k{a.name}, "{a.name}", {a.lo}, {a.hi}, {a.first_flexible}}},')
    lines.append("}};")
    return "\n".join(lines) + "\n"


def write_if_changed(path, text):
    try:
        with open(path, encoding="utf-8") as fh:
            if fh.read() == text:
                return
    except FileNotFoundError:
        pass
    with open(path + ".tmp", "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(path + ".tmp", path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="directory for messages_<family>.{h,cc} and apis.inc")
    parser.add_argument("specs", nargs="+")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    all_apis = []
    try:
        outputs = []
        for spec in args.specs:
            family, apis, header, source = generate(spec)
            all_apis += apis
            outputs += [(f"messages_{family}.h", header), (f"messages_{family}.cc", source)]
        outputs.append(("apis.inc", api_table(all_apis, [os.path.basename(s) for s in args.specs])))
    except (SpecError, KeyError, json.JSONDecodeError) as e:
        print(f"gen_messages: {e}", file=sys.stderr)
        return 1
    for name, text in outputs:
        write_if_changed(os.path.join(args.out, name), text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
