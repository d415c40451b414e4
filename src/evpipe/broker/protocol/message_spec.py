"""Reads and checks the message specs (spec/<family>.json) for gen_messages.py.

The format: docs/decisions/protocol-message-specs.md. A Field or Api knows its
versions (clamped to the API's supported range), its C++ type and initializer,
and the fewest bytes it takes on the wire at each version.
"""

# type -> (C++ type, bytes on the wire, Reader/Writer member)
SCALARS = {
    "int8": ("int8_t", 1, "Int8"),
    "int16": ("int16_t", 2, "Int16"),
    "int32": ("int32_t", 4, "Int32"),
    "int64": ("int64_t", 8, "Int64"),
    "bool": ("bool", 1, "Bool"),
}
FIELD_KEYS = {"name", "type", "versions", "nullable", "default", "doc", "fields", "common", "view", "ignore",
              "absentFrom", "inFirst"}
API_KEYS = {"name", "key", "versions", "flexible", "doc", "request", "response"}
NO_LIMIT = 1 << 15


class SpecError(Exception):
    pass


def parse_versions(text, where):
    """'3+', '0-2' or '1' -> (lo, hi), hi NO_LIMIT for '+'."""
    text = str(text).strip()
    try:
        if text.endswith("+"):
            return int(text[:-1]), NO_LIMIT
        if "-" in text:
            lo, hi = text.split("-", 1)
            return int(lo), int(hi)
        return int(text), int(text)
    except ValueError:
        raise SpecError(f"{where}: bad versions '{text}' (want N+, N-M or N)") from None


def condition(lo, hi, within):
    """The C++ test for lo <= v <= hi, knowing that `within` (lo, hi) holds already; '' when always true."""
    wlo, whi = within
    need_lo, need_hi = lo > wlo, hi < whi
    if need_hi and lo == hi:
        return f"v == {lo}"
    if need_lo and need_hi:
        return f"v >= {lo} && v <= {hi}"
    if need_lo:
        return f"v >= {lo}"
    if need_hi:
        return f"v <= {hi}"
    return ""


def version_label(lo, hi):
    if hi >= NO_LIMIT:
        return f"v{lo}+"
    return f"v{lo}" if lo == hi else f"v{lo}-{hi}"


class Field:
    def __init__(self, raw, within, where):
        unknown = set(raw) - FIELD_KEYS
        if unknown:
            raise SpecError(f"{where}: unknown keys {sorted(unknown)}")
        self.name = raw["name"]
        where = f"{where}.{self.name}"
        self.where = where
        self.type = raw["type"]
        self.doc = raw.get("doc", "")
        self.default = raw.get("default")
        self.view = bool(raw.get("view", False))
        self.ignore = raw.get("ignore")  # the reason it is not kept: read and dropped, written as its default
        self.absent_from = raw.get("absentFrom")  # decoding a version without it copies this field
        self.in_first = raw.get("inFirst")  # kept as the field of the same name of that array's only element
        self.common = raw.get("common")
        lo, hi = parse_versions(raw.get("versions", "0+"), where)
        wlo, whi = within
        self.lo, self.hi = max(lo, wlo), min(hi, whi)
        if self.lo > self.hi:
            raise SpecError(f"{where}: versions {raw.get('versions')} outside the supported {version_label(*within)}")
        self.within = within
        self.nullable = None
        if "nullable" in raw:
            nlo, nhi = parse_versions(raw["nullable"], where)
            nlo, nhi = max(nlo, self.lo), min(nhi, self.hi)
            if nlo > nhi:
                raise SpecError(f"{where}: nullable versions outside the field's versions")
            self.nullable = (nlo, nhi)
        self.fields = None
        self.elem = None
        if self.type.startswith("[]"):
            self.elem = self.type[2:]
            if self.elem in SCALARS or self.elem in ("string", "bytes"):
                if "fields" in raw:
                    raise SpecError(f"{where}: an array of {self.elem} has no fields")
            else:
                if "fields" not in raw:
                    raise SpecError(f"{where}: array of struct {self.elem} needs fields")
                self.fields = [Field(f, (self.lo, self.hi), where) for f in raw["fields"]]
        elif self.type not in SCALARS and self.type not in ("string", "bytes"):
            raise SpecError(f"{where}: unknown type '{self.type}'")
        if self.view and self.type != "bytes":
            raise SpecError(f"{where}: only bytes can be a view")
        if self.nullable and self.type in ("string", "bytes") and self.nullable != (self.lo, self.hi):
            raise SpecError(f"{where}: a string or bytes field is nullable in all its versions or in none")
        if self.nullable and self.type in SCALARS:
            raise SpecError(f"{where}: a {self.type} cannot be nullable")
        if self.nullable and self.type == "bytes" and not self.view:
            raise SpecError(f"{where}: nullable bytes are decoded as a view (set view)")
        if self.absent_from and (self.lo, self.hi) == within:
            raise SpecError(f"{where}: absentFrom on a field present in every version")
        if self.common and self.common != "TopicPartitions":
            raise SpecError(f"{where}: unknown common part '{self.common}'")
        if self.common:
            names = [(f.name, f.type) for f in self.fields]
            if len(names) != 2 or names[0] != ("name", "string") or not names[1][1].startswith("[]") or \
                    self.nullable or self.ignore:
                raise SpecError(f"{where}: TopicPartitions is {{name: string, partitions: []Partition}}")

    @property
    def struct(self):
        return self.fields is not None

    def cond(self):
        return condition(self.lo, self.hi, self.within)

    def null_cond(self):
        """'' when null is allowed in every version of the field, else the test for the versions that allow it."""
        return condition(self.nullable[0], self.nullable[1], (self.lo, self.hi))

    def present(self, v):
        return self.lo <= v <= self.hi

    def cpp_type(self):
        if self.type in SCALARS:
            return SCALARS[self.type][0]
        if self.type == "bytes" and self.view:
            base = "std::string_view"
        elif self.type in ("string", "bytes"):
            base = "std::string"
        else:
            inner = SCALARS[self.elem][0] if self.elem in SCALARS else (
                "std::string" if self.elem in ("string", "bytes") else self.elem)
            base = f"std::vector<{inner}>"
        return f"std::optional<{base}>" if self.nullable else base

    def initializer(self):
        if self.type not in SCALARS:
            if self.default is not None:
                raise SpecError(f"{self.where}: only scalars have a default")
            return ""
        if self.default is None:
            return " = false" if self.type == "bool" else " = 0"
        if isinstance(self.default, bool):
            return " = " + ("true" if self.default else "false")
        return f" = {self.default}"


