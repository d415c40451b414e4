// The flat Parquet schema evpipe writes: a list of top-level leaf columns,
// each required or optional (no nesting, no repetition).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "evpipe/core/status.h"

namespace evpipe::parquet {

// Values are parquet.thrift's Type.
enum class PhysicalType { kInt32 = 1, kInt64 = 2, kByteArray = 6 };

enum class LogicalType {
  kNone,                // plain physical type, no annotation
  kString,              // BYTE_ARRAY: STRING (converted UTF8)
  kInt32,               // INT32: INT(32, signed) (converted INT_32)
  kInt64,               // INT64: INT(64, signed) (converted INT_64)
  kTimestampMicrosUtc,  // INT64: TIMESTAMP(isAdjustedToUTC=true, MICROS) (converted TIMESTAMP_MICROS)
};

enum class Repetition { kRequired = 0, kOptional = 1 };

struct Column {
  std::string name;
  PhysicalType physical = PhysicalType::kByteArray;
  LogicalType logical = LogicalType::kNone;
  Repetition repetition = Repetition::kRequired;
  // SchemaElement.field_id (Iceberg's column id); < 0: not written.
  int32_t field_id = -1;

  bool optional() const { return repetition == Repetition::kOptional; }

  static Column String(std::string name, Repetition r = Repetition::kRequired) {
    return {std::move(name), PhysicalType::kByteArray, LogicalType::kString, r};
  }
  static Column Int32(std::string name, Repetition r = Repetition::kRequired) {
    return {std::move(name), PhysicalType::kInt32, LogicalType::kInt32, r};
  }
  static Column Int64(std::string name, Repetition r = Repetition::kRequired) {
    return {std::move(name), PhysicalType::kInt64, LogicalType::kInt64, r};
  }
  static Column TimestampMicros(std::string name, Repetition r = Repetition::kRequired) {
    return {std::move(name), PhysicalType::kInt64, LogicalType::kTimestampMicrosUtc, r};
  }
};

struct Schema {
  std::vector<Column> columns;
  // Name of the root group in the footer (readers mostly ignore it).
  std::string root_name = "schema";

  // Non-empty, unique non-empty names, logical types that fit their physical type.
  Status Validate() const;
  // Index of the column named `name`, or -1.
  int Find(std::string_view name) const;
};

std::string_view PhysicalTypeName(PhysicalType t);

}  // namespace evpipe::parquet
