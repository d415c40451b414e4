// Schema validation (see schema.h).
#include "evpipe/parquet/schema.h"

#include <set>

namespace evpipe::parquet {

std::string_view PhysicalTypeName(PhysicalType t) {
  switch (t) {
    case PhysicalType::kInt32: return "INT32";
    case PhysicalType::kInt64: return "INT64";
    case PhysicalType::kByteArray: return "BYTE_ARRAY";
  }
  return "?";
}

Status Schema::Validate() const {
  if (columns.empty()) return Status::InvalidArgument("parquet schema has no columns");
  std::set<std::string_view> names;
  for (const Column& c : columns) {
    if (c.name.empty()) return Status::InvalidArgument("parquet schema: empty column name");
    if (!names.insert(c.name).second) {
      return Status::InvalidArgument("parquet schema: duplicate column '" + c.name + "'");
    }
    bool fits = false;
    switch (c.logical) {
      case LogicalType::kNone: fits = true; break;
      case LogicalType::kString: fits = c.physical == PhysicalType::kByteArray; break;
      case LogicalType::kInt32: fits = c.physical == PhysicalType::kInt32; break;
      case LogicalType::kInt64:
      case LogicalType::kTimestampMicrosUtc: fits = c.physical == PhysicalType::kInt64; break;
    }
    if (!fits) {
      return Status::InvalidArgument("parquet schema: column '" + c.name +
                                     "': logical type does not fit " +
                                     std::string(PhysicalTypeName(c.physical)));
    }
  }
  return Status::Ok();
}

int Schema::Find(std::string_view name) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace evpipe::parquet