def min_size_of(typ, fx):
    if typ in SCALARS:
        return SCALARS[typ][1]
    if typ == "string":
        return 1 if fx else 2
    if typ == "bytes":
        return 1 if fx else 4
    return 1 if fx else 4  # an array length


def struct_min_size(fields, v, fx):
    """The fewest bytes a struct with these fields takes at version v."""
    size = 1 if fx else 0  # its tagged fields
    for f in fields:
        if f.present(v) and not f.in_first:
            size += min_size_of(f.type, fx)
        elif f.present(v):
            size += min_size_of("string", fx)
    return size


class Api:
    def __init__(self, raw, where):
        unknown = set(raw) - API_KEYS
        if unknown:
            raise SpecError(f"{where}: unknown keys {sorted(unknown)}")
        self.name = raw["name"]
        self.key = int(raw["key"])
        self.doc = raw.get("doc", "")
        self.lo, self.hi = parse_versions(raw["versions"], f"{where}.{self.name}")
        if self.hi >= NO_LIMIT:
            raise SpecError(f"{where}.{self.name}: versions need an upper bound")
        self.first_flexible, _ = parse_versions(raw["flexible"], f"{where}.{self.name}")
        self.messages = []
        for kind in ("request", "response"):
            if kind in raw:
                fields = [Field(f, (self.lo, self.hi), f"{where}.{self.name}{kind.title()}") for f in raw[kind]]
                self.messages.append((self.name + kind.title(), fields))

    def min_size_expr(self, fields_or_type, within):
        """A C++ expression for the fewest bytes of one array element, exact at every supported version."""
        lo, hi = within
        sizes = []
        for v in range(lo, hi + 1):
            fx = v >= self.first_flexible
            if isinstance(fields_or_type, str):
                sizes.append(min_size_of(fields_or_type, fx))
            else:
                sizes.append(struct_min_size(fields_or_type, v, fx))
        # From the newest version down: runs of equal sizes.
        parts = []
        v = hi
        while v >= lo:
            size = sizes[v - lo]
            start = v
            while start - 1 >= lo and sizes[start - 1 - lo] == size:
                start -= 1
            parts.append((start, size))
            v = start - 1
        expr = str(parts[-1][1])
        for start, size in reversed(parts[:-1]):
            expr = f"v >= {start} ? {size} : {expr}"
        return expr if len(parts) == 1 else f"({expr})"
