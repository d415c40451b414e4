// Thrift compact encoding of page headers and the footer; field ids are
// parquet.thrift's (apache/parquet-format).
#include "evpipe/parquet/metadata.h"

#include "evpipe/parquet/thrift_compact.h"

namespace evpipe::parquet {
namespace {

void WriteStatistics(ThriftWriter& w, int16_t field, const EncodedStatistics& s) {
  w.FieldStructBegin(field);
  if (s.has_min_max && s.legacy_min_max) {
    w.FieldBinary(1, s.max);
    w.FieldBinary(2, s.min);
  }
  w.FieldI64(3, s.null_count);
  if (s.has_min_max) {
    w.FieldBinary(5, s.max);
    w.FieldBinary(6, s.min);
    w.FieldBool(7, s.max_exact);
    w.FieldBool(8, s.min_exact);
  }
  w.EndStruct();
}

// ConvertedType values of parquet.thrift.
constexpr int32_t kConvertedUtf8 = 0;
constexpr int32_t kConvertedTimestampMicros = 10;
constexpr int32_t kConvertedInt32 = 17;
constexpr int32_t kConvertedInt64 = 18;

void WriteSchemaElement(ThriftWriter& w, const Column& c) {
  w.BeginStruct();
  w.FieldI32(1, static_cast<int32_t>(c.physical));
  w.FieldI32(3, static_cast<int32_t>(c.repetition));
  w.FieldBinary(4, c.name);
  // Fields in ascending id order: 6 converted_type, 9 field_id, 10 logicalType.
  const bool is32 = c.logical == LogicalType::kInt32;
  switch (c.logical) {
    case LogicalType::kNone:
      break;
    case LogicalType::kString:
      w.FieldI32(6, kConvertedUtf8);
      break;
    case LogicalType::kInt32:
    case LogicalType::kInt64:
      w.FieldI32(6, is32 ? kConvertedInt32 : kConvertedInt64);
      break;
    case LogicalType::kTimestampMicrosUtc:
      w.FieldI32(6, kConvertedTimestampMicros);
      break;
  }
  if (c.field_id >= 0) w.FieldI32(9, c.field_id);
  switch (c.logical) {
    case LogicalType::kNone:
      break;
    case LogicalType::kString:
      w.FieldStructBegin(10);  // LogicalType union
      w.FieldStructBegin(1);   // STRING
      w.EndStruct();
      w.EndStruct();
      break;
    case LogicalType::kInt32:
    case LogicalType::kInt64:
      w.FieldStructBegin(10);
      w.FieldStructBegin(10);  // INTEGER
      w.FieldI8(1, is32 ? 32 : 64);
      w.FieldBool(2, true);
      w.EndStruct();
      w.EndStruct();
      break;
    case LogicalType::kTimestampMicrosUtc:
      w.FieldStructBegin(10);
      w.FieldStructBegin(8);  // TIMESTAMP
      w.FieldBool(1, true);   // isAdjustedToUTC
      w.FieldStructBegin(2);  // unit
      w.FieldStructBegin(2);  // MICROS
      w.EndStruct();
      w.EndStruct();
      w.EndStruct();
      w.EndStruct();
      break;
  }
  w.EndStruct();
}

void WriteColumnChunk(ThriftWriter& w, const ColumnChunkMeta& c) {
  w.BeginStruct();
  w.FieldI64(2, 0);  // file_offset: deprecated, 0 when metadata is only in the footer
  w.FieldStructBegin(3);
  w.FieldI32(1, static_cast<int32_t>(c.type));
  w.FieldListBegin(2, ThriftType::kI32, static_cast<uint32_t>(c.encodings.size()));
  for (Encoding e : c.encodings) w.ElementI32(static_cast<int32_t>(e));
  w.FieldListBegin(3, ThriftType::kBinary, 1);
  w.ElementBinary(c.name);
  w.FieldI32(4, static_cast<int32_t>(c.codec));
  w.FieldI64(5, c.num_values);
  w.FieldI64(6, c.total_uncompressed_size);
  w.FieldI64(7, c.total_compressed_size);
  w.FieldI64(9, c.data_page_offset);
  if (c.dictionary_page_offset >= 0) w.FieldI64(11, c.dictionary_page_offset);
  WriteStatistics(w, 12, c.statistics);
  w.FieldListBegin(13, ThriftType::kStruct, static_cast<uint32_t>(c.encoding_stats.size()));
  for (const EncodingCount& e : c.encoding_stats) {
    w.BeginStruct();
    w.FieldI32(1, static_cast<int32_t>(e.page_type));
    w.FieldI32(2, static_cast<int32_t>(e.encoding));
    w.FieldI32(3, e.count);
    w.EndStruct();
  }
  w.EndStruct();  // ColumnMetaData
  w.EndStruct();  // ColumnChunk
}

}  // namespace

void SerializePageHeader(const PageHeader& h, std::string* out) {
  ThriftWriter w(out);
  w.BeginStruct();
  w.FieldI32(1, static_cast<int32_t>(h.type));
  w.FieldI32(2, h.uncompressed_size);
  w.FieldI32(3, h.compressed_size);
  if (h.type == PageType::kDataPage) {
    w.FieldStructBegin(5);
    w.FieldI32(1, h.num_values);
    w.FieldI32(2, static_cast<int32_t>(h.encoding));
    w.FieldI32(3, static_cast<int32_t>(Encoding::kRle));  // definition levels
    w.FieldI32(4, static_cast<int32_t>(Encoding::kRle));  // repetition levels (none stored)
    if (h.statistics != nullptr) WriteStatistics(w, 5, *h.statistics);
    w.EndStruct();
  } else {
    w.FieldStructBegin(7);
    w.FieldI32(1, h.num_values);
    w.FieldI32(2, static_cast<int32_t>(Encoding::kPlain));
    w.EndStruct();
  }
  w.EndStruct();
}

void SerializeFileMetaData(const Schema& schema, const std::vector<RowGroupMeta>& row_groups,
                           int64_t num_rows, const std::vector<KeyValue>& key_values,
                           std::string_view created_by, std::string* out) {
  ThriftWriter w(out);
  w.BeginStruct();
  w.FieldI32(1, 1);  // version
  w.FieldListBegin(2, ThriftType::kStruct, static_cast<uint32_t>(schema.columns.size() + 1));
  w.BeginStruct();  // root group
  w.FieldBinary(4, schema.root_name);
  w.FieldI32(5, static_cast<int32_t>(schema.columns.size()));
  w.EndStruct();
  for (const Column& c : schema.columns) WriteSchemaElement(w, c);
  w.FieldI64(3, num_rows);
  w.FieldListBegin(4, ThriftType::kStruct, static_cast<uint32_t>(row_groups.size()));
  for (size_t i = 0; i < row_groups.size(); ++i) {
    const RowGroupMeta& rg = row_groups[i];
    w.BeginStruct();
    w.FieldListBegin(1, ThriftType::kStruct, static_cast<uint32_t>(rg.columns.size()));
    for (const ColumnChunkMeta& c : rg.columns) WriteColumnChunk(w, c);
    w.FieldI64(2, rg.total_byte_size);
    w.FieldI64(3, rg.num_rows);
    w.FieldI64(5, rg.file_offset);
    w.FieldI64(6, rg.total_compressed_size);
    if (i <= 32767) w.FieldI16(7, static_cast<int16_t>(i));
    w.EndStruct();
  }
  if (!key_values.empty()) {
    w.FieldListBegin(5, ThriftType::kStruct, static_cast<uint32_t>(key_values.size()));
    for (const KeyValue& kv : key_values) {
      w.BeginStruct();
      w.FieldBinary(1, kv.key);
      w.FieldBinary(2, kv.value);
      w.EndStruct();
    }
  }
  w.FieldBinary(6, created_by);
  w.FieldListBegin(7, ThriftType::kStruct, static_cast<uint32_t>(schema.columns.size()));
  for (size_t i = 0; i < schema.columns.size(); ++i) {
    w.BeginStruct();        // ColumnOrder union
    w.FieldStructBegin(1);  // TYPE_ORDER
    w.EndStruct();
    w.EndStruct();
  }
  w.EndStruct();
}

}  // namespace evpipe::parquet
